"""Domain errors. Domain code raises these; api/errors.py and web map them to HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose; `message` is safe to show."""

    code = "error"

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "forbidden"


class InvalidInput(DomainError):
    code = "invalid"


class Conflict(DomainError):
    code = "conflict"


class RuleViolation(DomainError):
    """A policy rule refuses the change (a status transition, a send, an import)."""

    code = "refused"
