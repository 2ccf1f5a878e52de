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
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-reports-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from pg_timing import PROVIDERS, insert_rows, rows, scalar, sql, timed  # noqa: E402

from campaigns.models import Campaign  # noqa: E402
from consent.models import Confirmation, EvidenceRecord  # noqa: E402
from contacts.models import Contact, List, Subscription  # noqa: E402
from delivery.models import SendLedgerEntry  # noqa: E402
from feedback.models import FeedbackEvent  # noqa: E402

LIMIT = 1.0  # seconds
SLUG = "bench-reports"


def seed(contacts: int, campaigns: int) -> int:
    from accounts.services import create_account, create_user

    started = time.perf_counter()
    owner = create_user("bench-reports-owner", "bench")
    account = create_account("Bench Reports", slug=SLUG, owner=owner)
    insert_rows(
        List,
        {"account_id": "%s", "name": "'Newsletter'", "language": "'de'", "admitted": "true"},
        "(SELECT 1) one",
        [account.pk],
    )
    list_id = scalar("SELECT id FROM contacts_list WHERE account_id = %s", [account.pk])
    insert_rows(
        Contact,
        {
            "account_id": "%s",
            "address": "'r' || g || '@' || (%s::text[])[1 + g %% %s]",
            "address_hash": "md5('c:' || g)",
            "status": "CASE WHEN g %% 50 = 0 THEN 'U' WHEN g %% 97 = 0 THEN 'B' ELSE 'A' END",
            "legal_basis": "'double_opt_in'",
            "created_at": "now()",
            "status_changed_at": "now()",
        },
        "generate_series(1, %s) g",
        [account.pk, PROVIDERS, len(PROVIDERS)],
        [contacts],
    )
    insert_rows(
        Subscription,
        {
            "contact_id": "id",
            "list_id": "%s",
            "state": "'confirmed'",
            "created_at": "now()",
            "state_changed_at": "now()",
        },
        "contacts_contact WHERE account_id = %s",
        [list_id],
        [account.pk],
    )
    # One creation record per contact: the unsubscribes are found among these.
    insert_rows(
        EvidenceRecord,
        {
            "account_id": "%s",
            "seq": "row_number() OVER (ORDER BY id)",
            "kind": "'contact.created'",
            "contact_id": "id",
            "created_at": "now() - interval '100 days'",
            "actor": "'bench'",
            "payload": """'{"cause": "import"}'""",
            "hash": "md5('e:' || id)",
        },
        "contacts_contact WHERE account_id = %s",
        [account.pk],
        [account.pk],
    )
    # Campaign k went out k * 3 days ago (campaign 0 today) and took two hours.
    insert_rows(
        Campaign,
        {
            "account_id": "%s",
            "name": "'Send ' || k",
            "subject": "'Send ' || k",
            "from_name": "'Bench'",
            "from_address": "'news@bench.example'",
            "html": "'x'",
            "kind": "'regular'",
            "language": "'de'",
            "state": "'finished'",
            "created_at": "now()",
            "updated_at": "now()",
            "started_at": "now() - make_interval(days => k * 3)",
            "finished_at": "now() - make_interval(days => k * 3) + interval '2 hours'",
        },
        "generate_series(0, %s) k",
        [account.pk],
        [campaigns - 1],
    )
    for campaign_id in [
        row[0]
        for row in rows("SELECT id FROM campaigns_campaign WHERE account_id = %s", account.pk)
    ]:
        insert_rows(
            SendLedgerEntry,
            {
                "campaign_id": "c.id",
                "contact_id": "ct.id",
                "batch": "0",
                "state": "CASE WHEN ct.id %% 400 = 3 THEN 'failed' ELSE 'sent' END",
                "attempts": "1",
                "failure_class": "CASE WHEN ct.id %% 400 = 3 THEN 'hard' ELSE '' END",
                "reply": "'250 ok'",
                "created_at": "c.started_at",
                "updated_at": "c.started_at",
                "sent_at": "c.started_at + make_interval(secs => random() * 7200)",
            },
            "campaigns_campaign c JOIN contacts_contact ct ON ct.account_id = c.account_id"
            " WHERE c.id = %s",
            source_params=[campaign_id],
        )
        print(
            f"ledger of campaign {campaign_id}: {time.perf_counter() - started:.0f} s", flush=True
        )
    insert_rows(
        FeedbackEvent,
        {
            "kind": "CASE WHEN e.id %% 1000 = 7 THEN 'complaint' ELSE 'bounce' END",
            "status": "'5.1.1'",
            "reason": "CASE WHEN e.id %% 200 = 1 THEN 'mailbox_full' ELSE 'user_unknown' END",
            "hard": "e.id %% 100 = 0",
            "created_at": "e.sent_at + interval '1 hour'",
            "account_id": "%s",
            "campaign_id": "e.campaign_id",
            "contact_id": "e.contact_id",
            "entry_id": "e.id",
        },
        "delivery_sendledgerentry e JOIN campaigns_campaign c ON c.id = e.campaign_id"
        " WHERE c.account_id = %s AND e.state = 'sent'"
        " AND (e.id %% 100 = 0 OR e.id %% 200 = 1 OR e.id %% 1000 = 7)",
        [account.pk],
        [account.pk],
    )
    base = scalar("SELECT max(seq) FROM consent_evidencerecord WHERE account_id = %s", [account.pk])
    insert_rows(
        EvidenceRecord,
        {
            "account_id": "%s",
            "seq": "%s + row_number() OVER (ORDER BY e.id)",
            "kind": "'unsubscribed'",
            "contact_id": "e.contact_id",
            "created_at": "e.sent_at + interval '2 hours'",
            "actor": "'bench'",
            "payload": "jsonb_build_object('method', CASE WHEN e.id %% 3 = 0 THEN 'page'"
            " ELSE 'one_click' END, 'ref', 'campaign:' || e.campaign_id || ':ledger:' || e.id,"
            " 'everywhere', false, 'lists', '[]'::jsonb)",
            "hash": "md5('u:' || e.id)",
        },
        "delivery_sendledgerentry e JOIN campaigns_campaign c ON c.id = e.campaign_id"
        " WHERE c.account_id = %s AND e.id %% 500 = 11",
        [account.pk, base],
        [account.pk],
    )
    # A signup a minute for 90 days, nine in ten confirmed within the hour.
    insert_rows(
        Confirmation,
        {
            "account_id": "%s",
            "contact_id": "(SELECT min(id) FROM contacts_contact WHERE account_id = %s)",
            "language": "'de'",
            "state": "CASE WHEN g %% 10 = 0 THEN 'expired' ELSE 'confirmed' END",
            "created_contact": "false",
            "created_at": "now() - make_interval(mins => g)",
            "expires_at": "now() - make_interval(mins => g) + interval '2 days'",
            "ended_at": "now() - make_interval(mins => g) + interval '1 hour'",
        },
        "generate_series(1, 90 * 24 * 60) g",
        [account.pk, account.pk],
    )
    # What autovacuum does soon after such a load: the counts read the indexes alone.
    for table in ("delivery_sendledgerentry", "contacts_contact", "feedback_feedbackevent"):
        sql(f"VACUUM ANALYZE {table}")
    sql("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return int(account.pk)


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
    found = rows("SELECT id FROM accounts_account WHERE slug = %s", SLUG)
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
