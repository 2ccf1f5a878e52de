"""The operator dashboard's speed (issue 21, item 4) with a large platform, on PostgreSQL.

Run: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/operator.py
     [--accounts 1000] [--ledger 10000000] [--campaigns 10]
     (an empty database, migrated here; seeded once by SQL `generate_series`: a second run
     on the same database reuses the rows)

Seeds ACCOUNTS accounts (some pending, some suspended), each with CAMPAIGNS finished sends
to its LEDGER / (ACCOUNTS * CAMPAIGNS) contacts over the last 30 days (addresses spread
over eight mailbox providers), 1 % of the messages hard-bounced and 0.1 % complained
about. Then it times the background count of the daily figures (governance.figures, once
for 30 days and as every five minutes: today and yesterday), and the dashboard itself:
GET /console/ as an operator, and GET /api/v1/operator/dashboard, best and median of 7.
For comparison it times the one count the dashboard would need without the figures:
today's messages, straight from the ledger.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-ops-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from pg_timing import PROVIDERS, insert_rows, rows, scalar, sql, timed  # noqa: E402

from accounts.models import Account  # noqa: E402
from campaigns.models import Campaign  # noqa: E402
from contacts.models import Contact  # noqa: E402
from delivery.models import SendLedgerEntry  # noqa: E402
from feedback.models import FeedbackEvent  # noqa: E402

LIMIT = 1.0  # seconds: "well under a second"


def seed(accounts: int, ledger: int, campaigns: int) -> None:
    per_account = max(1, ledger // (accounts * campaigns))
    started = time.perf_counter()
    insert_rows(
        Account,
        {
            "slug": "'bench-' || g",
            "name": "'Bench ' || g",
            "review_state": "CASE WHEN g %% 50 = 0 THEN 'suspended'"
            " WHEN g %% 20 = 0 THEN 'pending' ELSE 'active' END",
            "created_at": "now()",
        },
        "generate_series(1, %s) g",
        source_params=[accounts],
    )
    insert_rows(
        Contact,
        {
            "account_id": "a.id",
            "address": "'r' || g || '@' || (%s::text[])[1 + g %% %s]",
            "address_hash": "md5(a.id || ':' || g)",
            "status": "'A'",
            "legal_basis": "'double_opt_in'",
            "created_at": "now()",
            "status_changed_at": "now()",
        },
        "accounts_account a, generate_series(1, %s) g WHERE a.slug LIKE 'bench-%%'",
        [PROVIDERS, len(PROVIDERS)],
        [per_account],
    )
    # Campaign k of each account went out k * 3 days ago (campaign 0 today).
    insert_rows(
        Campaign,
        {
            "account_id": "a.id",
            "name": "'Send ' || k",
            "subject": "'Send ' || k",
            "from_name": "'Bench'",
            "from_address": "'news@bench.example'",
            "html": "'x'",
            "kind": "'marketing'",
            "language": "'de'",
            "state": "'finished'",
            "created_at": "now()",
            "updated_at": "now()",
            "started_at": "now() - make_interval(days => k * 3)",
        },
        "accounts_account a, generate_series(0, %s) k WHERE a.slug LIKE 'bench-%%'",
        source_params=[campaigns - 1],
    )
    print(f"accounts, contacts, campaigns: {time.perf_counter() - started:.1f} s", flush=True)
    ids = [row[0] for row in rows("SELECT id FROM accounts_account WHERE slug LIKE 'bench-%'")]
    step = max(1, len(ids) // 10)
    for start in range(0, len(ids), step):
        chunk = ids[start : start + step]
        insert_rows(
            SendLedgerEntry,
            {
                "campaign_id": "c.id",
                "contact_id": "ct.id",
                "batch": "0",
                "state": "'sent'",
                "attempts": "1",
                "reply": "'250 ok'",
                "created_at": "c.started_at",
                "updated_at": "c.started_at",
                "sent_at": "c.started_at + make_interval(secs => random() * 7200)",
            },
            "campaigns_campaign c JOIN contacts_contact ct ON ct.account_id = c.account_id"
            " WHERE c.account_id = ANY(%s)",
            source_params=[chunk],
        )
        print(
            f"ledger: accounts {start + len(chunk)}/{len(ids)}, "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    insert_rows(
        FeedbackEvent,
        {
            "kind": "CASE WHEN e.id %% 100 = 0 THEN 'bounce' ELSE 'complaint' END",
            "status": "'5.1.1'",
            "reason": "'user_unknown'",
            "hard": "e.id %% 100 = 0",
            "created_at": "e.sent_at + interval '1 hour'",
            "account_id": "c.account_id",
            "campaign_id": "e.campaign_id",
            "contact_id": "e.contact_id",
            "entry_id": "e.id",
        },
        "delivery_sendledgerentry e JOIN campaigns_campaign c ON c.id = e.campaign_id"
        " WHERE e.id %% 100 = 0 OR e.id %% 1000 = 7",
    )
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


def finish_sends() -> None:
    """Each send finished two hours after its start, as the send path records it."""
    sql(
        """UPDATE campaigns_campaign
           SET finished_at = started_at + interval '2 hours',
               updated_at = started_at + interval '2 hours'
           WHERE finished_at IS NULL AND from_address = 'news@bench.example'"""
    )
    sql("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--ledger", type=int, default=10_000_000)
    parser.add_argument("--campaigns", type=int, default=10)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("this benchmark runs on PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    from django.conf import settings
    from django.test import Client

    from accounts.services import create_user
    from governance import figures

    settings.ALLOWED_HOSTS = ["*"]
    if not scalar("SELECT count(*) FROM accounts_account WHERE slug LIKE 'bench-%'"):
        seed(args.accounts, args.ledger, args.campaigns)
    finish_sends()
    ledger = scalar("SELECT count(*) FROM delivery_sendledgerentry")
    accounts = scalar("SELECT count(*) FROM accounts_account")
    events = scalar("SELECT count(*) FROM feedback_feedbackevent")
    print(f"{accounts} accounts, {ledger} ledger rows, {events} feedback events", flush=True)

    started = time.perf_counter()
    rows = figures.refresh(days=30)
    print(f"figures for 30 days (once): {time.perf_counter() - started:.1f} s, {rows} rows")
    timed("figures every five minutes (today and yesterday)", figures.refresh, runs=3)

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="bench-operator").first()
    user = user or create_user("bench-operator", "bench", staff=True)
    client = Client()
    client.force_login(user)
    assert client.get("/console/").status_code == 200
    page = timed("GET /console/", lambda: client.get("/console/"))
    api = timed("GET /api/v1/operator/dashboard", lambda: client.get("/api/v1/operator/dashboard"))
    timed(
        "without the figures: today's messages counted in the ledger",
        lambda: scalar(
            "SELECT count(*) FROM delivery_sendledgerentry "
            "WHERE state = 'sent' AND sent_at >= date_trunc('day', now())"
        ),
        runs=3,
    )
    worst = max(page, api)
    verdict = "met" if worst < LIMIT else "NOT met"
    print(f"dashboard median {worst * 1000:.0f} ms, limit {LIMIT * 1000:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
