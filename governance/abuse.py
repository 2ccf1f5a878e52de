"""The abuse desk's write path (ABUSE-1, ABUSE-2, INDUSTRY-5): cases opened from the
abuse mailbox or the public form, resolved to account, campaign and contact where the
report allows it, and the operator's actions on them. Every operator action is written to
the operator's audit log in the same transaction as the change."""

from __future__ import annotations

import logging
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.models import ReviewState
from consent.proof import build_bundle_for_contact
from contacts import services as contacts
from contacts.rules import Cause
from core.actors import Actor
from core.errors import InvalidInput, RuleViolation
from core.text import clean_text
from feedback.parsers.mime import decode_words, human_text, parts_of
from governance import lookup
from governance.abuse_rules import answer_due_at, kind_of, proof_due_on
from governance.models import AbuseCase, CaseKind, CaseSource, CaseState

if TYPE_CHECKING:
    from feedback.models import InboundMessage

log = logging.getLogger(__name__)
INTAKE = Actor.system("abuse-desk")
# Sizes a person's report is kept at: a report is read by a person, the mail stays raw.
MAX_TEXT = 20_000
MAX_QUOTED = 500
MAX_NOTE = 2000


def _audit(actor: Actor, case: AbuseCase, what: str, reason: str, **detail: Any) -> None:
    """ACCOUNT-2: one entry in the operator's audit log per action on a case."""
    from core.audit import record_operator_action

    record_operator_action(
        actor,
        "case_action",
        case,
        reason,
        account=case.account,
        detail={"case": case.pk, "action": what, **detail},
    )


def _resolved(case: AbuseCase, found: lookup.Found) -> None:
    case.matched_by = found.matched_by[:20]
    case.account = found.account
    case.campaign = found.campaign
    case.entry = found.entry
    case.contact = found.contact


@transaction.atomic
def _open(
    *,
    source: str,
    reporter: str,
    subject: str,
    text: str,
    quoted: str,
    found: lookup.Found,
    kind: str = "",
    inbound: InboundMessage | None = None,
) -> AbuseCase:
    now = timezone.now()
    case = AbuseCase(
        source=source,
        kind=kind or kind_of(subject, text),
        reporter=reporter[:254],
        subject=subject[:300],
        text=text[:MAX_TEXT],
        quoted=quoted[:MAX_QUOTED],
        inbound=inbound,
        opened_at=now,
        answer_due_at=answer_due_at(now, _answer_hours(found)),
    )
    _resolved(case, found)
    case.save()
    return case


def _answer_hours(found: lookup.Found) -> int:
    from policy.selectors import value as policy_value

    return int(policy_value("csa.abuse_response_hours", found.account))


def open_from_mail(message: InboundMessage, recipient: str) -> AbuseCase:
    """ABUSE-1: a mail to an abuse address opens a case (once per message), resolved from
    what it quotes or attaches; the complainant is the person it names, else its sender."""
    existing = AbuseCase.objects.filter(inbound=message).first()
    if existing is not None:
        return existing
    raw = bytes(message.raw)
    parsed = lookup.load(raw)
    subject = decode_words(parsed.get("Subject", ""))
    sender = [a for _, a in getaddresses([decode_words(parsed.get("From", ""))]) if "@" in a]
    reporter = sender[0] if sender else message.mail_from
    text = human_text(parts_of(parsed))
    found = lookup.resolve_report(raw, tuple(a for a in (reporter,) if a))
    try:
        return _open(
            source=CaseSource.MAILBOX,
            reporter=reporter,
            subject=subject,
            text=text,
            quoted="",
            found=found,
            inbound=message,
        )
    except IntegrityError:  # the same message, processed twice at once
        return AbuseCase.objects.get(inbound=message)


