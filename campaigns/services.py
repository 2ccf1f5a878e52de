"""Campaigns and their sends: the only write path.

`begin_send` is the gate and the SEND-1 tick as evidence; the send's coordinator
(delivery.sends) calls it, and the state changes below, for every step of a send.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from campaigns import guidelines, selectors
from campaigns.models import Campaign
from campaigns.render import check_template
from campaigns.rules import (
    CampaignKind,
    CampaignState,
    may_change_state,
    schedule_problem,
    scheduled_instant,
)
from consent import services as evidence
from consent.models import Wording
from core.actors import Actor
from core.addresses import InvalidAddress, normalise_address
from core.errors import InvalidInput, RuleViolation
from core.text import clean_text

if TYPE_CHECKING:
    from accounts.models import Account
    from contacts.models import List, Segment

GUIDELINES_KEY = "send.guidelines"
# SEND-1: the text the user confirms before every send, versioned in consent.Wording.
GUIDELINES = {
    "en": (
        "I confirm that this send follows the anti-spam guidelines: every recipient gave "
        "consent that I can prove, the mail is clearly advertising from us, it carries a "
        "working unsubscribe link and our imprint, and no list was bought, rented or collected "
        "without consent."
    ),
    "de": (
        "Ich bestätige, dass dieser Versand die Anti-Spam-Richtlinien einhält: Jede Empfängerin "
        "und jeder Empfänger hat nachweisbar eingewilligt, die Mail ist klar als unsere Werbung "
        "erkennbar, sie enthält einen funktionierenden Abmeldelink und unser Impressum, und "
        "keine Liste wurde gekauft, gemietet oder ohne Einwilligung gesammelt."
    ),
    "fr": (
        "Je confirme que cet envoi respecte les règles anti-spam : chaque destinataire a donné "
        "un consentement que je peux prouver, le message est clairement notre publicité, il "
        "contient un lien de désabonnement fonctionnel et nos mentions légales, et aucune "
        "liste n'a été achetée, louée ou collectée sans consentement."
    ),
}
EDITABLE = (
    "name",
    "subject",
    "from_name",
    "from_address",
    "reply_to",
    "html",
    "text",
    "kind",
    "tracking",
    "language",
)

SCHEDULE_FIELDS = [
    "scheduled_at",
    "scheduled_by",
    "schedule_held_reason",
    "schedule_held_at",
    "updated_at",
]


def guidelines_wording(language: str = "en") -> Wording:
    """The current version of the SEND-1 text (published on first use)."""
    language = language if language in GUIDELINES else "en"
    return evidence.publish_wording(GUIDELINES_KEY, GUIDELINES[language], language=language)


def _address(value: str, field: str) -> str:
    try:
        return normalise_address(value)
    except InvalidAddress as exc:
        raise InvalidInput(f"{field}: {exc}") from None


def _clean(account: Account, values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise InvalidInput(f"a campaign has no field {name!r}")
        if name in ("name", "subject", "from_name"):
            limit = {"name": 200, "subject": 300, "from_name": 100}[name]
            text = clean_text(value or "", field=name.replace("_", " "), max_length=limit).strip()
            if not text:
                raise InvalidInput(f"a campaign needs a {name.replace('_', ' ')}")
            clean[name] = text
        elif name == "from_address":
            clean[name] = _address(value, "From address")
        elif name == "reply_to":
            clean[name] = _address(value, "Reply-To") if value else ""
        elif name in ("html", "text"):
            text = clean_text(value or "", field=name, max_length=500_000, multiline=True)
            check_template(
                text,
                part="HTML body" if name == "html" else "text body",
                max_output=selectors.max_output_of(account),
            )
            clean[name] = text
        elif name == "kind":
            if value not in CampaignKind.__members__.values():
                raise InvalidInput(f"unknown campaign type {value!r}")
            clean[name] = value
        elif name == "tracking":
            clean[name] = bool(value)
        elif name == "language":
            if value not in ("de", "en", "fr"):
                raise InvalidInput("a campaign's language is de, en or fr")
            clean[name] = value
    if "subject" in clean:
        check_template(
            clean["subject"],
            part="subject",
            html=False,
            max_output=selectors.max_output_of(account),
        )
    if "html" in clean and not clean["html"].strip():
        raise InvalidInput("a campaign needs an HTML body")
    return clean


def _check_lists(account: Account, lists: Sequence[List]) -> None:
    if any(lst.account_id != account.pk for lst in lists):
        raise InvalidInput("a target list belongs to another account")


def _check_segment(account: Account, segment: Segment | None) -> None:
    if segment is not None and segment.account_id != account.pk:
        raise InvalidInput("segment: the segment belongs to another account")


# update_campaign's default for the segment: leave it as it is.
KEEP = object()


@transaction.atomic
def create_campaign(
    account: Account,
    *,
    actor: Actor,
    lists: Sequence[List] = (),
    segment: Segment | None = None,
    **values: Any,
) -> Campaign:
    """A draft campaign. Its From domain and content are judged by the gate at start; a
    segment narrows the target lists' audience."""
    for required in ("name", "subject", "from_name", "from_address", "html"):
        values.setdefault(required, "")
    clean = _clean(account, values)
    _check_lists(account, lists)
    _check_segment(account, segment)
    campaign = Campaign.objects.create(account=account, segment=segment, **clean)
    campaign.lists.set(lists)
    evidence.record(
        account,
        "campaign.created",
        actor=actor,
        payload={
            "campaign": campaign.pk,
            "lists": [lst.pk for lst in lists],
            "segment": segment.pk if segment is not None else None,
        },
    )
    return campaign


