"""/healthz answers without a login and without the database."""

from __future__ import annotations

from django.test import Client


def test_healthz_answers_ok_and_only_to_get() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert Client().post("/healthz").status_code == 405
