"""System check of the send journal: a directory a worker cannot write stops the start,
not every send later (delivery.journal)."""

from __future__ import annotations

import os
from typing import Any

from django.core.checks import Error, register


@register()
def check_journal_dir(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from delivery.journal import journal_dir

    directory = journal_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        return [
            Error(f"CONSENTRY_JOURNAL_DIR: cannot create {directory}: {exc}", id="delivery.E003")
        ]
    if not os.access(directory, os.W_OK | os.X_OK):
        return [Error(f"CONSENTRY_JOURNAL_DIR: {directory} is not writable", id="delivery.E003")]
    return []
