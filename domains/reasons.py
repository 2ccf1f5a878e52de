"""A sender domain's check reasons in the reader's language.

Reasons are kept in English (evidence, the API, the CLI, logs): each is made from one of
the templates registered in domains.rules. Shown on a page, the reason is matched against
those templates and made again from the template's translation with the same values;
a value that is itself a reason (a DMARC record's fault, say) is translated the same way.
A text no template made (an older wording) is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from django.utils.translation import gettext, gettext_noop

from domains.rules import REASON_TEMPLATES, CheckKind

_PARAM = re.compile(r"%\((\w+)\)s")
# Values are short; a deeper nesting than this is not made by any rule.
MAX_DEPTH = 4

KIND_LABELS = {
    CheckKind.OWNERSHIP: gettext_noop("Ownership"),
    CheckKind.DKIM: "DKIM",
    CheckKind.SPF: "SPF",
    CheckKind.DMARC: "DMARC",
    CheckKind.RETURN_PATH: gettext_noop("Return path (bounces)"),
}


def kind_label(kind: str) -> str:
    """The check's name as the page shows it."""
    label = KIND_LABELS.get(kind)  # type: ignore[call-overload]
    return gettext(label) if label else kind


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each template as a pattern, the most specific (the most fixed text) first."""
    found = []
    for template in set(REASON_TEMPLATES):
        parts = _PARAM.split(template)
        seen: set[str] = set()
        pattern = ""
        for i, part in enumerate(parts):
            if i % 2 == 0:
                pattern += re.escape(part)
            elif part in seen:
                pattern += f"(?P={part})"
            else:
                seen.add(part)
                pattern += f"(?P<{part}>.+?)"
        fixed = sum(len(p) for p in parts[::2])
        found.append((fixed, re.compile(pattern, re.DOTALL), template))
    found.sort(key=lambda f: (-f[0], f[2]))
    return [(p, t) for _, p, t in found]


def localized(text: str, depth: int = 0) -> str:
    """`text` in the active language when a registered template made it."""
    if not text or depth > MAX_DEPTH:
        return text
    for pattern, template in _patterns():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = {k: localized(v, depth + 1) for k, v in match.groupdict().items()}
        return gettext(template) % values
    return text
