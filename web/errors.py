"""How the web door shows domain errors: NotFound is 404, a denial 403, the rest a message."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import errors


def raise_for_http(exc: errors.DomainError) -> None:
    """Errors that are answers about access, not about the input, become HTTP errors."""
    if isinstance(exc, errors.NotFound):
        raise Http404(exc.message) from exc
    if isinstance(exc, errors.PermissionDenied):
        raise PermissionDenied(exc.message) from exc


def add_domain_error(form: forms.Form, exc: errors.DomainError, field: str | None = None) -> None:
    """Show a service's refusal on the form, under `field` or above all fields."""
    raise_for_http(exc)
    form.add_error(field, exc.message)
