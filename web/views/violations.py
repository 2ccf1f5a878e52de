"""The account's answer to a violation (QUALITY-3): how further ones are prevented.

Owners and operators state it on the campaign page; an operator then lifts the measures in
the admin.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.actors import Actor
from core.errors import DomainError
from governance import services
from governance.models import Violation
from web.access import MANAGERS, get_account_for_user
from web.errors import raise_for_http


@require_POST
@login_required
def violation_remediation(request: HttpRequest, slug: str, violation_id: int) -> HttpResponse:
    account = get_account_for_user(request, slug, roles=MANAGERS)
    violation = Violation.objects.filter(account=account, pk=violation_id).first()
    if violation is None:
        raise Http404("no such violation")
    try:
        services.state_remediation(
            violation,
            request.POST.get("remediation", ""),
            actor=Actor.for_user(request.user, request),
        )
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Statement received: the operator will review it."))
    return redirect("web:campaign", slug, violation.campaign_id)
