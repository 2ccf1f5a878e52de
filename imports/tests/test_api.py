"""/api/v1/imports: the API door; charlie gets 404, wrong methods 405 (PRIVACY-2)."""

from __future__ import annotations

import io
from typing import Any

from api.tests.conftest import BASE, KeyClient, alice_api, charlie_api  # noqa: F401
from contacts.models import Contact
from imports.models import ImportJob

CSV = b"email,first_name\nanna@example.com,Anna\ninfo@example.com,\n"


def upload(api: KeyClient, world: Any, **fields: Any) -> Any:
    data = {
        "list_id": world.alice_list.pk,
        "source": "double_opt_in",
        "attest_origin": "true",
        "attest_customer_contact": "true",
        **fields,
    }
    data["file"] = io.BytesIO(fields.pop("content", CSV))
    data["file"].name = "kunden.csv"
    data.pop("content", None)
    return api.client.post(f"{BASE}/imports", data)


def test_import_the_api_runs_an_import_and_serves_its_report(
    verified: Any,
    alice_api: KeyClient,  # noqa: F811
    charlie_api: KeyClient,  # noqa: F811
) -> None:
    response = upload(alice_api, verified)
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["created"], body["rejected"], body["reasons"]) == (1, 1, {"role_address": 1})
    job_id = body["id"]
    assert alice_api.client.get(f"{BASE}/imports/{job_id}").json()["state"] == "done"
    report = alice_api.client.get(f"{BASE}/imports/{job_id}/report")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode()
    assert "3,info@example.com,rejected,role_address" in text
    assert [j["id"] for j in alice_api.client.get(f"{BASE}/imports").json()] == [job_id]
    # charlie sees none of it
    for path in (f"/imports/{job_id}", f"/imports/{job_id}/report"):
        assert charlie_api.client.get(f"{BASE}{path}").status_code == 404
    assert charlie_api.client.post(f"{BASE}/imports/{job_id}/resume").status_code == 404
    assert charlie_api.client.get(f"{BASE}/imports").json() == []
    assert alice_api.client.delete(f"{BASE}/imports/{job_id}").status_code == 405
    assert alice_api.client.get(f"{BASE}/imports/{job_id}/resume").status_code == 405


def test_import_002_the_api_needs_both_attestations(
    verified: Any,
    alice_api: KeyClient,  # noqa: F811
) -> None:
    response = upload(alice_api, verified, attest_customer_contact="false")
    assert response.status_code == 422
    assert response.json()["details"] == ["attest_customer_contact"]
    assert not ImportJob.objects.exists()


def test_import_the_api_refuses_charlies_list_and_forbidden_sources(
    verified: Any,
    alice_api: KeyClient,  # noqa: F811
) -> None:
    assert upload(alice_api, verified, list_id=verified.charlie_list.pk).status_code == 422
    refused = upload(alice_api, verified, source="bought_list")
    assert refused.status_code == 409 and "may not be imported" in refused.json()["message"]
    bad = upload(alice_api, verified, content=b"\x00\x01\x02garbage")
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_file"
    assert not Contact.objects.filter(address="anna@example.com").exists()
    sources = alice_api.client.get(f"{BASE}/imports/sources").json()
    assert {s["key"] for s in sources if s["allowed"]} >= {"double_opt_in", "offline_form"}


def test_import_009_the_api_takes_the_delimiter(
    verified: Any,
    alice_api: KeyClient,  # noqa: F811
) -> None:
    # Found by itself, the semicolon would win: it makes more fields.
    given = upload(
        alice_api, verified, content=b"email,note;x;y\nanna@example.com,a;b;c\n", delimiter=","
    )
    assert given.status_code == 202, given.content
    assert (given.json()["delimiter"], given.json()["created"]) == (",", 1)
    assert Contact.objects.get(address="anna@example.com").fields == {"note;x;y": "a;b;c"}
    tabs = upload(
        alice_api, verified, content=b"email\tfirst_name\nbert@example.com\tBert\n", delimiter="tab"
    )
    assert tabs.status_code == 202 and tabs.json()["delimiter"] == "\t"
    refused = upload(alice_api, verified, delimiter=":")
    assert refused.status_code == 422
    assert refused.json()["details"] == ["delimiter"]
    assert "delimiter is one of" in refused.json()["message"]
    assert ImportJob.objects.count() == 2


def test_import_009_the_api_names_the_columns_a_headerless_file_leaves_out(
    verified: Any,
    alice_api: KeyClient,  # noqa: F811
) -> None:
    response = upload(alice_api, verified, content=b"anna@example.com,Anna\nbert@example.com,\n")
    body = response.json()
    assert response.status_code == 202, body
    assert (body["created"], body["unused_columns"]) == (2, [2])
    assert "Column 2 is not imported" in body["notice"]
    assert body["reasons"] == {"columns_not_imported": 1}
    full = upload(alice_api, verified)
    assert (full.json()["unused_columns"], full.json()["notice"]) == ([], "")


def test_import_005_the_api_imports_around_a_ragged_row(
    verified: Any,
    alice_api: KeyClient,  # noqa: F811
) -> None:
    content = b"email,first_name\nanna@example.com,Anna\nbert@example.com,Bert,Extra\n"
    body = upload(alice_api, verified, content=content).json()
    assert (body["state"], body["created"], body["reasons"]) == ("done", 1, {"extra_fields": 1})
    report = alice_api.client.get(f"{BASE}/imports/{body['id']}/report")
    text = b"".join(report.streaming_content).decode()
    assert "3,bert@example.com,rejected,extra_fields," in text and text.rstrip().endswith(",3")
