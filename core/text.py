"""Checking free text from people: one place that refuses control characters and overlong values."""

from __future__ import annotations

import unicodedata

from core.errors import InvalidInput

LINE_BREAKS = frozenset("\n\r\t")


def clean_text(value: str, *, field: str, max_length: int, multiline: bool = False) -> str:
    """`value` stripped; InvalidInput naming the field if it is too long or holds control
    characters (NUL cannot even be stored by PostgreSQL)."""
    text = value.strip()
    for ch in text:
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in LINE_BREAKS):
            raise InvalidInput(f"{field}: control characters are not allowed")
    if len(text) > max_length:
        raise InvalidInput(f"{field}: at most {max_length} characters")
    return text
