"""ACCOUNT-4: the platform's guidelines, shown again where it matters, and their acceptance.

They are shown before a list's first send (and the send's guideline tick then accepts the
version shown), whenever a newer version is in force than the one the user accepted, at
sign-up, and on the import page. Each acceptance is an evidence record citing the wording
shown, and a row per list the account can query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from accounts import guidelines as texts
from accounts import review
from accounts.rules import guidelines_due
from accounts.selectors import accepted_guidelines_version
from campaigns.models import Campaign
from campaigns.rules import CampaignState
from consent import services as evidence
from consent.models import Wording
from core.actors import Actor

if TYPE_CHECKING:
    from accounts.models import Account
    from contacts.models import List


def wording(language: str = "en") -> Wording:
    """The current guidelines' words in `language`, published on first use."""
    language = texts.language_of(language)
    return evidence.publish_wording(
        texts.GUIDELINES_KEY, texts.guidelines_text(language), language=language
    )


def terms_wording(language: str = "en") -> Wording:
    language = texts.language_of(language)
    return evidence.publish_wording(texts.TERMS_KEY, texts.terms_text(language), language=language)


def user_id_of(actor: Actor) -> int | None:
    return int(actor.ref) if actor.kind in ("user", "operator") and actor.ref.isdigit() else None


def first_send_lists(campaign: Campaign) -> list[List]:
    """The campaign's lists no send has started to yet."""
    started = Campaign.objects.filter(account_id=campaign.account_id, started_at__isnull=False)
    started = started.exclude(pk=campaign.pk).exclude(state=CampaignState.DRAFT)
    used = Campaign.lists.through.objects.filter(campaign__in=started).values("list_id")
    return list(campaign.lists.exclude(pk__in=used).order_by("name"))


def changed_for(account: Account, user_id: int | None) -> bool:
    """A newer version is in force than the one this user accepted (or none was)."""
    accepted = accepted_guidelines_version(account, user_id)
    return guidelines_due(accepted, texts.GUIDELINES_VERSION, first_send=False)


def due_before_send(campaign: Campaign, user_id: int | None) -> bool:
    accepted = accepted_guidelines_version(campaign.account, user_id)
    return guidelines_due(
        accepted, texts.GUIDELINES_VERSION, first_send=bool(first_send_lists(campaign))
    )


def accept(
    account: Account,
    *,
    actor: Actor,
    context: str,
    language: str = "en",
    lists: Sequence[List] = (),
) -> Any:
    """Record that the user read and accepted the current guidelines (in the caller's
    transaction): the evidence record with the wording shown, and the rows."""
    shown = wording(language)
    record = evidence.record(
        account,
        "guidelines.accepted",
        actor=actor,
        wording=shown,
        payload={
            "guidelines_version": texts.GUIDELINES_VERSION,
            "context": context,
            "lists": [lst.pk for lst in lists],
        },
    )
    review.record_guidelines(
        account,
        user_id=user_id_of(actor),
        actor_label=actor.label,
        version=texts.GUIDELINES_VERSION,
        language=shown.language,
        context=context,
        evidence_seq=record.seq,
        list_ids=tuple(lst.pk for lst in lists),
    )
    return record
