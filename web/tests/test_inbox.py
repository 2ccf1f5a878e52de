"""ABUSE-3: the account's replies inbox; ABUSE-2: its proof requests, answered with the
proof bundle. alice sees her own, charlie gets 404, the wrong method 405."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contacts.testing import Personas
from feedback import services as inbound
from governance import abuse, replies
from governance.models import AbuseCase, CaseState, Reply, ReplyForwarding
from governance.testing import case_for

RAW = (
    b"From: Anna <kunde@example.de>\r\nTo: news@news.example.com\r\n"
    b"Subject: Re: Herbst\r\n\r\nDo you ship to Austria?\r\n"
)


@pytest.fixture
def reply(world: Personas) -> Reply:
    message = inbound.receive(RAW, mail_from="kunde@example.de", rcpt_to=["news@news.example.com"])
    replies.receive_reply(message, "news@news.example.com", world.alice_account, False)
    return Reply.objects.get()


@pytest.fixture
def asked(world: Personas) -> AbuseCase:
    case = case_for(world.alice_account, contact=world.alice_contact)
    return abuse.request_proof(case, actor=abuse.INTAKE, reason="Show how kunde@ subscribed")


def test_abuse_3_alice_reads_her_replies_charlie_gets_404(world: Personas, reply: Reply) -> None:
    alice = world.client_for(world.alice)
    html = alice.get(reverse("web:replies", args=["alice-shop"])).content.decode()
    assert "Re: Herbst" in html and "kunde@example.de" in html
    detail = alice.get(reverse("web:reply", args=["alice-shop", reply.pk])).content.decode()
    assert "ship to Austria" in detail
    charlie = world.client_for(world.charlie)
    assert charlie.get(reverse("web:reply", args=["alice-shop", reply.pk])).status_code == 404
    assert charlie.get(reverse("web:reply", args=["charlie-co", reply.pk])).status_code == 404
    own = charlie.get(reverse("web:replies", args=["charlie-co"])).content.decode()
    assert "Re: Herbst" not in own
    assert alice.post(reverse("web:reply", args=["alice-shop", reply.pk])).status_code == 405


def test_abuse_3_the_owner_names_the_forwarding_address_a_member_may_not(world: Personas) -> None:
    url = reverse("web:replies", args=["alice-shop"])
    assert world.client_for(world.bob).post(url, {"address": "x@example.org"}).status_code == 403
    alice = world.client_for(world.alice)
    assert alice.post(url, {"address": "not an address"}).status_code == 400
    assert alice.post(url, {"address": "service@alice.example"}).status_code == 302
    assert ReplyForwarding.objects.get().address == "service@alice.example"
    alice.post(url, {"address": ""})
    assert not ReplyForwarding.objects.exists()


def test_abuse_2_the_account_sees_the_request_and_answers_with_its_proof(
    world: Personas, asked: AbuseCase
) -> None:
    url = reverse("web:proof_requests", args=["alice-shop"])
    html = world.client_for(world.alice).get(url).content.decode()
    assert "Show how kunde@ subscribed" in html and asked.proof_due_on.isoformat() in html
    charlie = world.client_for(world.charlie)
    answer = reverse("web:proof_answer", args=["alice-shop", asked.pk])
    assert charlie.post(answer, {"statement": "x"}).status_code == 404
    assert (
        "Show how"
        not in charlie.get(reverse("web:proof_requests", args=["charlie-co"])).content.decode()
    )
    bob = world.client_for(world.bob)
    assert bob.get(answer).status_code == 405
    assert bob.post(answer, {"statement": ""}).status_code == 400
    response = bob.post(answer, {"statement": "Double opt-in on 2026-03-01, see the bundle."})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.state == CaseState.PROOF_RECEIVED and asked.proof_bundle["records"]
