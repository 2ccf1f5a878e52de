"""The review pages of the console: operators only; decisions and held imports by POST."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts import review
from core.models import AuditEntry
from domains.tests.conftest import platform  # noqa: F401
from imports.models import ImportState
from imports.tests.conftest import run, verified  # noqa: F401

PAGES = ["/console/review/", "/console/review/alice-shop/"]
POSTS = [
    "/console/review/alice-shop/decide/",
    "/console/review/imports/1/",
    "/console/review/alice-shop/lists/1/",
]


@pytest.mark.parametrize("url", PAGES + POSTS)
def test_account_users_never_reach_the_review(world: Any, url: str) -> None:
    logged = AuditEntry.objects.count()
    for user in (world.alice, world.bob, world.charlie):
        client = world.client_for(user)
        answer = (
            client.post(url, {"decision": "refuse", "reason": "x"})
            if url in POSTS
            else client.get(url)
        )
        assert answer.status_code == 403
    assert Client().get(url).status_code in (302, 405)
    assert AuditEntry.objects.count() == logged


def test_the_operator_reads_the_case_and_reduces_speed(world: Any) -> None:
    olga = world.client_for(world.operator)
    assert "review-queue" in olga.get("/console/review/").content.decode()
    page = olga.get("/console/review/alice-shop/").content.decode()
    assert "Newsletter" in page and "decision" in page
    olga.post(
        "/console/review/alice-shop/decide/", {"decision": "reduced", "reason": "Complaints."}
    )
    world.alice_account.refresh_from_db()
    assert world.alice_account.reduced_speed
    assert AuditEntry.objects.get(action="reduce_speed").reason == "Complaints."


def test_the_operator_refuses_a_held_import_on_the_page(verified: Any) -> None:  # noqa: F811
    review.set_import_review(
        verified.alice_account, held=True, operator=verified.operator, reason="New."
    )
    verified.alice_account.refresh_from_db()
    job = run(verified, "email\nanna@example.com\n")
    olga = verified.client_for(verified.operator)
    assert job.file_name in olga.get("/console/review/").content.decode()
    olga.post(f"/console/review/imports/{job.pk}/", {"decision": "refuse", "reason": "Bought."})
    job.refresh_from_db()
    assert job.state == ImportState.REFUSED
    page = verified.client_for(verified.alice).get(f"/a/alice-shop/imports/{job.pk}/")
    assert "Bought." in page.content.decode()
