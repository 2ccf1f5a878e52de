"""A WSGI application whose one answer takes longer than a web worker's timeout in
config/tests/test_up.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

SECONDS = 3.0


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    time.sleep(SECONDS)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"slow but whole"]
