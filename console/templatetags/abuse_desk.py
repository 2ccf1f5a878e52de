"""`{% abuse_summary %}`: the abuse desk's block on the operator's dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from governance.selectors import abuse_summary as summary

register = template.Library()


@register.inclusion_tag("console/abuse/_summary.html")
def abuse_summary() -> dict[str, Any]:
    return {"summary": summary()}
