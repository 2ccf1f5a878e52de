"""`consentry campaign report ID [--json]`: the report's numbers on the command line."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from governance.testing import Sent

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("campaign", "report", *args, stdout=out)
    return out.getvalue()


def test_the_report_as_text(reported: Sent) -> None:
    text = run(str(reported.campaign.pk))
    assert f"#{reported.campaign.pk} Herbst: finished" in text
    assert "hard bounces 1 (33.33%, limit 5.00%)" in text
    assert "complaints 1 (33.33%, limit 0.500%)" in text
    assert "  1\thard\tuser_unknown" in text
    assert "  1\tpage" in text
    assert "opens —, clicks —" in text


def test_the_report_as_json_matches_the_api(reported: Sent) -> None:
    data = json.loads(run(str(reported.campaign.pk), "--json"))
    assert data["id"] == reported.campaign.pk
    assert (data["handed_over"], data["hard_bounces"], data["complaints"]) == (3, 1, 1)
    assert data["rates"]["click"] is None


def test_an_unknown_campaign_is_a_clear_error(db: object) -> None:
    with pytest.raises(CommandError, match="no campaign #999999"):
        run("999999")
