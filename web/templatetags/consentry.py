"""Filters that turn domain codes into translated words in templates."""

from __future__ import annotations

from django import template

from contacts.models import SubscriptionState
from delivery.pause_reasons import pause_reason_text
from web import labels

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    return labels.label(labels.STATUS, code)


@register.filter
def campaign_state_label(code: str) -> str:
    return labels.label(labels.CAMPAIGN_STATE, code)


@register.filter
def legal_basis_label(code: str) -> str:
    return labels.label(labels.LEGAL_BASIS, code) if code else "—"


@register.filter
def cause_label(code: str) -> str:
    return labels.label(labels.CAUSE, code)


@register.filter
def evidence_kind_label(code: str) -> str:
    return labels.label(labels.EVIDENCE_KIND, code)


@register.filter
def language_label(code: str) -> str:
    return labels.label(labels.LANGUAGE, code)


@register.filter
def subscription_state_label(code: str) -> str:
    return str(SubscriptionState(code).label) if code in SubscriptionState.values else code


@register.filter
def pause_reason(text: str) -> str:
    """Why the platform paused or stopped a send, in the reader's language."""
    return pause_reason_text(text)
