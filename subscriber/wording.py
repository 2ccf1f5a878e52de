"""The words of the unsubscribe page and of its confirmation, versioned (CONSENT-6).

The templates show these very strings, so the wording version an unsubscribe cites is the
text the person read: per account (its name is part of the text) and per language. A
changed translation or a renamed account publishes the next version on the next view;
records that cite an older one keep pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from consent import services as evidence
from consent.models import Wording

if TYPE_CHECKING:
    from accounts.models import Account

KEY = "unsubscribe.page"

# The page behind the unsubscribe link.
PAGE = {
    "title": gettext_noop("Unsubscribe"),
    "question": gettext_noop("Do you want to stop receiving these emails from %(name)s?"),
    "everywhere": gettext_noop("Unsubscribe from every list of %(name)s"),
    "button": gettext_noop("Unsubscribe"),
}
# The confirmation its button leads to.
DONE = {
    "title": gettext_noop("You are unsubscribed"),
    "everywhere": gettext_noop(
        "You left every list of %(name)s and will receive no more newsletters from it."
    ),
    "lists": gettext_noop("You will receive no more emails from:"),
    "mistake": gettext_noop(
        "Unsubscribed by mistake? You can join again in your preferences; we will ask you "
        "to confirm by email."
    ),
}


@dataclass(frozen=True)
class PageWording:
    wording: Wording
    page: dict[str, str]
    done: dict[str, str]


def _texts(spec: dict[str, str], name: str) -> dict[str, str]:
    return {slot: gettext(msgid).replace("%(name)s", name) for slot, msgid in spec.items()}


def wording_text(page: dict[str, str], done: dict[str, str]) -> str:
    """The page and its confirmation as one text, laid out as a person sees them."""
    return "\n".join(
        [
            page["title"],
            page["question"],
            f"☐ {page['everywhere']}",
            f"[{page['button']}]",
            "",
            done["title"],
            done["everywhere"],
            f"{done['lists']} …",
            done["mistake"],
        ]
    )


def page_wording(account: Account, language: str) -> PageWording:
    """The texts in `language` and their current version, published if they changed."""
    with translation.override(language):
        page, done = _texts(PAGE, account.name), _texts(DONE, account.name)
    text = wording_text(page, done)
    try:
        wording = evidence.publish_wording(KEY, text, account=account, language=language)
    except IntegrityError:  # another request published this version a moment ago
        wording = evidence.publish_wording(KEY, text, account=account, language=language)
    return PageWording(wording, page, done)


def cited_wording(account: Account, language: str, shown: str) -> PageWording:
    """What an unsubscribe cites: the version the page named in its form (the person may
    have opened it before the text changed), else the current one."""
    current = page_wording(account, language)
    if shown.isdigit() and int(shown) != current.wording.pk:
        earlier = Wording.objects.filter(
            pk=int(shown), account=account, key=KEY, language=language
        ).first()
        if earlier is not None:
            return PageWording(earlier, current.page, current.done)
    return current
