"""IMPORT-10: imports held for the operator's review, released or refused.

An account the operator put under import review (accounts.review.set_import_review) has
its started imports wait in the state `held`: attested and recorded, nothing written. The
operator sees the file's summary, source and attestations and releases the import (the
worker runs it then) or refuses it with a reason the account reads; a refused import's
file is deleted at once, no row of it having been written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consent import services as evidence
from core.actors import Actor
from core.audit import record_operator_action
from core.errors import InvalidInput, RuleViolation
from core.text import clean_text
from imports.models import ImportJob, ImportState
from imports.services import run_import_task

MAX_REASON = 500


def held_imports() -> QuerySet[ImportJob]:
    """Every account's imports waiting for the operator, longest waiting first."""
    return (
        ImportJob.objects.filter(state=ImportState.HELD)
        .select_related("account", "list", "created_by")
        .order_by("created_at", "pk")
    )


def _reason(reason: str) -> str:
    text = clean_text(reason or "", field=_("reason"), max_length=MAX_REASON, multiline=True)
    if not text:
        raise InvalidInput(_("reason: the account reads it, so it may not be empty"))
    return text


def _held(job: ImportJob) -> ImportJob:
    locked = ImportJob.objects.select_for_update().select_related("account").get(pk=job.pk)
    if locked.state != ImportState.HELD:
        raise RuleViolation(
            _("import #%(id)d is not waiting for review (it is %(state)s)")
            % {"id": locked.pk, "state": locked.get_state_display()}
        )
    return locked


def _decided(locked: ImportJob, operator: Any, text: str, state: str) -> None:
    locked.state, locked.review_note, locked.reviewed_at = state, text, timezone.now()
    locked.reviewed_by = operator if getattr(operator, "is_staff", False) else None
    locked.save(update_fields=["state", "review_note", "reviewed_at", "reviewed_by"])


@transaction.atomic
def release(job: ImportJob, *, operator: Any, reason: str) -> ImportJob:
    """The operator lets a held import run: it is queued for the worker."""
    text = _reason(reason)
    locked = _held(job)
    _decided(locked, operator, text, ImportState.QUEUED)
    evidence.record(
        locked.account,
        "import.released",
        actor=_actor(operator),
        payload={"import": locked.pk, "reason": text},
    )
    record_operator_action(operator, "import_release", locked, text, account=locked.account)
    # Enqueued in this transaction: the task row exists exactly when the release does.
    run_import_task.enqueue(locked.pk)
    return locked


@transaction.atomic
def refuse(job: ImportJob, *, operator: Any, reason: str) -> ImportJob:
    """The operator refuses a held import: nothing of it is written, its file goes."""
    text = _reason(reason)
    locked = _held(job)
    _decided(locked, operator, text, ImportState.REFUSED)
    locked.finished_at = locked.reviewed_at
    locked.save(update_fields=["finished_at"])
    evidence.record(
        locked.account,
        "import.refused",
        actor=_actor(operator),
        payload={"import": locked.pk, "reason": text},
    )
    record_operator_action(operator, "import_refuse", locked, text, account=locked.account)
    path = locked.file_path
    transaction.on_commit(lambda: Path(path).unlink(missing_ok=True) if path else None)
    return locked


def _actor(operator: Any) -> Actor:
    if getattr(operator, "pk", None) is not None and hasattr(operator, "get_username"):
        return Actor.for_user(operator)
    return Actor.system(str(operator or "operator")[:60])
