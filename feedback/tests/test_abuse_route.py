"""ABUSE-1: mail to the platform's abuse addresses takes the abuse route; abuse@ an account's
sender domain is that account's mail, not the platform's."""

from __future__ import annotations

from typing import Any

from feedback.routing import abuse_addresses, route_for


def test_by_default_abuse_at_the_platforms_own_domains(settings: Any) -> None:
    settings.ABUSE_ADDRESSES = []
    settings.BASE_URL = "https://mail.platform.example"
    settings.DEFAULT_FROM_EMAIL = "consentry <mailer@platform-mail.example>"
    assert abuse_addresses() == {"abuse@mail.platform.example", "abuse@platform-mail.example"}
    assert route_for("Abuse@Mail.Platform.example")[0].name == "abuse"
    assert route_for("abuse@news.alice-shop.example")[0].name == "reply"


def test_the_setting_names_the_addresses(settings: Any) -> None:
    settings.ABUSE_ADDRESSES = ["complaints@platform.example"]
    assert route_for("complaints@platform.example")[0].name == "abuse"
    assert route_for("abuse@mail.platform.example")[0].name == "reply"
