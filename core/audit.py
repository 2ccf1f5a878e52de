"""Record and read the operator's audit log (ACCOUNT-2).

Every operator action — activate, suspend, reduced speed, lift, admit or block a list, a
policy change, an entry of the untrusted list, an API key revoked, an import held or
released, an abuse case handled — calls `record_operator_action` inside the transaction
that makes the change, so the change and its entry are stored together or not at all.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from core.actors import Actor
from core.errors import InvalidInput
from core.models import AuditAction, AuditEntry

MAX_REASON = 2000


def actor_fields(actor: Any) -> tuple[int | None, str]:
    """(user id, label) of whoever acts: a user, a core Actor or a plain label."""
    if actor is None:
        return None, "system"
    if isinstance(actor, Actor):
        if actor.kind in ("operator", "user") and actor.ref.isdigit():
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(pk=int(actor.ref)).first()
            if user is not None:
                return user.pk, f"{actor.kind}:{user.get_username()}"[:200]
        return None, actor.label[:200]
    if isinstance(actor, str):
        return None, actor[:200] or "system"
    kind = "operator" if getattr(actor, "is_staff", False) else "user"
    return actor.pk, f"{kind}:{actor.get_username()}"[:200]


def target_fields(target: Any) -> tuple[str, str, str]:
    """(type, id, label) of what an action is about: a model instance or a plain label."""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)[:300]
    return "", "", str(target)[:300]


def record_operator_action(
    actor: Any,
    action: str,
    target: Any,
    reason: str,
    account: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: `actor` did `action` to `target` because of `reason`.

    `account` is the account concerned (an accounts.Account; core imports no app), when
    there is one; `detail` holds what changed (old and new values, counts).
    """
    if action not in AuditAction.values:
        raise InvalidInput(f"action: unknown operator action {action!r}")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason: at most {MAX_REASON} characters")
    actor_id, actor_label = actor_fields(actor)
    target_type, target_id, target_label = target_fields(target)
    if account is None and target_type == "accounts.account":
        account = target
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor=actor_label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target=target_label,
        account_id=getattr(account, "pk", None),
        account_slug=getattr(account, "slug", "") or "",
        reason=reason,
        detail=detail or {},
    )


def audit_entries(
    *,
    account: str = "",
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> models.QuerySet[AuditEntry]:
    """The log, newest first, narrowed by account slug, action, actor (part of the label)
    and a date range (both days included, in the current time zone)."""
    rows = AuditEntry.objects.all()
    if account:
        rows = rows.filter(account_slug=account)
    if action:
        rows = rows.filter(action=action)
    if actor:
        rows = rows.filter(actor__icontains=actor)
    zone = timezone.get_current_timezone()
    if since is not None:
        rows = rows.filter(at__gte=datetime.combine(since, time.min, zone))
    if until is not None:
        rows = rows.filter(at__lt=datetime.combine(until + timedelta(days=1), time.min, zone))
    return rows


def entries_of_account(account: Any) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(account_id=account.pk)


AUDIT_COLUMNS = ("at", "actor", "action", "target", "account", "reason", "detail")


def entry_row(entry: AuditEntry) -> dict[str, Any]:
    """One entry as plain values: the CSV export, `--json` and the API show the same."""
    return {
        "id": entry.pk,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "account": entry.account_slug or None,
        "reason": entry.reason,
        "detail": entry.detail,
    }
