"""Read queries for the sandbox mailbox: an account sees its own messages (PRIVACY-2),
operators see every account's and those of no account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from carrier.models import CapturedMessage
from core.errors import NotFound

if TYPE_CHECKING:
    from accounts.models import Account


def all_captured_messages() -> QuerySet[CapturedMessage]:
    """Newest first, without the raw bytes: a listing never loads whole messages."""
    return (
        CapturedMessage.objects.select_related("account")
        .defer("raw")
        .order_by("-created_at", "-id")
    )


def captured_messages_of(account: Account) -> QuerySet[CapturedMessage]:
    return all_captured_messages().filter(account=account)


def captured_message(message_id: int) -> CapturedMessage:
    """Any captured message: for operators only."""
    found = CapturedMessage.objects.select_related("account").filter(pk=message_id).first()
    if found is None:
        raise NotFound("no such captured message")
    return found


def captured_message_of(account: Account, message_id: int) -> CapturedMessage:
    found = CapturedMessage.objects.filter(account=account, pk=message_id).first()
    if found is None:
        raise NotFound("no such captured message")
    return found
