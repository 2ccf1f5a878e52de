"""Operators manage accounts, users, memberships, API keys and policy in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from accounts.models import Account, ApiKey
from accounts.selectors import account_for_api_key
from consent.models import EvidenceRecord


def test_every_admin_page_opens_for_an_operator(world) -> None:
    client = world.client_for(world.operator)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    contact_url = reverse("admin:contacts_contact_change", args=[world.alice_contact.pk])
    assert b"kunde@example.de" in client.get(contact_url).content


def test_account_users_do_not_reach_the_admin(world) -> None:
    response = world.client_for(world.alice).get(reverse("admin:accounts_account_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_operators_activate_and_suspend_accounts_by_action(world) -> None:
    """ACCOUNT-1: review states change only through the rules."""
    from accounts.services import create_account

    pending = create_account("Neu GmbH")
    client = world.client_for(world.operator)
    url = reverse("admin:accounts_account_changelist")
    client.post(url, {"action": "make_active", "_selected_action": [pending.pk]})
    assert Account.objects.get(pk=pending.pk).review_state == "active"
    client.post(url, {"action": "make_suspended", "_selected_action": [pending.pk]})
    assert Account.objects.get(pk=pending.pk).review_state == "suspended"


def test_an_api_key_made_in_the_admin_is_shown_once_and_stored_hashed(world) -> None:
    client = world.client_for(world.operator)
    response = client.post(
        reverse("admin:accounts_apikey_add"),
        {"account": world.alice_account.pk, "name": "crm"},
        follow=True,
    )
    [message] = [str(m) for m in response.context["messages"] if "shown only now" in str(m)]
    plain = message.rsplit(" ", 1)[-1]
    key = ApiKey.objects.get(name="crm")
    assert plain.startswith("cs_") and plain not in key.key_hash
    assert account_for_api_key(plain) == (world.alice_account, key)
    assert (
        plain
        not in client.get(reverse("admin:accounts_apikey_change", args=[key.pk])).content.decode()
    )


def test_evidence_cannot_be_changed_in_the_admin(world) -> None:
    record = EvidenceRecord.objects.filter(account=world.alice_account).first()
    client = world.client_for(world.operator)
    url = reverse("admin:consent_evidencerecord_change", args=[record.pk])
    assert client.post(url, {"kind": "forged"}).status_code == 403
    assert EvidenceRecord.objects.get(pk=record.pk).kind == record.kind