@transaction.atomic
def update_campaign(
    campaign: Campaign,
    *,
    actor: Actor,
    lists: Sequence[List] | None = None,
    segment: Any = KEEP,
    **values: Any,
) -> Campaign:
    """`segment`: a Segment, None to target the whole lists, or KEEP."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state != CampaignState.DRAFT:
        raise RuleViolation("only a draft campaign can be changed")
    clean = _clean(locked.account, values)
    for name, value in clean.items():
        setattr(locked, name, value)
    if segment is not KEEP:
        _check_segment(locked.account, segment)
        locked.segment = segment
        clean["segment"] = segment
    locked.save()
    if lists is not None:
        _check_lists(locked.account, lists)
        locked.lists.set(lists)
    evidence.record(
        locked.account,
        "campaign.updated",
        actor=actor,
        payload={"campaign": locked.pk, "changed": sorted(clean) + (["lists"] if lists else [])},
    )
    return locked


def begin_send(
    campaign: Campaign, *, actor: Actor, guidelines_confirmed: bool, language: str = "en"
) -> Campaign:
    """SEND-1/2: the gate, and the guideline tick as evidence; the campaign is sending.

    Raises RuleViolation listing every failing reason. In the caller's transaction (the
    send's coordinator fills the ledger in it); returns the locked campaign."""
    locked = Campaign.objects.select_for_update().select_related("account").get(pk=campaign.pk)
    if locked.state != CampaignState.DRAFT:
        raise RuleViolation(f"the campaign is {locked.state}, not a draft")
    refusals = selectors.gate_result(locked, guidelines_ticked=guidelines_confirmed)
    if refusals:
        raise RuleViolation("the send is refused", details=[str(r) for r in refusals])
    _accept_guidelines_if_due(locked, actor, language)
    wording = guidelines_wording(language)
    record = evidence.record(
        locked.account,
        "send.guidelines_confirmed",
        actor=actor,
        wording=wording,
        payload={"campaign": locked.pk, "wording_version": wording.version},
    )
    now = timezone.now()
    locked.state, locked.started_at, locked.guidelines_record = CampaignState.SENDING, now, record
    locked.save(update_fields=["state", "started_at", "guidelines_record", "updated_at"])
    return locked


def change_state(
    campaign: Campaign,
    target: CampaignState,
    *,
    actor: Actor,
    reason: str = "",
    for_domain: str = "",
) -> Campaign:
    """A send paused, resumed or cancelled, if the states allow it; recorded. In the
    caller's transaction. A pause by the platform names its `reason` (and the sender
    domain whose recovery resumes it); any other change clears them."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state == target:
        return locked
    if not may_change_state(locked.state, target):
        raise RuleViolation(f"a {locked.state} campaign cannot be {target}")
    previous, locked.state = locked.state, target
    if target in (CampaignState.CANCELLED, CampaignState.FINISHED):
        locked.finished_at = timezone.now()
    locked.pause_reason = reason[:500] if target == CampaignState.PAUSED else ""
    locked.paused_for_domain = for_domain if target == CampaignState.PAUSED else ""
    locked.save(
        update_fields=["state", "finished_at", "pause_reason", "paused_for_domain", "updated_at"]
    )
    payload = {"campaign": locked.pk, "from": previous}
    if locked.pause_reason:
        payload["reason"] = locked.pause_reason
    evidence.record(locked.account, f"send.{target}", actor=actor, payload=payload)
    return locked


@transaction.atomic
def mark_finished(campaign: Campaign) -> bool:
    """The end of a send with no open rows left; False if it is not sending."""
    changed = Campaign.objects.filter(pk=campaign.pk, state=CampaignState.SENDING).update(
        state=CampaignState.FINISHED, finished_at=timezone.now()
    )
    if changed:
        evidence.record(
            campaign.account,
            "send.finished",
            actor=Actor.system("send"),
            payload={"campaign": campaign.pk},
        )
    return bool(changed)


def lock_for_resend(campaign: Campaign) -> Campaign:
    """SEND-4: the campaign locked for sending rows again, if it has sent at all."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state not in (CampaignState.SENDING, CampaignState.PAUSED, CampaignState.FINISHED):
        raise RuleViolation(f"a {locked.state} campaign sends nothing again")
    return locked


