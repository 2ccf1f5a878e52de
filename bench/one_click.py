"""Public endpoint speed (INDUSTRY-2, UNSUB-1): RFC 8058 one-click unsubscribes under load.

Run: .venv/bin/python bench/one_click.py [SECONDS] [CONNECTIONS]
     (a throw-away SQLite database, or DATABASE_URL for PostgreSQL; needs Debian's `wrk`)

Seeds one account with a sent campaign of RECIPIENTS ledger rows, starts gunicorn as
`consentry up` does, then drives it from `wrk` in a second process: first `GET /healthz`
(the bare endpoint of the same server: routing, middleware, no database), then
`POST /u/<token>` with `List-Unsubscribe=One-Click` over a different recipient's token per
request, each of which unsubscribes a contact for real. Prints requests/s and p99 of both
and the share of the bare rate (target at least 50 %).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))
VAR = tempfile.mkdtemp(prefix="consentry-bench-public-")
os.environ.setdefault("CONSENTRY_VAR_DIR", VAR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CONSENTRY_BASE_URL", "http://127.0.0.1:8000")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "60000"))
TARGET = 0.50
# One web process: wrk needs the machine's other core (2 cores here).
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "1"))


def seed() -> list[str]:
    """An account, a list, RECIPIENTS confirmed contacts and a sent campaign's ledger, in
    bulk (the bench measures the endpoint, not the seeding); the tokens of every row."""
    from seeding import sent_campaign

    from carrier.tokens import UNSUBSCRIBE, make_token

    _, entries = sent_campaign(RECIPIENTS, ["example.org"])
    return [make_token(UNSUBSCRIBE, e.pk) for e in entries]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> tuple[float, str]:
    """(requests/s, p99) as wrk reports them; non-2xx answers fail the bench."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw error answers:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    return rate, p99


LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
wrk.method = "POST"
wrk.body = "List-Unsubscribe=One-Click"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i * 7919) %% #paths + 1])
end
"""


def measure(script: Path, seconds: int, connections: int) -> tuple[float, str, float, str]:
    """Start gunicorn as `consentry up` does, then drive it with wrk: the bare endpoint
    first, then the requests of `script`; (bare req/s, its p99, script req/s, its p99)."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.2)
        bare, bare_p99 = wrk(f"{base}/healthz", seconds, connections)
        rate, p99 = wrk(base, seconds, connections, script)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return bare, bare_p99, rate, p99


def run_bench(
    paths_of: Callable[[], list[str]], lua: str, label: str, counted: Callable[[], str]
) -> None:
    """Migrate, seed (`paths_of`: the request paths), measure the bare endpoint and the
    requests `lua` makes of the paths, print both and the share; exit 1 under TARGET."""
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk (apt-get install wrk)")
    call_command("migrate", verbosity=0)
    paths = paths_of()
    random.shuffle(paths)
    listing = Path(VAR) / "paths.txt"
    listing.write_text("".join(f"{p}\n" for p in paths), encoding="ascii")
    script = Path(VAR) / "bench.lua"
    script.write_text(lua % listing, encoding="ascii")
    bare, bare_p99, rate, p99 = measure(script, seconds, connections)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    share = rate / bare
    print(f"{database}, gunicorn with {WORKERS} sync workers, wrk -t2 -c{connections} -d{seconds}s")
    print(f"  GET /healthz (bare, limit):          {bare:8.1f} req/s   p99 {bare_p99}")
    print(f"  {label:<37}{rate:8.1f} req/s   p99 {p99}")
    print(f"  = {share:.1%} of the bare endpoint (target at least {TARGET:.0%})")
    print(f"  {counted()}")
    if share < TARGET:
        raise SystemExit(1)


def main() -> None:
    def unsubscribed() -> str:
        from contacts.models import Subscription

        done = Subscription.objects.filter(state="unsubscribed").count()
        return f"contacts unsubscribed during the run: {done}"

    run_bench(lambda: [f"/u/{t}" for t in seed()], LUA, "POST /u/<token> one-click:", unsubscribed)


if __name__ == "__main__":
    main()
