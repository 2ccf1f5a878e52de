"""Where the campaign command finds a send's report (`consentry campaign report`).

The report is governance's (it reads feedback and the policy's limits, layers above this
one); governance registers it here when the app is ready, as it does with the send's judge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from campaigns.models import Campaign

# campaign -> (the report as JSON, the report as lines of text)
Reporter = Callable[["Campaign"], tuple[dict[str, Any], list[str]]]

_reporters: list[Reporter] = []


def register_reporter(reporter: Reporter) -> None:
    if reporter not in _reporters:
        _reporters.append(reporter)


def reporter() -> Reporter | None:
    return _reporters[-1] if _reporters else None
