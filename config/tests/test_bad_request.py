"""A request Django refuses before routing it (a malformed Host header): the API still
answers with its documented JSON error body; other pages keep Django's page."""

from __future__ import annotations

from typing import Any

from django.test import Client


def test_the_api_answers_a_malformed_host_in_json(db: Any, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    response = Client().get("/api/v1/lists", HTTP_HOST=';X"b')
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "bad_request"


def test_other_pages_keep_djangos_answer(db: Any, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    response = Client().get("/login/", HTTP_HOST=';X"b')
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
