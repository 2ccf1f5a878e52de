"""The handlers of feedback.routing's table: each turns one recipient of an inbound message
into an outcome, calling the service of the app that owns the change."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import getaddresses
from typing import TYPE_CHECKING

from carrier.parsing import parse_message
from contacts import services as contacts
from core.actors import Actor
from core.errors import InvalidInput, NotFound
from domains.selectors import accounts_sending_from, sender_domain_of_host
from feedback import intake
from feedback.models import InboundMessage, InboundState
from feedback.rules import asks_to_unsubscribe, is_auto_reply

if TYPE_CHECKING:
    from accounts.models import Account
    from feedback.apply import Applied, Report
    from feedback.parsers import FeedbackReport

ACTOR = Actor.system("inbound")


@dataclass(frozen=True)
class Outcome:
    state: InboundState
    reason: str
    account: Account | None = None


def _sender(message: InboundMessage, from_header: str) -> str:
    found = [addr for _, addr in getaddresses([from_header]) if "@" in addr]
    return found[0] if found else message.mail_from


def handle_feedback(message: InboundMessage, recipient: str, params: dict[str, str]) -> Outcome:
    """BOUNCE-1, COMPLAINT-1: a DSN to the VERP return path, or an ARF report to the
    feedback-loop address: parsed, matched, recorded once, applied. What cannot be read or
    matched waits for review."""
    from feedback.apply import apply_reports

    read = read_feedback(message, recipient)
    if isinstance(read, Outcome):
        return read
    return feedback_outcome(read, apply_reports([read])[0])


def read_feedback(
    message: InboundMessage,
    recipient: str,
    report: FeedbackReport | None = None,
    hosts: dict[str, str] | None = None,
) -> Report | Outcome:
    """The parsed report to apply, or the outcome of a message that is none. `report`:
    the message already parsed for `recipient` (feedback.readers parses a batch's);
    `hosts`: the sender domains of the return-path hosts a batch met so far (each host is
    looked up once a batch)."""
    from feedback.apply import Report
    from feedback.parsers import parse_feedback

    if report is None:
        report = parse_feedback(bytes(message.raw), envelope_to=[recipient])
    if report.kind == "autoreply":
        return Outcome(InboundState.PROCESSED, "an automatic reply, not a bounce")
    if report.kind == "delivered":
        # A success report (RFC 3464 Action: delivered/relayed): nobody bounced.
        who = ", ".join(r.recipient for r in report.recipients if r.recipient) or "(no recipient)"
        return Outcome(InboundState.PROCESSED, f"a delivery report, delivered: {who}")
    if report.kind == "unknown":
        return Outcome(InboundState.REVIEW, f"not a bounce or report we can read: {report.note}")
    # Bounces arrive at the sender domain's return-path host: matched by its From domain.
    host = recipient.rpartition("@")[2]
    if hosts is None:
        return Report(message, report, sender_domain_of_host(host))
    if host not in hosts:
        hosts[host] = sender_domain_of_host(host)
    return Report(message, report, hosts[host])


def feedback_outcome(read: Report, applied: Applied) -> Outcome:
    report = read.report
    return Outcome(
        InboundState(applied.state),
        f"{report.kind} ({report.source_format}): " + "; ".join(applied.lines),
        applied.account,
    )


def handle_mailto(message: InboundMessage, recipient: str, params: dict[str, str]) -> Outcome:
    """UNSUB-3: mail to the List-Unsubscribe mailto address unsubscribes from the campaign's
    lists at once, like the one-click link; whatever the mail says."""
    from delivery import links

    try:
        entry = links.entry_for_unsubscribe_token(params["token"])
    except NotFound:
        return Outcome(
            InboundState.REVIEW, f"unsubscribe address with an unknown token: {recipient}"
        )
    account = entry.campaign.account
    actor = Actor("system", f"inbound:{message.pk}")
    links.unsubscribe_through_link(entry, actor=actor, method="mailto")
    return Outcome(
        InboundState.PROCESSED,
        f"mailto unsubscribe: contact #{entry.contact_id}, campaign #{entry.campaign_id}",
        account,
    )


def handle_abuse(message: InboundMessage, recipient: str, params: dict[str, str]) -> Outcome:
    """ABUSE-1: mail to the platform's abuse address opens a case on the abuse desk."""
    receiver = intake.abuse_intake()
    if receiver is None:
        return Outcome(InboundState.REVIEW, f"abuse report to {recipient}: no abuse desk")
    line, account = receiver(message, recipient)
    from feedback.parsers import parse_feedback

    # COMPLAINT-1: a provider's ARF report counts as a complaint wherever it arrives.
    if parse_feedback(bytes(message.raw), envelope_to=[recipient]).kind == "complaint":
        complaint = handle_feedback(message, recipient, params)
        return Outcome(complaint.state, f"{line}; {complaint.reason}", account or complaint.account)
    return Outcome(InboundState.PROCESSED, line, account)


def handle_dmarc_report(message: InboundMessage, recipient: str, params: dict[str, str]) -> Outcome:
    """A DMARC aggregate report: kept (the inbound message) with its summary, filed under
    the account that sends from the reported domain when exactly one does."""
    from feedback.dmarc import read_aggregate_report

    try:
        report = read_aggregate_report(bytes(message.raw))
    except ValueError as exc:
        return Outcome(InboundState.REVIEW, f"a DMARC report we cannot read: {exc}")
    accounts = accounts_sending_from(report.domain)
    return Outcome(
        InboundState.PROCESSED, report.summary(), accounts[0] if len(accounts) == 1 else None
    )


def _to_inbox(message: InboundMessage, recipient: str, account: Account, automatic: bool) -> str:
    receiver = intake.reply_intake()
    return receiver(message, recipient, account, automatic) if receiver is not None else ""


def handle_reply(message: InboundMessage, recipient: str, params: dict[str, str]) -> Outcome:
    """UNSUB-3: a reply to an account's From/Reply-To that asks to unsubscribe is surfaced to
    the account as an open unsubscribe request; every other reply goes to the account's
    inbox (ABUSE-3)."""
    domain = recipient.rpartition("@")[2]
    accounts = accounts_sending_from(domain)
    if not accounts:
        return Outcome(InboundState.REVIEW, f"no account sends from {domain}: {recipient}")
    if len(accounts) > 1:
        names = ", ".join(a.slug for a in accounts)
        return Outcome(InboundState.REVIEW, f"{domain} is verified for several accounts: {names}")
    account = accounts[0]
    parsed = parse_message(bytes(message.raw))
    headers = dict(parsed.headers)
    if is_auto_reply(headers):
        inbox = _to_inbox(message, recipient, account, True)
        return Outcome(
            InboundState.PROCESSED, "; ".join(["an automatic reply", inbox]).strip("; "), account
        )
    subject = parsed.header("Subject")
    if not asks_to_unsubscribe(subject, parsed.text or ""):
        inbox = _to_inbox(message, recipient, account, False)
        return Outcome(
            InboundState.PROCESSED,
            "; ".join(["a reply that asks for no unsubscribe", inbox]).strip("; "),
            account,
        )
    sender = _sender(message, parsed.header("From"))
    try:
        request = contacts.surface_unsubscribe_request(
            account,
            sender,
            received_on=message.received_at.date(),
            ref=f"inbound:{message.pk}",
            actor=ACTOR,
            note=f"Reply to {recipient}: {subject}"[:2000],
            # CONSENT-6: the "unsubscribe me" mail is the evidence of this unsubscribe.
            mail=bytes(message.raw),
        )
    except InvalidInput as exc:
        return Outcome(InboundState.REVIEW, f"asks to unsubscribe, but: {exc.message}", account)
    return Outcome(
        InboundState.PROCESSED,
        f"asks to unsubscribe: open request #{request.pk} for the account",
        account,
    )
