"""The text part made from a campaign's HTML: readable text, not a picture of its tables.

inscriptis lays HTML out as a page of fixed-width columns: a layout table of a newsletter
turns into lines padded with blanks (86 % of a 40 KB text part were blanks). Here every
line is stripped and its inner runs of blanks closed up, blank lines come at most one in a
row, and a link is written `label (target)`, its target kept; an image shows its alt text
in brackets. Pure text handling, no database.
"""

from __future__ import annotations

import re

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

_CONFIG = ParserConfig(display_links=True, display_images=True)
# inscriptis writes a link `[label](target)`; the label may hold an image's `[alt]`, the
# target a template expression (`{{ unsubscribe_url }}`).
_LINK = re.compile(r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(((?:\{\{[^{}\n]*\}\}|[^()\s{}])*)\)")
_RUN = re.compile(r"\s{2,}")
# The imprint footer starts with the "-- " signature line: it stands on lines of its own.
_IMPRINT = re.compile(r"[ \t]*\n*[ \t]*(\{\{-?\s*imprint\s*-?\}\})[ \t]*\n*")


def _link(match: re.Match[str]) -> str:
    label, target = match.group(1).strip(), match.group(2)
    if not target:
        return label
    if not label or label == target:
        return target
    return f"{label} ({target})"


def text_from_html(html: str) -> str:
    """The text part of `html` (a template: its tags pass through as text)."""
    lines: list[str] = []
    for line in get_text(html, _CONFIG).splitlines():
        tidy = " ".join(line.split())
        if tidy or (lines and lines[-1]):
            lines.append(tidy)
    text = _LINK.sub(_link, "\n".join(lines).strip())
    return _IMPRINT.sub(r"\n\n\1\n", text).strip() + "\n"


def whitespace_share(text: str) -> float:
    """The share of `text` in runs of two or more whitespace characters."""
    if not text:
        return 0.0
    return sum(len(run) for run in _RUN.findall(text)) / len(text)
