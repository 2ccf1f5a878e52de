"""Background entry points for sender domains (run by `consentry worker`)."""

from __future__ import annotations

from django_tasks import task

from domains import services


@task()
def recheck_verified_domains() -> dict[str, int]:
    """DOMAIN-1: recheck verified domains; one that stops passing blocks its sends.

    Enqueued by `consentry scheduler` (core.periodic); returns counts per resulting status.
    """
    return services.recheck_verified_domains()
