"""Limit/offset pages: `{"items": [...], "count": n}`.

Not ninja's `@paginate`: it resolves a view's annotations in ninja's own module, which
breaks under `from __future__ import annotations` (our `Status` would become ninja's).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from api.schemas import PageIn

M = TypeVar("M", bound=Model)


def page_of(queryset: QuerySet[M], page: PageIn) -> dict[str, Any]:
    return {
        "items": list(queryset[page.offset : page.offset + page.limit]),
        "count": queryset.count(),
    }
