"""Where a signed-in user lands: their account, or a picker when there are several."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.selectors import accounts_for_user
from governance.account_dashboard import dashboard
from web.access import get_account_for_user
from web.labels import STATUS, label


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One account: straight to it. Several, or ?all: the picker. Operators land on their
    console's dashboard (issue 21); ?all shows them every account."""
    if request.user.is_staff and "all" not in request.GET:
        return redirect("console:dashboard")
    accounts = list(accounts_for_user(request.user).order_by("name", "slug"))
    if len(accounts) == 1 and "all" not in request.GET:
        return redirect("web:account", accounts[0].slug)
    return render(request, "web/home.html", {"accounts": accounts})


@require_GET
@login_required
def account_home(request: HttpRequest, slug: str) -> HttpResponse:
    """The account's home: its dashboard (issue 23)."""
    account = get_account_for_user(request, slug)
    found = dashboard(account)
    context = {
        "account": account,
        "section": "dashboard",
        "dashboard": found,
        "charts": found.charts(),
        "statuses": [(code, label(STATUS, code), n) for code, n in found.statuses.items()],
    }
    return render(request, "web/dashboard.html", context)
