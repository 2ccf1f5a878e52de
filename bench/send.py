"""Send speed (SEND-5, issue 6): a personalised, DKIM-signed campaign to Postfix's smtp-sink.

Run: .venv/bin/python bench/send.py [--recipients 100000] [--connections 4]
     [--links 5] [--tracking]   (CONSENT-4: open pixel and signed links for every recipient)
     .venv/bin/python bench/send.py --postgres postgresql://postgres@127.0.0.1:5432/NAME --workers 2

With --postgres the database NAME is dropped and made anew, and --workers separate
`consentry db_worker` processes send the batches (the scale-out mode); the elapsed time
runs to the last ledger row written, and the peak memory is the largest worker's.

In a fresh SQLite database under a temporary directory (or DATABASE_URL's PostgreSQL), it
arranges an active account with its imprint, a sender domain verified against a loopback
DNS server (RSA-2048 key), an admitted list of N confirmed contacts on 50 domains (bulk
inserted: the arrangement is not what is measured) and a ~20 KB personalised campaign.
Then, timed: `start_send` (gate, evidence, the ledger's INSERT … SELECT) and every batch
run by one worker process in this process (`run_batch`, `--connections` SMTP connections)
until the last ledger row is written; peak memory of that phase (VmHWM, reset before it),
and beside it the largest private memory of the message builders the worker forks.

Beside it, in the same run, the two limits:
- `smtp-source` sending N/5 messages of the same size to the same sink with the same
  number of sessions (the SMTP limit);
- `openssl speed -seconds 3 rsa2048` sign/s on one core (the signing limit).
No postfix daemon is started; smtp-sink is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))
SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"
# The verified sender domain campaigns.testing sets up.
DOMAIN = "news.alice-shop.example"

from memory import ChildMemory  # noqa: E402 (bench/, on the path above)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def html_body(links: int = 0) -> str:
    """About 20 KB of HTML with a personal greeting, a custom field and the two tags, and
    `links` web links (each rewritten for a tracked recipient)."""
    paragraph = (
        '<p style="margin:0 0 12px">Unser Herbstangebot f\u00fcr {{ first_name }}: '
        "Gartenm\u00f6bel, Pflanzen und Werkzeug zu Preisen, die Sie so schnell nicht wieder "
        "sehen. Jede Woche neue Angebote \u2014 exklusiv f\u00fcr unsere Abonnenten.</p>\n"
    )
    body = paragraph * 42 + "".join(
        f'<p><a href="https://shop.example/angebot/{n}?utm_source=newsletter">Angebot {n}</a></p>'
        for n in range(links)
    )
    return (
        "<html><head><style>h1 { color: #2a6; font-family: sans-serif; }</style></head><body>"
        "<h1>Hallo {{ first_name }} {{ last_name }}!</h1>"
        f"<p>Ihr Kundennummer: {{{{ fields.customer }}}}</p>{body}"
        '<p><a href="{{ unsubscribe_url }}">Abmelden</a></p>{{ imprint }}</body></html>'
    )


def peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def arrange(recipients: int, *, links: int = 0, tracking: bool = False) -> object:
    from django.core.management import call_command
    from django.utils import timezone

    from accounts import services as accounts
    from accounts.models import ReviewState
    from campaigns import services as campaigns
    from campaigns.testing import set_imprint, verified_domain
    from contacts import services as contacts
    from contacts.models import Contact, Subscription
    from contacts.testing import SYSTEM
    from core.addresses import address_key
    from domains.testing import TestDnsServer
    from policy import services as policy

    call_command("migrate", verbosity=0)
    owner = accounts.create_user("bench", None)
    account = accounts.create_account("Bench GmbH", slug="bench", owner=owner)
    accounts.change_review_state(account, ReviewState.ACTIVE)
    account.refresh_from_db()
    set_imprint(account)
    dns = TestDnsServer()
    dns.start()
    from django.conf import settings

    settings.DNS_RESOLVERS = [dns.address]

    class World:
        alice_account = account

    verified_domain(World, dns, settings)  # type: ignore[arg-type]
    dns.stop()
    lst = contacts.create_list(account, "Bench", actor=SYSTEM)
    contacts.set_list_admission(lst, actor=SYSTEM, admitted=True)
    now = timezone.now()
    step = 5000
    for start in range(0, recipients, step):
        people = [
            Contact(
                account=account,
                address=f"r{i}@d{i % 50}.bench.example",
                address_hash=address_key(f"r{i}@d{i % 50}.bench.example"),
                status="A",
                legal_basis="double_opt_in",
                first_name=f"Name{i}",
                last_name="Muster",
                fields={"customer": f"K-{i:07d}"},
                status_changed_at=now,
                tracking_consent=tracking,
                tracking_basis="import" if tracking else "",
            )
            for i in range(start, min(start + step, recipients))
        ]
        made = Contact.objects.bulk_create(people)
        Subscription.objects.bulk_create(
            [
                Subscription(contact=c, list=lst, state="confirmed", state_changed_at=now)
                for c in made
            ]
        )
    for key, value in (
        ("send.rate_per_second", "1000000"),
        ("send.batch_size", "2000"),
    ):
        policy.set_value(key, value)
    # The 50 domains fall to the default provider group: a rate the send cannot reach, as
    # above, so what is measured is the engine (the shared counters' cost included).
    from policy.models import ProviderGroup

    default = ProviderGroup.objects.get(is_default=True)
    default.per_minute = 10_000_000
    policy.save_provider_group(default)
    return campaigns.create_campaign(
        account,
        actor=SYSTEM,
        lists=[lst],
        name="Bench",
        subject="Herbst bei Bench, {{ first_name }}",
        from_name="Bench GmbH",
        from_address=f"news@{DOMAIN}",
        html=html_body(links),
        tracking=tracking,
    )


def measure_workers(
    campaign: object, connections: int, workers: int
) -> tuple[int, float, int, int]:
    from django.db.models import Max

    from contacts.testing import SYSTEM
    from delivery import sends
    from delivery.models import SendLedgerEntry
    from policy import services as policy

    policy.set_value("send.connections", str(connections))
    policy.set_value("send.domain_concurrency", str(connections))
    started = time.time()
    total = sends.start_send(campaign, actor=SYSTEM, guidelines_confirmed=True)  # type: ignore[arg-type]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "config.cli", "db_worker", "--batch", "--no-startup-delay"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        proc.wait()
    last = SendLedgerEntry.objects.aggregate(last=Max("updated_at"))["last"]
    sent = SendLedgerEntry.objects.filter(campaign=campaign, state="sent").count()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return total, last.timestamp() - started, peak, sent


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def measure_send(campaign: object, connections: int) -> tuple[int, float, int, int]:
    from django.conf import settings

    from contacts.testing import SYSTEM
    from delivery import ledger, sends
    from delivery.models import SendLedgerEntry
    from delivery.sends import run_batch
    from policy import services as policy

    policy.set_value("send.connections", str(connections))
    policy.set_value("send.domain_concurrency", str(connections))
    peak_reset()
    started = time.monotonic()
    total = sends.start_send(campaign, actor=SYSTEM, guidelines_confirmed=True)  # type: ignore[arg-type]
    print(f"start_send (gate, evidence, ledger): {time.monotonic() - started:.1f} s")
    with ChildMemory() as builders:
        for batch in ledger.batches_with_work(campaign):  # type: ignore[arg-type]
            run_batch(campaign.pk, batch)  # type: ignore[attr-defined]
    elapsed = time.monotonic() - started
    print(
        f"message builders (CONSENTRY_SEND_BUILD_PROCESSES={settings.SEND_BUILD_PROCESSES}):"
        f" {builders.peak_kib / 1024:,.0f} MiB of their own at most, beside the worker's peak"
    )
    sent = SendLedgerEntry.objects.filter(campaign=campaign, state="sent").count()
    return total, elapsed, peak_kib(), sent


def message_size(campaign: object) -> int:
    from delivery.ledger import Recipient
    from delivery.plan import plan_for

    plan = plan_for(campaign)  # type: ignore[arg-type]
    recipient = Recipient(
        1, 1, 0, "r1@d1.bench.example", "Name1", "Muster", {"customer": "K"}, "", tracking=True
    )
    return len(plan.build(recipient)[0].raw)


def smtp_source(port: int, sessions: int, count: int, size: int) -> float:
    started = time.monotonic()
    subprocess.run(
        [SOURCE, "-s", str(sessions), "-l", str(size), "-m", str(count), "-f",
         f"news@{DOMAIN}", "-t", "r@d1.bench.example", f"127.0.0.1:{port}"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return count / (time.monotonic() - started)


def openssl_sign_per_second() -> float:
    out = subprocess.run(
        ["openssl", "speed", "-seconds", "3", "rsa2048"], capture_output=True, text=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("rsa 2048"))
    return float(line.split()[-2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to (re)create and use")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL)")
    parser.add_argument("--links", type=int, default=0, help="web links in the body")
    parser.add_argument(
        "--tracking",
        action="store_true",
        help="the campaign tracks and every contact consents: open pixel and rewritten links",
    )
    args = parser.parse_args()
    if args.workers > 1 and not args.postgres:
        sys.exit("several workers need --postgres (on SQLite one worker is the supported mode)")
    if args.postgres:
        recreate_database(args.postgres)
        os.environ["DATABASE_URL"] = args.postgres
        os.environ["CONSENTRY_DB_CONN_MAX_AGE"] = "0"
    for tool in (SINK, SOURCE):
        if not Path(tool).exists():
            sys.exit(f"{tool} is missing: apt-get install postfix (the daemon is not needed)")
    workdir = Path(tempfile.mkdtemp(prefix="consentry-bench-send-"))
    port = free_port()
    os.environ["CONSENTRY_VAR_DIR"] = str(workdir)
    os.environ["CONSENTRY_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["CONSENTRY_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A stop by signal still runs the `finally` below, so smtp-sink never outlives the bench.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sink = subprocess.Popen(
        [SINK, "-m", "1000", "-u", "nobody", f"127.0.0.1:{port}", "1024"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import django

        django.setup()
        campaign = arrange(args.recipients, links=args.links, tracking=args.tracking)
        size = message_size(campaign)
        if args.postgres:
            total, elapsed, peak, sent = measure_workers(campaign, args.connections, args.workers)
        else:
            total, elapsed, peak, sent = measure_send(campaign, args.connections)
        source_rate = smtp_source(port, args.connections, max(args.recipients // 5, 2000), size)
        openssl_rate = openssl_sign_per_second()
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    rate = total / elapsed
    limit = min(source_rate, openssl_rate)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"recipients {total}, sent {sent}, message {size} bytes, {database}, "
          f"{args.workers} worker process(es) with {args.connections} connections each, "
          f"{os.cpu_count()} cores, {args.links} links, "
          f"tracking {'on' if args.tracking else 'off'}")  # fmt: skip
    print(f"send, start to last ledger row: {rate:,.0f} messages/s ({elapsed:.1f} s)")
    print(f"peak memory of the send phase (per worker): {peak / 1024:,.0f} MiB")
    print(f"smtp-source, same size/sink/sessions: {source_rate:,.0f} messages/s (SMTP limit)")
    print(f"openssl speed rsa2048, one core: {openssl_rate:,.0f} sign/s (signing limit)")
    print(f"send / lower limit: {rate / limit:.0%} (target 50 %)")


if __name__ == "__main__":
    main()