def reopen_send(campaign: Campaign) -> Campaign:
    """A finished send with rows queued again is sending again (caller's transaction)."""
    campaign.state, campaign.finished_at = CampaignState.SENDING, None
    campaign.save(update_fields=["state", "finished_at", "updated_at"])
    return campaign


def _accept_guidelines_if_due(locked: Campaign, actor: Actor, language: str) -> None:
    first = guidelines.first_send_lists(locked)
    if guidelines.due_before_send(locked, guidelines.user_id_of(actor)):
        # ACCOUNT-4: the page showed the guidelines in full; the tick accepts them.
        guidelines.accept(
            locked.account,
            actor=actor,
            context="first_send" if first else "changed",
            language=language,
            lists=first,
        )


@transaction.atomic
def schedule_send(
    campaign: Campaign,
    *,
    when: datetime,
    actor: Actor,
    guidelines_confirmed: bool,
    language: str = "en",
) -> Campaign:
    """SEND-4: the draft starts by itself at `when` (a wall-clock time is read in the
    account's time zone). The gate is checked now, with the guideline tick as evidence, and
    again when the send starts. Scheduling again changes the time and lifts a hold."""
    locked = Campaign.objects.select_for_update().select_related("account").get(pk=campaign.pk)
    if locked.state != CampaignState.DRAFT:
        raise RuleViolation(f"the campaign is {locked.state}: only a draft can be scheduled")
    instant = scheduled_instant(when, locked.account.time_zone)
    problem = schedule_problem(instant, timezone.now())
    if problem:
        raise InvalidInput(f"send time: {problem}")
    refusals = selectors.gate_result(locked, guidelines_ticked=guidelines_confirmed)
    if refusals:
        raise RuleViolation("the send is refused (SEND-2)", details=[str(r) for r in refusals])
    _accept_guidelines_if_due(locked, actor, language)
    wording = guidelines_wording(language)
    evidence.record(
        locked.account,
        "send.scheduled",
        actor=actor,
        wording=wording,
        payload={
            "campaign": locked.pk,
            "at": instant.isoformat(),
            "wording_version": wording.version,
        },
    )
    locked.scheduled_at, locked.scheduled_by = instant, actor.label[:100]
    locked.schedule_held_reason, locked.schedule_held_at = "", None
    locked.save(update_fields=SCHEDULE_FIELDS)
    return locked


@transaction.atomic
def unschedule_send(campaign: Campaign, *, actor: Actor) -> Campaign:
    """SEND-4: a schedule cancelled before it started; the campaign stays a draft."""
    locked = Campaign.objects.select_for_update().select_related("account").get(pk=campaign.pk)
    if locked.state != CampaignState.DRAFT or locked.scheduled_at is None:
        raise RuleViolation("the campaign has no schedule that has not started")
    evidence.record(
        locked.account,
        "send.unscheduled",
        actor=actor,
        payload={"campaign": locked.pk, "at": locked.scheduled_at.isoformat()},
    )
    locked.scheduled_at, locked.scheduled_by = None, ""
    locked.schedule_held_reason, locked.schedule_held_at = "", None
    locked.save(update_fields=SCHEDULE_FIELDS)
    return locked


@transaction.atomic
def hold_schedule(campaign: Campaign, reason: str) -> bool:
    """A due schedule that could not start is held with the reason (shown on the dashboard
    until the campaign is scheduled again or unscheduled); False if it started meanwhile."""
    locked = Campaign.objects.select_for_update().select_related("account").get(pk=campaign.pk)
    if locked.state != CampaignState.DRAFT or locked.scheduled_at is None:
        return False
    locked.schedule_held_reason, locked.schedule_held_at = reason[:1000], timezone.now()
    locked.save(update_fields=["schedule_held_reason", "schedule_held_at", "updated_at"])
    evidence.record(
        locked.account,
        "send.schedule_held",
        actor=Actor.system("scheduler"),
        payload={"campaign": locked.pk, "reason": locked.schedule_held_reason},
    )
    return True


@transaction.atomic
def duplicate_campaign(campaign: Campaign, *, actor: Actor, name: str = "") -> Campaign:
    """A new draft with the campaign's content, sender and lists (never its send)."""
    values = {field: getattr(campaign, field) for field in EDITABLE}
    values["name"] = name or f"{campaign.name} (copy)"[:200]
    copy = create_campaign(
        campaign.account, actor=actor, lists=list(campaign.lists.all()), **values
    )
    evidence.record(
        campaign.account,
        "campaign.duplicated",
        actor=actor,
        payload={"campaign": copy.pk, "from": campaign.pk},
    )
    return copy
