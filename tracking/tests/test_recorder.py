"""The buffered writer of opens and clicks (tracking.recorder): the redirect answers without
a database round trip, a thread stores the events in groups with the consent check, and a
process that exits stores what it still holds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign
from contacts import services as contacts
from contacts.models import Contact
from contacts.testing import SYSTEM
from contacts.tracking import set_tracking_consent
from delivery.models import SendLedgerEntry
from delivery.testing import Sendable
from tracking.models import TrackingEvent
from tracking.recorder import Event, Recorder
from tracking.testing import hrefs, html_part

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126 Safari/537.36"


def entry_of(campaign: Campaign, address: str) -> int:
    return SendLedgerEntry.objects.get(campaign=campaign, contact__address=address).pk


def click(entry_id: int, url: str = "https://shop.example/garten") -> Event:
    return Event(entry_id, "click", url, timezone.now(), "")


def stored(contact: Contact) -> int:
    return TrackingEvent.objects.filter(contact=contact).count()


def wait_for(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_the_writer_thread_stores_events_in_groups_of_consenting_contacts_alone(
    sent: tuple[Sendable, Campaign, Contact], settings: Any
) -> None:
    _sendable, campaign, anna = sent
    ben = Contact.objects.get(address="ben@example.net")
    settings.TRACKING_FLUSH_MS = 50
    recorder = Recorder()
    try:
        for _ in range(3):
            recorder.add(click(entry_of(campaign, "anna@example.org")))
        recorder.add(click(entry_of(campaign, "ben@example.net")))  # never consented
        assert stored(anna) == 0  # nothing written in the caller's thread
        assert wait_for(lambda: stored(anna) == 3)
        assert stored(ben) == 0
    finally:
        recorder.stop()


@pytest.fixture
def held(
    sent: tuple[Sendable, Campaign, Contact], settings: Any, transactional_db: Any
) -> tuple[Recorder, int, Contact]:
    """A recorder whose interval (a minute) never comes round in the test, holding one
    click of anna's: what is written happens at stop()."""
    _sendable, campaign, anna = sent
    settings.TRACKING_FLUSH_MS = 60_000
    recorder = Recorder()
    entry = entry_of(campaign, "anna@example.org")
    recorder.add(click(entry))
    return recorder, entry, anna


def test_consent_withdrawn_before_the_group_is_written_is_respected(
    held: tuple[Recorder, int, Contact],
) -> None:
    recorder, _entry, anna = held
    set_tracking_consent(anna, False, actor=SYSTEM)
    recorder.stop()
    assert stored(anna) == 0


def test_an_erased_contacts_buffered_click_is_not_written_after_the_erasure(
    held: tuple[Recorder, int, Contact],
) -> None:
    recorder, _entry, anna = held
    contacts.delete_contact(anna, actor=SYSTEM)
    recorder.stop()
    assert stored(anna) == 0
    assert Contact.objects.get(pk=anna.pk).tracking_consent  # the flag alone did not stop it


def test_stop_writes_what_is_buffered_without_waiting_for_the_interval(
    held: tuple[Recorder, int, Contact],
) -> None:
    recorder, entry, anna = held
    recorder.add(Event(entry, "open", "", timezone.now(), ""))
    assert stored(anna) == 0
    recorder.stop()
    assert stored(anna) == 2


@pytest.mark.django_db(transaction=True)
def test_the_redirect_answers_without_a_query_and_the_click_is_stored_a_moment_later(
    sent: tuple[Sendable, Campaign, Contact], settings: Any
) -> None:
    from tracking.recorder import recorder

    sendable, _campaign, anna = sent
    (received,) = sendable.received_by("anna@example.org")
    link = hrefs(html_part(received.raw))[0]
    path = link.removeprefix("https://mail.consentry.test")
    settings.TRACKING_FLUSH_MS = 50
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, HTTP_USER_AGENT=BROWSER)
    assert answer.status_code == 302
    assert answer["Location"] == "https://shop.example/herbst?a=1&b=2"
    assert len(queries) == 0, [q["sql"] for q in queries]
    try:
        assert wait_for(lambda: stored(anna) == 1)
    finally:
        recorder.stop()


def test_a_web_process_that_exits_stores_its_buffer(
    sent: tuple[Sendable, Campaign, Contact], transactional_db: Any, tmp_path: Path
) -> None:
    """A process ends (gunicorn's graceful stop runs the interpreter's exit): the events of
    its last interval are stored, though the interval (a minute) never came round."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        pytest.skip("the in-memory test database cannot be opened by a second process")
    _sendable, campaign, anna = sent
    entry = entry_of(campaign, "anna@example.org")
    script = (
        "import django; django.setup()\n"
        "from django.utils import timezone\n"
        "from tracking.recorder import Event, recorder\n"
        "now = timezone.now()\n"
        f"recorder.add(Event({entry}, 'click', 'https://shop.example/garten', now, ''))\n"
        f"recorder.add(Event({entry}, 'open', '', now, ''))\n"
    )
    env = {
        **os.environ,
        "CONSENTRY_TRACKING_FLUSH_MS": "60000",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **_database_env(),
    }
    subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert stored(anna) == 2


def _database_env() -> dict[str, str]:
    """The test database as the child process must name it."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        return {"DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{name}"}
    return {"DATABASE_URL": f"sqlite:///{name}"}


def test_a_messages_events_stop_at_the_cap_however_often_its_link_is_replayed(
    held: tuple[Recorder, int, Contact],
) -> None:
    from tracking.recorder import MAX_EVENTS_PER_MESSAGE

    recorder, entry, anna = held
    for _ in range(MAX_EVENTS_PER_MESSAGE + 20):
        recorder.add(click(entry))
    recorder.stop()
    assert stored(anna) == MAX_EVENTS_PER_MESSAGE
