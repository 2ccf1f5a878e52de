"""The account dashboard and a campaign report (issue 23) with a large account, on
PostgreSQL.

Run: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/reports.py
     [--contacts 100000] [--campaigns 10]
     (an empty database, migrated here; seeded once by SQL `generate_series`: a second run
     on the same database reuses the rows)

Seeds one account with CONTACTS contacts on one list (addresses spread over eight mailbox
providers) and CAMPAIGNS finished sends, each to every contact: 1,000,000 ledger rows at
the defaults. 1 % of the messages hard-bounced, 0.5 % soft-bounced, 0.1 % complained about,
0.2 % unsubscribed through the mail (evidence records with the campaign's reference, next to
one creation record per contact), and a signup a minute over the last 90 days, most of
them confirmed. Then it times, as the account's owner (best and median of 7): the
dashboard (GET /a/<slug>/), the newest campaign's report page, its CSV and
GET /api/v1/campaigns/{id}/report; the dashboard and the page also with an empty cache
(the ledger figures of a send that is over are kept for ten minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-reports-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

LIMIT = 1.0  # seconds
RUNS = 7
SLUG = "bench-reports"
PROVIDERS = [
    "gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "yahoo.com", "orange.fr",
    "example.org",
]  # fmt: skip


def sql(statement: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.fetchone()[0])


def seed(contacts: int, campaigns: int) -> int:
    from accounts.services import create_account, create_user

    started = time.perf_counter()
    owner = create_user("bench-reports-owner", "bench")
    account = create_account("Bench Reports", slug=SLUG, owner=owner)
    sql(
        """INSERT INTO contacts_list (account_id, name, language, description, admitted,
             blocked, admission_override, admission_reason, admission_actor, created_at)
           VALUES (%s, 'Newsletter', 'de', '', true, false, false, '', '', now())""",
        [account.pk],
    )
    list_id = scalar("SELECT id FROM contacts_list WHERE account_id = %s", [account.pk])
    sql(
        """INSERT INTO contacts_contact (account_id, address, address_hash, status, legal_basis,
             first_name, last_name, fields, created_at, status_changed_at, import_status,
             import_hash)
           SELECT %s, 'r' || g || '@' || (%s::text[])[1 + g %% %s], md5('c:' || g),
             CASE WHEN g %% 50 = 0 THEN 'U' WHEN g %% 97 = 0 THEN 'B' ELSE 'A' END,
             'double_opt_in', '', '', '{}', now(), now(), '', ''
           FROM generate_series(1, %s) g""",
        [account.pk, PROVIDERS, len(PROVIDERS), contacts],
    )
    sql(
        """INSERT INTO contacts_subscription (contact_id, list_id, state, created_at,
             state_changed_at)
           SELECT id, %s, 'confirmed', now(), now() FROM contacts_contact
           WHERE account_id = %s""",
        [list_id, account.pk],
    )
    # One creation record per contact: the unsubscribes are found among these.
    sql(
        """INSERT INTO consent_evidencerecord (account_id, seq, kind, contact_id, created_at,
             actor, source, payload, prev_hash, hash)
           SELECT %s, row_number() OVER (ORDER BY id), 'contact.created', id,
             now() - interval '100 days', 'bench', '', '{"cause": "import"}', '', md5('e:' || id)
           FROM contacts_contact WHERE account_id = %s""",
        [account.pk, account.pk],
    )
    # Campaign k went out k * 3 days ago (campaign 0 today) and took two hours.
    sql(
        """INSERT INTO campaigns_campaign (account_id, name, subject, from_name, from_address,
             reply_to, html, text, kind, tracking, language, state, created_at, updated_at,
             started_at, finished_at, pause_reason, paused_for_domain)
           SELECT %s, 'Send ' || k, 'Send ' || k, 'Bench', 'news@bench.example', '', 'x',
             '', 'regular', false, 'de', 'finished', now(), now(),
             now() - make_interval(days => k * 3),
             now() - make_interval(days => k * 3) + interval '2 hours', '', ''
           FROM generate_series(0, %s) k""",
        [account.pk, campaigns - 1],
    )
    for campaign_id in [
        row[0]
        for row in _rows("SELECT id FROM campaigns_campaign WHERE account_id = %s", account.pk)
    ]:
        sql(
            """INSERT INTO delivery_sendledgerentry (campaign_id, contact_id, batch, state,
                 lease_owner, attempts, failure_class, reply, queue_id, message_id,
                 created_at, updated_at, sent_at)
               SELECT c.id, ct.id, 0, CASE WHEN ct.id %% 400 = 3 THEN 'failed' ELSE 'sent' END,
                 '', 1, CASE WHEN ct.id %% 400 = 3 THEN 'hard' ELSE '' END, '250 ok', '', '',
                 c.started_at, c.started_at,
                 c.started_at + make_interval(secs => random() * 7200)
               FROM campaigns_campaign c JOIN contacts_contact ct ON ct.account_id = c.account_id
               WHERE c.id = %s""",
            [campaign_id],
        )
        print(
            f"ledger of campaign {campaign_id}: {time.perf_counter() - started:.0f} s", flush=True
        )
    sql(
        """INSERT INTO feedback_feedbackevent (kind, status, reason, hard, sender_side, isp,
             diagnostic, created_at, account_id, campaign_id, contact_id, entry_id)
           SELECT CASE WHEN e.id %% 1000 = 7 THEN 'complaint' ELSE 'bounce' END,
             '5.1.1', CASE WHEN e.id %% 200 = 1 THEN 'mailbox_full' ELSE 'user_unknown' END,
             e.id %% 100 = 0, false, '', '',
             e.sent_at + interval '1 hour', %s, e.campaign_id, e.contact_id, e.id
           FROM delivery_sendledgerentry e JOIN campaigns_campaign c ON c.id = e.campaign_id
           WHERE c.account_id = %s AND e.state = 'sent'
             AND (e.id %% 100 = 0 OR e.id %% 200 = 1 OR e.id %% 1000 = 7)""",
        [account.pk, account.pk],
    )
    base = scalar("SELECT max(seq) FROM consent_evidencerecord WHERE account_id = %s", [account.pk])
    sql(
        """INSERT INTO consent_evidencerecord (account_id, seq, kind, contact_id, created_at,
             actor, source, payload, prev_hash, hash)
           SELECT %s, %s + row_number() OVER (ORDER BY e.id), 'unsubscribed', e.contact_id,
             e.sent_at + interval '2 hours', 'bench', '',
             jsonb_build_object('method', CASE WHEN e.id %% 3 = 0 THEN 'page' ELSE 'one_click'
               END, 'ref', 'campaign:' || e.campaign_id || ':ledger:' || e.id,
               'everywhere', false, 'lists', '[]'::jsonb), '', md5('u:' || e.id)
           FROM delivery_sendledgerentry e JOIN campaigns_campaign c ON c.id = e.campaign_id
           WHERE c.account_id = %s AND e.id %% 500 = 11""",
        [account.pk, base, account.pk],
    )
    # A signup a minute for 90 days, nine in ten confirmed within the hour.
    sql(
        """INSERT INTO consent_confirmation (account_id, contact_id, language, state,
             created_contact, message_id, created_at, expires_at, ended_at, send_error)
           SELECT %s, (SELECT min(id) FROM contacts_contact WHERE account_id = %s), 'de',
             CASE WHEN g %% 10 = 0 THEN 'expired' ELSE 'confirmed' END, false, '',
             now() - make_interval(mins => g), now() - make_interval(mins => g) + interval '2 days',
             now() - make_interval(mins => g) + interval '1 hour', ''
           FROM generate_series(1, 90 * 24 * 60) g""",
        [account.pk, account.pk],
    )
    # What autovacuum does soon after such a load: the counts read the indexes alone.
    for table in ("delivery_sendledgerentry", "contacts_contact", "feedback_feedbackevent"):
        sql(f"VACUUM ANALYZE {table}")
    sql("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return int(account.pk)


def _rows(statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
        return list(cursor.fetchall())


def timed(label: str, work: Callable[[], object], runs: int = RUNS) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    best, median = min(seconds), statistics.median(seconds)
    print(f"{label}: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms", flush=True)
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=10)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.services import create_api_key

    settings.ALLOWED_HOSTS = ["*"]
    found = _rows("SELECT id FROM accounts_account WHERE slug = %s", SLUG)
    account_id = int(found[0][0]) if found else seed(args.contacts, args.campaigns)
    contacts = scalar("SELECT count(*) FROM contacts_contact WHERE account_id = %s", [account_id])
    ledger = scalar("SELECT count(*) FROM delivery_sendledgerentry")
    evidence = scalar("SELECT count(*) FROM consent_evidencerecord")
    print(f"{contacts} contacts, {ledger} ledger rows, {evidence} evidence records", flush=True)
    newest = scalar(
        "SELECT id FROM campaigns_campaign WHERE account_id = %s ORDER BY started_at DESC LIMIT 1",
        [account_id],
    )
    owner = get_user_model().objects.get(username="bench-reports-owner")
    client = Client()
    client.force_login(owner)
    from accounts.models import Account

    key = create_api_key(Account.objects.get(pk=account_id), "bench")[1]
    report = f"/a/{SLUG}/campaigns/{newest}/report/"
    for url in (f"/a/{SLUG}/", report):
        assert client.get(url).status_code == 200, url
    from django.core.cache import cache

    def cold(url: str) -> Callable[[], object]:
        return lambda: (cache.clear(), client.get(url))

    results = [
        timed(f"GET /a/{SLUG}/ (dashboard), cold cache", cold(f"/a/{SLUG}/")),
        timed("GET the newest campaign's report page, cold cache", cold(report)),
        timed(f"GET /a/{SLUG}/ (dashboard)", lambda: client.get(f"/a/{SLUG}/")),
        timed("GET the newest campaign's report page", lambda: client.get(report)),
        timed("GET its CSV", lambda: client.get(report.replace("/report/", "/report.csv"))),
        timed(
            "GET /api/v1/campaigns/{id}/report",
            lambda: client.get(
                f"/api/v1/campaigns/{newest}/report", HTTP_AUTHORIZATION=f"Bearer {key}"
            ),
        ),
    ]
    worst = max(results)
    verdict = "met" if worst < LIMIT else "NOT met"
    print(f"slowest median {worst * 1000:.0f} ms, limit {LIMIT * 1000:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
