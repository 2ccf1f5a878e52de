"""The one door to the operator's console: staff users only, never an account's users.

Someone not logged in is sent to the login page; a logged-in user who is not staff gets
403. Every console page also carries a strict Content-Security-Policy: scripts, styles and
images only from the product's own static files, nothing inline.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

View = Callable[..., HttpResponseBase]


def is_operator(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def operator_required(view: View) -> View:
    """Let staff users in; send others to the login page (anonymous) or answer 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_operator(request.user):
            raise PermissionDenied(_("Only the platform's operators may open the console."))
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", CONSOLE_CSP)
        return response

    return wrapper
