from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: Decimal | float | None, places: int = 2) -> str:
    """A rate (0.0123) as a percentage in the current language's format ("1.23 %")."""
    if value is None:
        return ""
    return f"{number_format(Decimal(value) * 100, int(places))} %"