def open_from_form(
    *, reporter: str, text: str, quoted: str = "", mail: bytes | None = None, kind: str = ""
) -> AbuseCase:
    """ABUSE-1: the public abuse form: a description, an ID the reporter quotes and,
    optionally, the reported mail itself (raw), each within its limit."""
    reporter = clean_text(reporter, field="email", max_length=254)
    if reporter and "@" not in reporter:
        raise InvalidInput("email: not an email address")
    text = clean_text(text, field="description", max_length=MAX_TEXT, multiline=True)
    quoted = clean_text(quoted, field="mailing ID", max_length=MAX_QUOTED)
    if kind and kind not in CaseKind.values:
        raise InvalidInput(f"kind: one of {', '.join(CaseKind.values)}")
    if not (text or quoted or mail):
        raise InvalidInput("description: say what happened, or give the mailing ID")
    addresses = (reporter,) if reporter else ()
    found = lookup.lookup(quoted, addresses) if quoted else lookup.Found()
    if not found and mail:
        found = lookup.resolve_report(mail, addresses)
    if not found and text:
        found = lookup.resolve_report(text.encode("utf-8"), addresses)
    if mail:
        text = (text + "\n\n" + lookup.readable_text(lookup.load(mail)))[:MAX_TEXT]
    return _open(
        source=CaseSource.FORM,
        reporter=reporter,
        subject="",
        text=text,
        quoted=quoted,
        found=found,
        kind=kind,
    )


@transaction.atomic
def open_by_operator(
    *, kind: str, reporter: str, text: str, quoted: str, actor: Actor, account: Any = None
) -> AbuseCase:
    """ABUSE-2: an operator enters a case that reached them another way (a blocklisting
    notice, an authority's letter), for the platform or one account."""
    if kind not in CaseKind.values:
        raise InvalidInput(f"kind: one of {', '.join(CaseKind.values)}")
    text = clean_text(text, field="description", max_length=MAX_TEXT, multiline=True)
    quoted = clean_text(quoted, field="mailing ID", max_length=MAX_QUOTED)
    found = lookup.lookup(quoted) if quoted else lookup.Found()
    if not found and account is not None:
        found = lookup.Found("operator", account)
    case = _open(
        source=CaseSource.OPERATOR,
        reporter=clean_text(reporter, field="reporter", max_length=254),
        subject="",
        text=text,
        quoted=quoted,
        found=found,
        kind=kind,
    )
    _audit(actor, case, "open", text[:MAX_NOTE] or kind)
    return case


def _locked(case: AbuseCase) -> AbuseCase:
    locked = AbuseCase.objects.select_for_update().get(pk=case.pk)
    if locked.state == CaseState.CLOSED:
        raise RuleViolation("the case is closed")
    return locked


def _reason(reason: str, *, required: bool = True) -> str:
    reason = clean_text(reason, field="reason", max_length=MAX_NOTE, multiline=True)
    if required and not reason:
        raise InvalidInput("reason: say why")
    return reason


def _answered(case: AbuseCase) -> list[str]:
    """INDUSTRY-5: the first operator action answers the case."""
    if case.answered_at is None:
        case.answered_at = timezone.now()
        return ["answered_at"]
    return []


def _needs_account(case: AbuseCase) -> Any:
    if case.account is None:
        raise RuleViolation("the case is not resolved to an account")
    return case.account


@transaction.atomic
def unsubscribe_complainant(case: AbuseCase, *, actor: Actor, reason: str = "") -> AbuseCase:
    """ABUSE-1: the complainant is unsubscribed from every list of the account at once."""
    locked = _locked(case)
    account = _needs_account(locked)
    contact = locked.contact
    if contact is None and locked.reporter:
        contact = lookup.contact_for(account, locked.reporter)
    if contact is None:
        raise RuleViolation("the case names no contact of the account")
    contacts.unsubscribe(
        contact, actor=actor, method="abuse", cause=Cause.COMPLAINT, ref=f"abuse:{locked.pk}"
    )
    locked.contact = contact
    locked.save(update_fields=["contact", *_answered(locked)])
    _audit(actor, locked, "unsubscribe", _reason(reason, required=False) or "complainant")
    return locked


@transaction.atomic
def request_proof(case: AbuseCase, *, actor: Actor, reason: str) -> AbuseCase:
    """ABUSE-2: the account is asked for its proof of consent, due one working day later;
    the account sees the request on its pages."""
    locked = _locked(case)
    _needs_account(locked)
    note = _reason(reason)
    now = timezone.now()
    locked.state = CaseState.PROOF_REQUESTED
    locked.proof_requested_at = now
    locked.proof_due_on = proof_due_on(
        timezone.localdate(now), settings.HOLIDAY_CALENDAR, settings.EXTRA_HOLIDAYS
    )
    locked.proof_request = note
    locked.save(
        update_fields=[
            "state",
            "proof_requested_at",
            "proof_due_on",
            "proof_request",
            *_answered(locked),
        ]
    )
    _audit(actor, locked, "request_proof", note, due_on=locked.proof_due_on.isoformat())
    return locked


