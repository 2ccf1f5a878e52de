"""Who or what causes a change: recorded in every evidence record (STATUS-6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    """`kind` is user, operator, api_key, system or public; `ref` names the one acting."""

    kind: str
    ref: str = ""
    ip: str | None = None
    user_agent: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.ref}" if self.ref else self.kind

    @classmethod
    def from_label(cls, label: str) -> Actor:
        """The actor a `label` names (who scheduled a send acts when it starts)."""
        kind, _sep, ref = label.partition(":")
        return cls(kind or "system", ref)

    @classmethod
    def system(cls, ref: str = "") -> Actor:
        return cls("system", ref)

    @classmethod
    def for_user(cls, user: Any, request: HttpRequest | None = None) -> Actor:
        from core.http import client_ip

        kind = "operator" if getattr(user, "is_staff", False) else "user"
        return cls(
            kind,
            str(user.pk),
            client_ip(request) if request is not None else None,
            request.META.get("HTTP_USER_AGENT", "")[:500] if request is not None else None,
        )
