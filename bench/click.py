"""Public endpoint speed (CONSENT-4): the click redirect of tracked links under load.

Run: .venv/bin/python bench/click.py [SECONDS] [CONNECTIONS]
     (a throw-away SQLite database, or DATABASE_URL for PostgreSQL; needs Debian's `wrk`)

Seeds one account with a sent campaign of RECIPIENTS ledger rows whose contacts agreed to
tracking, starts gunicorn as `consentry up` does, then drives it from `wrk` in a second
process: first `GET /healthz` (the bare endpoint of the same server: routing, middleware,
no database), then `GET /t/c/<token>?u=<URL>` over a different recipient's signed link per
request, each checked, recorded as a click and answered with its 302. Prints requests/s
and p99 of both and the share of the bare rate (target at least 50 %).
"""

from __future__ import annotations

from urllib.parse import quote

# bench/one_click.py sets up Django on a throw-away database (its directory is the
# script's, first on the path) and lends its server and wrk helpers.
from one_click import RECIPIENTS, run_bench

TARGET_URL = "https://shop.example/angebot?utm_source=newsletter&utm_campaign=herbst"

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i * 7919) %% #paths + 1])
end
"""


def seed() -> list[str]:
    """The sent campaign of bench/one_click.py, tracked, its contacts consenting; the
    path of every row's signed link."""
    from seeding import sent_campaign

    from campaigns.models import Campaign
    from carrier.tokens import make_link_token
    from contacts.models import Contact

    contacts, entries = sent_campaign(RECIPIENTS, ["example.org"])
    Contact.objects.filter(pk__in=[c.pk for c in contacts]).update(
        tracking_consent=True, tracking_basis="import"
    )
    Campaign.objects.filter(pk=entries[0].campaign_id).update(tracking=True)
    target = quote(TARGET_URL, safe="")
    return [f"/t/c/{make_link_token(e.pk, TARGET_URL)}?u={target}" for e in entries]


def main() -> None:
    def recorded() -> str:
        from tracking.models import TrackingEvent

        return f"clicks recorded during the run: {TrackingEvent.objects.count()}"

    run_bench(seed, LUA, "GET /t/c/<token>?u= click redirect:", recorded)


if __name__ == "__main__":
    main()
