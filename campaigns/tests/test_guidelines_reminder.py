"""ACCOUNT-4: the guidelines are accepted again before a list's first send and after a
change of their version; a later send to the same list under the same version is not
asked again."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import guidelines as texts
from accounts.models import GuidelinesAcceptance
from campaigns import guidelines
from consent.models import EvidenceRecord
from contacts import services as contacts
from contacts.testing import SYSTEM
from core.actors import Actor
from delivery import sends


def accepted(account: Any) -> list[tuple[int, str, int | None]]:
    rows = GuidelinesAcceptance.objects.filter(account=account).order_by("pk")
    return [(r.version, r.context, r.list_id) for r in rows]


def test_first_send_of_a_list_accepts_the_guidelines_once(sendable: Any) -> None:
    alice = Actor.for_user(sendable.world.alice)
    campaign = sendable.campaign
    assert [lst.pk for lst in guidelines.first_send_lists(campaign)] == [sendable.lst.pk]
    assert guidelines.due_before_send(campaign, sendable.world.alice.pk)
    sends.start_send(campaign, actor=alice, guidelines_confirmed=True)
    assert accepted(sendable.world.alice_account) == [(1, "first_send", sendable.lst.pk)]
    record = EvidenceRecord.objects.get(
        account=sendable.world.alice_account, kind="guidelines.accepted"
    )
    assert record.wording.key == texts.GUIDELINES_KEY
    second = sendable.another("Winter")
    assert not guidelines.first_send_lists(second)
    assert not guidelines.due_before_send(second, sendable.world.alice.pk)
    sends.start_send(second, actor=alice, guidelines_confirmed=True)
    assert len(accepted(sendable.world.alice_account)) == 1  # not asked again


def test_a_new_version_is_due_again_and_accepted_again(
    sendable: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = Actor.for_user(sendable.world.alice)
    sends.start_send(sendable.campaign, actor=alice, guidelines_confirmed=True)
    second = sendable.another("Winter")
    assert not guidelines.changed_for(sendable.world.alice_account, sendable.world.alice.pk)
    monkeypatch.setattr(texts, "GUIDELINES_VERSION", 2)
    monkeypatch.setitem(texts.GUIDELINES, "en", texts.GUIDELINES["en"] + " 8. New rule.")
    assert guidelines.changed_for(sendable.world.alice_account, sendable.world.alice.pk)
    assert guidelines.due_before_send(second, sendable.world.alice.pk)
    # Bob, who never accepted any version, is asked too.
    assert guidelines.changed_for(sendable.world.alice_account, sendable.world.bob.pk)
    sends.start_send(second, actor=alice, guidelines_confirmed=True)
    assert accepted(sendable.world.alice_account)[-1] == (2, "changed", None)
    assert not guidelines.changed_for(sendable.world.alice_account, sendable.world.alice.pk)
    shown = EvidenceRecord.objects.filter(kind="guidelines.accepted").order_by("seq").last()
    assert shown is not None and shown.wording.text.endswith("8. New rule.")
    assert shown.wording.version == 2


def test_a_new_list_is_a_first_send_again(sendable: Any) -> None:
    alice = Actor.for_user(sendable.world.alice)
    sends.start_send(sendable.campaign, actor=alice, guidelines_confirmed=True)
    other = contacts.create_list(sendable.world.alice_account, "Partner", actor=SYSTEM)
    third = sendable.another("Partner news")
    third.lists.set([other])
    assert guidelines.first_send_lists(third) == [other]
    assert guidelines.due_before_send(third, sendable.world.alice.pk)


def test_the_cli_prints_the_guidelines_before_a_lists_first_send(
    sendable: Any, capsys: Any
) -> None:
    from django.core.management import call_command

    call_command("send", str(sendable.campaign.pk), "--confirm-guidelines", "--no-wait")
    assert texts.GUIDELINES["en"][:50] in capsys.readouterr().out
    second = sendable.another("Winter")
    call_command("send", str(second.pk), "--confirm-guidelines", "--no-wait")
    assert texts.GUIDELINES["en"][:50] not in capsys.readouterr().out
