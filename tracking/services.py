"""Recording opens and clicks (CONSENT-4) and forgetting them with the contact.

The pixel and the redirect answer every recipient's mail client, so the request checks
the signed token and hands the event to tracking.recorder, which stores it with the
consent check in the same statement, a moment later and in groups (bench/click.py). An
event is kept only while the contact's consent to tracking stands: a person who switched
it off after the send is not counted, even from an older message. A token we made whose
ledger row is gone (the contact erased) still leads to its signed URL, and nothing is
counted.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from carrier.tokens import OPEN, BadToken, read_link_token, read_token
from carrier.tracking import MAX_TRACKED_URL
from contacts.models import Contact
from core.errors import NotFound
from tracking.models import EventKind, TrackingEvent
from tracking.recorder import Event, recorder
from tracking.rules import machine_reason


def record_open(token: str, *, user_agent: str, ip: str, method: str = "GET") -> None:
    """The open pixel was fetched; NotFound for a token we did not make."""
    try:
        content = read_token(OPEN, token)
    except BadToken:
        raise NotFound("no such image") from None
    _record(content.entry_id, EventKind.OPEN, "", user_agent, ip, method)


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


def _record(entry_id: int, kind: str, url: str, user_agent: str, ip: str, method: str) -> None:
    machine = machine_reason(kind=kind, user_agent=user_agent, ip=ip, method=method)
    recorder.add(Event(entry_id, kind, url, timezone.now(), machine))


def erase_contact_events(sender: Any, contact: Contact, **kwargs: Any) -> None:
    """`contact_erased`: the contact's opens and clicks are deleted (PRIVACY-1); the
    campaign's report counts what remains."""
    TrackingEvent.objects.filter(contact=contact).delete()