@transaction.atomic
def answer_proof(case: AbuseCase, *, actor: Actor, statement: str) -> AbuseCase:
    """ABUSE-2: the account answers with its statement and the proof bundle of the contact
    the case is about (CONSENT-3), kept on the case as it was when answered."""
    locked = AbuseCase.objects.select_for_update().get(pk=case.pk)
    if locked.state != CaseState.PROOF_REQUESTED:
        raise RuleViolation("no proof is requested in this case")
    statement = clean_text(statement, field="statement", max_length=MAX_TEXT, multiline=True)
    if not statement:
        raise InvalidInput("statement: say how the consent was obtained")
    locked.proof_answer = statement
    locked.proof_bundle = (
        _bundle_facts(build_bundle_for_contact(locked.contact))
        if locked.contact is not None
        else None
    )
    locked.proof_answered_at = timezone.now()
    locked.state = CaseState.PROOF_RECEIVED
    locked.save(update_fields=["proof_answer", "proof_bundle", "proof_answered_at", "state"])
    return locked


def _bundle_facts(bundle: dict[str, Any]) -> dict[str, Any]:
    """The proof bundle without its personal data (kept sealed in the evidence, erased with
    the contact): what was recorded when, with each record's hash checked. The operator
    opens the whole bundle from the evidence itself."""
    return {
        "account": bundle["account"],
        "contact": bundle["contact"],
        "generated_at": bundle["generated_at"],
        "import": bundle.get("import"),
        "records": [
            {k: v for k, v in record.items() if k not in ("personal", "mail")}
            for record in bundle["records"]
        ],
    }


@transaction.atomic
def reduce_speed(case: AbuseCase, *, actor: Actor, reason: str) -> AbuseCase:
    """SEND-5: the account's later sends run at the reduced speed."""
    locked = _locked(case)
    account = _needs_account(locked)
    note = _reason(reason)
    accounts.set_reduced_speed(account, True)
    locked.save(update_fields=_answered(locked) or ["state"])
    _audit(actor, locked, "reduce_speed", note)
    return locked


@transaction.atomic
def suspend(case: AbuseCase, *, actor: Actor, reason: str) -> AbuseCase:
    """ABUSE-1: the account is suspended; its sends stop until an operator lifts it."""
    locked = _locked(case)
    account = _needs_account(locked)
    note = _reason(reason)
    if account.review_state != ReviewState.SUSPENDED:
        accounts.change_review_state(account, ReviewState.SUSPENDED, note=note[:500])
    locked.save(update_fields=_answered(locked) or ["state"])
    _audit(actor, locked, "suspend", note)
    return locked


@transaction.atomic
def close(case: AbuseCase, *, actor: Actor, note: str) -> AbuseCase:
    """The operator closes the case with a note saying what was done."""
    locked = _locked(case)
    text = clean_text(note, field="note", max_length=MAX_NOTE, multiline=True)
    if not text:
        raise InvalidInput("note: say what was done")
    locked.state = CaseState.CLOSED
    locked.closed_at = timezone.now()
    locked.closing_note = text
    locked.save(update_fields=["state", "closed_at", "closing_note", *_answered(locked)])
    _audit(actor, locked, "close", text)
    return locked


ACTIONS = {
    "unsubscribe": unsubscribe_complainant,
    "request_proof": request_proof,
    "reduce_speed": reduce_speed,
    "suspend": suspend,
}


def act(case: AbuseCase, action: str, *, actor: Actor, reason: str) -> AbuseCase:
    """One operator action by name (the three doors share this table)."""
    if action == "close":
        return close(case, actor=actor, note=reason)
    if action not in ACTIONS:
        known = ", ".join([*ACTIONS, "close"])
        raise InvalidInput(f"action: unknown action {action!r} (known: {known})")
    return ACTIONS[action](case, actor=actor, reason=reason)
