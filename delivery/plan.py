"""What a send's messages are made of, built once per campaign: templates, header
skeleton, signing keys, limits; and the build and hand-over of one message.

The engine (delivery.engine) runs a batch with a plan; a test send uses the same pieces.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from carrier.assembly import CampaignHeaders, Skeleton
from carrier.rules import FailureKind, Outcome, classify_failure
from carrier.tracking import LinkTracker
from carrier.transports import OutboundMessage, Transport, TransportError, get_transport
from contacts.rules import LegalBasis
from core.faults import fault
from delivery import rules
from delivery.builders import Built, build_safely
from delivery.ledger import Recipient
from delivery.pace import Pace, lanes_of_a_test_send, send_lanes, shared_store
from delivery.throttle import Throttle

if TYPE_CHECKING:
    from campaigns.models import Campaign
    from campaigns.render import CompiledCampaign
    from delivery.journal import Journal
    from domains.dkim import SigningKey

logger = logging.getLogger(__name__)

# Outcomes a sender thread reports besides those of carrier.rules.
RELEASED = "released"  # paused before hand-over: back to queued
CANCELLED = "cancelled"  # cancelled before hand-over: skipped
INELIGIBLE = "ineligible"  # failed the re-check: skipped
# Test sends name no ledger row: the one-click endpoint refuses this token.
TEST_TOKEN = "test"  # noqa: S105


@dataclass
class Control:
    """What the database thread tells the sender threads."""

    halt: str = ""  # "", RELEASED (pause, account stopped) or CANCELLED
    excluded: set[int] = field(default_factory=set)
    # Run on one thread, the engine looks at the send again while a hand-over waits.
    poll: Callable[[], None] | None = None
    # Where a message going on the wire is noted first (delivery.journal).
    journal: Journal | None = None

    def halted(self) -> bool:
        if self.poll is not None:
            self.poll()
        return bool(self.halt)


@dataclass(frozen=True)
class Result:
    recipient: Recipient
    outcome: str
    reply: str = ""
    queue_id: str = ""
    message_id: str = ""
    failure: FailureKind | None = None
    transport_error: bool = False


class SendPlan:
    """Everything per campaign that is built once: templates, skeleton, keys, limits."""

    def __init__(self, campaign: Campaign, *, compiled: CompiledCampaign) -> None:
        from admission.services import open_sample
        from domains.selectors import signing_keys_for
        from policy.selectors import values

        account = campaign.account
        self.campaign = campaign
        self.compiled = compiled
        self.skeleton = Skeleton(campaign_headers(campaign))
        self.tracker = LinkTracker(self.skeleton.base_url)
        self.keys: list[SigningKey] = signing_keys_for(account, campaign.from_address)
        limits = values(SEND_LIMITS, account)
        # SEND-5: an account under measures sends at the policy's share, on every rate; so
        # does a list's sample send (AUDIT-2).
        slow = account.reduced_speed or open_sample(campaign.pk) is not None
        share = Decimal(str(limits["send.reduced_speed_share"])) if slow else None
        rate = rules.per_minute_of(limits["send.rate_per_second"])
        lanes = send_lanes(
            campaign.pk,
            account.pk,
            per_minute=rules.reduced(rate, share) if share is not None else rate,
            share=share,
        )
        self.pace = Pace(shared_store(), lanes)
        self.throttle = Throttle(self.pace, int(limits["send.domain_concurrency"]))
        self.connections = int(limits["send.connections"])
        self.lease = timedelta(seconds=int(limits["send.lease_seconds"]))
        started = campaign.started_at or timezone.now()
        hours = int(limits["send.retry_deadline_hours"])
        self.deadline = (started + timedelta(hours=hours)).timestamp()

    @functools.cached_property
    def identity(self) -> str:
        """What `build` makes a message of: two plans alike here build alike messages (read
        only where builder processes are kept between batches)."""
        return _identity(self.campaign, self.compiled, self.skeleton.headers, self.keys)

    def build(self, recipient: Recipient) -> tuple[OutboundMessage, str]:
        """The signed message for one recipient and its Message-ID."""
        from domains.dkim import sign_with

        token = self.skeleton.unsubscribe_token(recipient.entry_id)
        rendered = self.compiled.render_pieces(
            recipient.template_context(),
            unsubscribe_url=self.skeleton.unsubscribe_url(token),
            objection=recipient.legal_basis == LegalBasis.EXISTING_CUSTOMER,
        )
        html: Iterable[str] = rendered.html
        if recipient.tracking and self.campaign.tracking:  # CONSENT-4: and the contact's
            html = self.tracker.rewrite_pieces(html, recipient.entry_id)
        raw, message_id, relaxed_body = self.skeleton.message(
            entry_id=recipient.entry_id,
            to=recipient.address,
            subject=rendered.subject,
            text=rendered.text,
            html=html,
            unsubscribe_token=token,
        )
        if self.keys:
            raw = sign_with(raw, self.keys, relaxed_body=relaxed_body)
        message = OutboundMessage(
            mail_from=self.skeleton.return_path(recipient.entry_id),
            rcpt_to=(recipient.address,),
            raw=raw,
            account_id=self.campaign.account_id,
            kind="campaign",
            tags={"campaign": str(self.campaign.pk), "ledger": str(recipient.entry_id)},
            message_id=message_id,
        )
        return message, message_id

    def before_build(self, recipient: Recipient, control: Control) -> Result | None:
        """The outcome without building, when the send halted or the recipient left."""
        if control.halt:
            self.pace.forget(recipient.domain)
            return Result(recipient, control.halt)
        if recipient.entry_id in control.excluded:
            self.pace.forget(recipient.domain)
            return Result(recipient, INELIGIBLE, "not eligible at hand-over")
        return None

    def deliver(self, recipient: Recipient, transport: Transport, control: Control) -> Result:
        """Build and hand over one message, unless the send halted or the recipient left."""
        early = self.before_build(recipient, control)
        if early is not None:
            return early
        return self.hand_over(recipient, build_safely(self.build, recipient), transport, control)

    def hand_over(
        self, recipient: Recipient, built: Built, transport: Transport, control: Control
    ) -> Result:
        """Hand one built message over within the limits, after a last look at the send."""
        if built.message is None:
            self.pace.forget(recipient.domain)
            return Result(recipient, Outcome.FAILED, built.error)
        if not self.throttle.acquire(recipient.domain, control.halted):
            return Result(recipient, control.halt or RELEASED)
        message_id = built.message_id
        try:
            # The last look before hand-over: the re-check may have run while we waited.
            halted = control.halted()
            if recipient.entry_id in control.excluded:
                return Result(recipient, INELIGIBLE, "not eligible at hand-over")
            if halted:
                return Result(recipient, control.halt)
            if control.journal is not None:
                control.journal.begin(recipient.entry_id)
            try:
                sent = transport.send(built.message)
                fault("send.handed_over")
            except TransportError as exc:
                verdict = classify_failure(
                    permanent=exc.permanent, code=exc.code, reply=exc.reason, stage=exc.stage
                )
                return Result(
                    recipient,
                    verdict.outcome,
                    exc.reason[:500],
                    message_id=message_id,
                    failure=verdict.failure,
                    transport_error=True,
                )
            except Exception as exc:  # a timeout mid-DATA and the like: it may have arrived
                logger.warning("ledger %s: outcome unknown: %s", recipient.entry_id, exc)
                return Result(
                    recipient,
                    Outcome.UNKNOWN,
                    f"outcome unknown: {exc.__class__.__name__}: {exc}"[:500],
                    message_id=message_id,
                    transport_error=True,
                )
            return Result(
                recipient,
                Outcome.SENT,
                sent.response[:500],
                queue_id=sent.queue_id[:100],
                message_id=message_id,
            )
        finally:
            self.throttle.release(recipient.domain)


SEND_LIMITS = (
    "send.reduced_speed_share",
    "send.rate_per_second",
    "send.domain_concurrency",
    "send.connections",
    "send.lease_seconds",
    "send.retry_deadline_hours",
)


def _identity(
    campaign: Campaign,
    compiled: CompiledCampaign,
    headers: CampaignHeaders,
    keys: list[SigningKey],
) -> str:
    """A digest of everything a plan's messages are made of: templates and footers, header
    fields, signing keys, the token keys (from SECRET_KEY)."""
    from cryptography.hazmat.primitives import serialization

    from core.crypto import derive_key

    digest = hashlib.sha256()
    for part in (
        repr((campaign.pk, campaign.account_id, campaign.tracking, headers)),
        compiled.subject_source,
        compiled.html_source,
        compiled.text_source,
        repr(sorted(compiled.imprint_html.items())),
        repr(sorted(compiled.imprint_text.items())),
    ):
        digest.update(part.encode() + b"\0")
    for key in keys:
        der = key.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        digest.update(f"{key.domain}/{key.selector}".encode() + hashlib.sha256(der).digest())
    digest.update(derive_key("ledger-token:unsubscribe") + derive_key("ledger-token:verp"))
    return digest.hexdigest()


def feedback_id(campaign: Campaign) -> str:
    """INDUSTRY-3: <campaign>:<account>:<type>:<SenderId>."""
    kind = campaign.kind.replace("_", "")
    return f"{campaign.pk}:{campaign.account_id}:{kind}:{settings.FEEDBACK_SENDER_ID}"


def campaign_headers(campaign: Campaign, *, test: bool = False) -> CampaignHeaders:
    return CampaignHeaders(
        from_addr=_from_header(campaign),
        reply_to=campaign.reply_to,
        mailing_id=campaign.mailing_id,
        feedback_id=feedback_id(campaign),
        base_url=settings.BASE_URL,
        csa_complaints=settings.CSA_COMPLAINTS,
        test=test,
        list_id=list_id(campaign),
        return_path_host=_return_path_host(campaign),
    )


def _return_path_host(campaign: Campaign) -> str:
    from domains.selectors import return_path_host_for

    return return_path_host_for(campaign.account, campaign.from_domain)


def list_id(campaign: Campaign) -> str:
    """RFC 2919 List-Id of the campaign's (first) list: `"Name" <list<id>.<account>.<domain>>`,
    unique across the platform and stable from send to send."""
    from core.addresses import domain_of, normalise_address

    first = campaign.lists.order_by("pk").first()
    if first is None:
        return ""
    name = " ".join(first.name.replace('"', "").replace("\\", "").split())[:100]
    domain = domain_of(normalise_address(f"x@{campaign.from_domain}"))
    return f'"{name}" <list{first.pk}.account{campaign.account_id}.{domain}>'


def _from_header(campaign: Campaign) -> str:
    from email.headerregistry import Address

    local, _, domain = campaign.from_address.rpartition("@")
    return str(Address(display_name=campaign.from_name, username=local, domain=domain))


def plan_for(campaign: Campaign) -> SendPlan:
    from campaigns.selectors import compiled_campaign

    return SendPlan(campaign, compiled=compiled_campaign(campaign))


# -- the worker loop -------------------------------------------------------------------------


def send_test_messages(campaign: Campaign, addresses: list[str]) -> list[tuple[str, str]]:
    """SEND-2: a test send to a few named addresses, allowed before the gate passes.

    Marked `[TEST]` in the subject and by `X-Consentry-Test: 1`; no ledger row, no
    unsubscribe token that works. Signed when the domain has keys. (address, outcome)."""
    from campaigns.selectors import compiled_campaign
    from domains.dkim import sign_with
    from domains.selectors import sending_block_reasons, signing_keys_for

    compiled = compiled_campaign(campaign)
    skeleton = Skeleton(campaign_headers(campaign, test=True))
    keys = (
        []
        if sending_block_reasons(campaign.account, campaign.from_address)
        else signing_keys_for(campaign.account, campaign.from_address)
    )
    from policy.selectors import value

    transport = get_transport()
    # SEND-5: test mail counts against its provider's rate, at the reduced share.
    share = Decimal(str(value("send.reduced_speed_share", campaign.account)))
    pace = Pace(shared_store(), lanes_of_a_test_send(campaign.account_id, share=share))
    outcomes = []
    for address in addresses:
        pace.acquire(address.rpartition("@")[2], lambda: False)
        rendered = compiled.render(
            {"first_name": "", "last_name": "", "email": address, "fields": {}},
            unsubscribe_url=skeleton.unsubscribe_url(TEST_TOKEN),
            objection=False,
        )
        raw, _, _ = skeleton.message(
            entry_id=0,
            to=address,
            subject=f"[TEST] {rendered.subject}",
            text=rendered.text,
            html=rendered.html,
            unsubscribe_token=TEST_TOKEN,
        )
        message = OutboundMessage(
            mail_from=campaign.from_address,
            rcpt_to=(address,),
            raw=sign_with(raw, keys) if keys else raw,
            account_id=campaign.account_id,
            kind="campaign",
            tags={"campaign": str(campaign.pk), "test": "1"},
        )
        try:
            outcomes.append((address, transport.send(message).response))
        except TransportError as exc:
            outcomes.append((address, exc.reason))
    return outcomes
