"""Recording opens and clicks (CONSENT-4) and forgetting them with the contact.

The pixel and the redirect answer every recipient's mail client, so each event is one
read and one INSERT in plain SQL, as the one-click endpoint does (bench/click.py). An
event is kept only while the contact's consent to tracking stands: a person who switched
it off after the send is not counted, even from an older message.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from carrier.tokens import OPEN, BadToken, read_link_token, read_token
from carrier.tracking import MAX_TRACKED_URL
from contacts.models import Contact
from core.errors import NotFound
from delivery.models import SendLedgerEntry
from tracking.models import EventKind, TrackingEvent
from tracking.rules import machine_reason


def record_open(token: str, *, user_agent: str, ip: str, method: str = "GET") -> bool:
    """The open pixel was fetched; NotFound for a token we did not make. True if counted."""
    try:
        content = read_token(OPEN, token)
    except BadToken:
        raise NotFound("no such image") from None
    return _record(content.entry_id, EventKind.OPEN, "", user_agent, ip, method)


def record_click(token: str, url: str, *, user_agent: str, ip: str, method: str = "GET") -> str:
    """A tracked link was followed: the URL to redirect to, only if this token was made
    for exactly this URL (no open redirect); NotFound otherwise."""
    if len(url) > MAX_TRACKED_URL or not url.startswith(("https://", "http://")):
        raise NotFound("no such link")
    try:
        content = read_link_token(token, url)
    except BadToken:
        raise NotFound("no such link") from None
    _record(content.entry_id, EventKind.CLICK, url, user_agent, ip, method)
    return url


def _record(entry_id: int, kind: str, url: str, user_agent: str, ip: str, method: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_ROW_SQL, [entry_id])
        row = cursor.fetchone()
        if row is None:
            raise NotFound("no such link")
        campaign_id, contact_id, consent = row
        if not consent:
            return False
        machine = machine_reason(kind=kind, user_agent=user_agent, ip=ip, method=method)
        cursor.execute(
            _INSERT_SQL, [campaign_id, entry_id, contact_id, kind, url, timezone.now(), machine]
        )
    return True


# Table names from the models' metadata; every value goes in as a parameter.
_ROW_SQL = (
    "SELECT e.campaign_id, e.contact_id, c.tracking_consent"  # noqa: S608
    f" FROM {SendLedgerEntry._meta.db_table} e"
    f" JOIN {Contact._meta.db_table} c ON c.id = e.contact_id WHERE e.id = %s"
)
_INSERT_SQL = (
    f"INSERT INTO {TrackingEvent._meta.db_table}"  # noqa: S608
    " (campaign_id, entry_id, contact_id, kind, url, at, machine)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)


def erase_contact_events(sender: Any, contact: Contact, **kwargs: Any) -> None:
    """`contact_erased`: the contact's opens and clicks are deleted (PRIVACY-1); the
    campaign's report counts what remains."""
    TrackingEvent.objects.filter(contact=contact).delete()
