"""Import fixtures: alice's account with a verified sender domain (IMPORT-1), and a
helper that runs a whole import through the services, as the three doors do."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contacts.testing import SYSTEM
from domains import services as domains
from domains.rules import DomainStatus
from domains.testing import TestDnsServer
from domains.tests.conftest import platform, publish  # noqa: F401
from imports import services
from imports.models import ImportJob


@pytest.fixture
def verified(world: Any, platform: TestDnsServer, settings: Any, tmp_path: Path) -> Any:  # noqa: F811
    """alice's account can import: active, with a verified sender domain."""
    settings.VAR_DIR = tmp_path
    domain = domains.add_domain(world.alice_account, "news.alice.example", actor=SYSTEM)
    publish(platform, domain)
    assert domains.check_domain(domain, actor=SYSTEM).status == DomainStatus.VERIFIED
    return world


def run(
    world: Any, content: bytes | str, *, name: str = "contacts.csv", **kwargs: Any
) -> ImportJob:
    """Create, attest both, start and run an import of `content` for alice."""
    data = content.encode() if isinstance(content, str) else content
    kwargs.setdefault("source", "double_opt_in")
    job = services.create_import(
        world.alice_account,
        kwargs.pop("lst", world.alice_list),
        io.BytesIO(data),
        file_name=name,
        actor=SYSTEM,
        **kwargs,
    )
    for which in services.ATTESTATIONS:
        job = services.attest(job, which, actor=SYSTEM, confirmed=True)
    job = services.start_import(job, actor=SYSTEM)
    job.refresh_from_db()
    return job


def draft(world: Any, content: str, **kwargs: Any) -> ImportJob:
    """An import of `content` for alice, uploaded and inspected, not attested."""
    return services.create_import(
        world.alice_account,
        world.alice_list,
        io.BytesIO(content.encode()),
        file_name="r.csv",
        actor=SYSTEM,
        source="double_opt_in",
        **kwargs,
    )


def started(world: Any, content: str) -> ImportJob:
    """An import of `content` (no header row) for alice, attested and queued, not run."""
    job = draft(world, content, header=False)
    for which in services.ATTESTATIONS:
        services.attest(job, which, actor=SYSTEM, confirmed=True)
    return services.start_import(job, actor=SYSTEM, enqueue=False)


def dying_on_call(function: Callable[..., Any], number: int) -> Callable[..., Any]:
    """`function`, except that its `number`th call raises as a worker that died would."""
    from core.errors import InvalidInput

    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == number:
            raise InvalidInput("the worker died")
        return function(*args, **kwargs)

    return wrapper
