"""Agreement of `parse_feedback` with a labelled corpus of real bounces (BOUNCE-1).

The corpus is a directory of raw messages with `labels.json`: per file, the recipients the
reference classifier (Sisimai) finds, each with its reason and whether the bounce is hard.
Its reasons map onto ours through the `sisimai` lists of the reason table
(feedback/parsers/reasons.toml); complaints, automatic replies and success reports map onto
the report's kind. Each labelled recipient is one unit: it agrees when the classifier names
that recipient (by address, else by position) and
- hard/soft: says hard exactly where the label does (a recipient not reported is not hard:
  nothing would be marked gone);
- reason group: gives the kind and a reason of the label's group (reasons.toml).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from feedback.parsers import FeedbackReport, RecipientResult, parse_feedback
from feedback.parsers.classify import SISIMAI_REASONS, SOFT_EQUIVALENTS

# Reference reasons that are not bounces: the kind of report they stand for.
KIND_OF = {"feedback": "complaint", "vacation": "autoreply", "delivered": "delivered"}

ROOT = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path | None:
    """CONSENTRY_BOUNCE_CORPUS, else the shared corpora beside the checkout (../shared)."""
    named = os.environ.get("CONSENTRY_BOUNCE_CORPUS")
    candidates = [Path(named)] if named else []
    candidates += [
        ROOT.parent / "shared" / "corpora" / "bounces",
        ROOT / "shared" / "corpora" / "bounces",
    ]
    for path in candidates:
        if (path / "labels.json").is_file():
            return path
    return None


@dataclass
class Unit:
    file: str
    address: str
    label_reason: str
    label_hard: bool
    kind: str = ""
    found: RecipientResult | None = None

    @property
    def hard_agrees(self) -> bool:
        """Whether we mark the address gone exactly where the reference does; a recipient we
        do not report is not marked."""
        return (self.found is not None and self.found.hard) == self.label_hard

    @property
    def group_agrees(self) -> bool:
        expected_kind = KIND_OF.get(self.label_reason, "bounce")
        if self.kind != expected_kind:
            return False
        if expected_kind != "bounce":
            return True
        found = self.found
        return found is not None and (
            found.reason in SISIMAI_REASONS.get(self.label_reason, ())
            or (not found.hard and found.reason in SOFT_EQUIVALENTS.get(self.label_reason, ()))
        )

    def describe(self) -> str:
        got = (
            f"{self.kind} {self.found.reason} {'hard' if self.found.hard else 'soft'} "
            f"[{self.found.status}]"
            if self.found
            else f"{self.kind} (no such recipient)"
        )
        want = f"{self.label_reason} {'hard' if self.label_hard else 'soft'}"
        return f"{self.file} {self.address or '-'}: want {want}; got {got}"


@dataclass
class Score:
    units: list[Unit] = field(default_factory=list)

    @property
    def hard_soft(self) -> float:
        return sum(u.hard_agrees for u in self.units) / len(self.units)

    @property
    def reason_group(self) -> float:
        return sum(u.group_agrees for u in self.units) / len(self.units)

    def disagreements(self) -> Iterator[Unit]:
        return (u for u in self.units if not (u.hard_agrees and u.group_agrees))


def _match(report: FeedbackReport, address: str | None, index: int) -> RecipientResult | None:
    """The result for a label: by address where the label names one, else by position
    (the reference lists a report's recipients in the report's order)."""
    results = report.recipients
    if address:
        for result in results:
            if result.recipient.lower() == address.lower():
                return result
        return None
    return results[index] if index < len(results) else None


def score(directory: Path) -> Score:
    labels = json.loads((directory / "labels.json").read_text())
    result = Score()
    for sample in labels["samples"]:
        report = parse_feedback((directory / sample["file"]).read_bytes())
        for index, label in enumerate(sample["recipients"]):
            result.units.append(
                Unit(
                    file=sample["file"],
                    address=label["address"] or "",
                    label_reason=label["reason"],
                    label_hard=bool(label["hard_bounce"]),
                    kind=report.kind,
                    found=_match(report, label["address"], index),
                )
            )
    return result
