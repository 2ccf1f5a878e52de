"""Bounce classification against a labelled corpus (BOUNCE-1): agreement with the reference
classifier (Sisimai) on hard/soft and on the reason group, per labelled recipient.

Run: .venv/bin/python bench/bounce_corpus.py [DIR] [--list]

DIR defaults to ../shared/corpora/bounces beside the checkout (or CONSENTRY_BOUNCE_CORPUS);
it holds raw messages and labels.json. --list prints every disagreement. How the reference's
reasons map onto ours, and how a result is scored, is in feedback/parsers/reasons.toml and
feedback/tests/corpus.py.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.tests.corpus import corpus_dir, score  # noqa: E402


def main(args: list[str]) -> int:
    named = [a for a in args if not a.startswith("--")]
    directory = Path(named[0]) if named else corpus_dir()
    if directory is None:
        print("no corpus: name its directory (it holds labels.json)")
        return 2
    result = score(directory)
    files = len({u.file for u in result.units})
    print(f"corpus: {directory} ({files} messages, {len(result.units)} labelled recipients)")
    print(f"hard/soft agreement:    {result.hard_soft:.3f}")
    print(f"reason group agreement: {result.reason_group:.3f}")
    kinds = Counter(u.kind for u in result.units)
    print("kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    if "--list" in args:
        for unit in result.disagreements():
            print("  " + unit.describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
