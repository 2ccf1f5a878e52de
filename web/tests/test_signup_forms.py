"""Signup forms in the account UI: create one, copy its code, version its text (FORM-1)."""

from __future__ import annotations

from django.urls import reverse

from consent import doi
from consent.models import SignupForm
from contacts.testing import SYSTEM


def test_alice_creates_a_form_from_the_list_page(world) -> None:
    client = world.client_for(world.alice)
    list_page = client.get(reverse("web:list", args=["alice-shop", world.alice_list.pk]))
    assert b"New signup form" in list_page.content
    response = client.post(
        reverse("web:signup_form_create", args=["alice-shop", world.alice_list.pk]),
        {
            "name": "Footer",
            "ask_name": "on",
            "custom_fields": "city, company*",
            "language": "list",
            "consent_text": "",
        },
    )
    form = SignupForm.objects.get(name="Footer")
    assert response.status_code == 302 and response["Location"].endswith(f"/forms/{form.pk}/")
    assert form.custom_fields == [
        {"name": "city", "label": "City", "required": False},
        {"name": "company", "label": "Company", "required": True},
    ]
    page = client.get(response["Location"]).content.decode()
    assert f"/f/{form.public_id}/" in page
    assert "name=&quot;website&quot;" in page  # the embed code carries the honeypot, escaped
    assert "name=&quot;company&quot;" in page


def test_changing_the_consent_text_adds_a_version(world) -> None:
    form = doi.create_form(world.alice_list, actor=SYSTEM)
    client = world.client_for(world.bob)
    url = reverse("web:signup_form", args=["alice-shop", form.pk])
    response = client.post(url, {"text": "Ja, bitte schreiben Sie mir."})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "v2" in page and "v1" in page and "Ja, bitte schreiben Sie mir." in page


def test_charlie_gets_404_and_the_wrong_method_405(world) -> None:
    form = doi.create_form(world.alice_list, actor=SYSTEM)
    charlie = world.client_for(world.charlie)
    assert charlie.get(reverse("web:signup_form", args=["alice-shop", form.pk])).status_code == 404
    assert charlie.get(reverse("web:signup_form", args=["charlie-co", form.pk])).status_code == 404
    create = reverse("web:signup_form_create", args=["charlie-co", world.alice_list.pk])
    assert charlie.post(create, {"language": "list"}).status_code == 404
    alice = world.client_for(world.alice)
    create_alice = reverse("web:signup_form_create", args=["alice-shop", world.alice_list.pk])
    assert alice.get(create_alice).status_code == 405
    from django.test import Client

    anonymous = Client().get(reverse("web:signup_form", args=["alice-shop", form.pk]))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
