"""Request bodies are bounded: refused by their Content-Length with 413, never read."""

from __future__ import annotations

import os
import signal
import socket
from typing import Any

from django.test import Client

from config.tests.test_up import _free_port, _start, wait_for_port

TEN_GB = str(10 * 1024**3)


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def _post(
    client: Client, path: str, length: str, content_type: str = "application/x-www-form-urlencoded"
) -> Any:
    return client.generic(
        "POST",
        path,
        b"",
        content_type=content_type,
        **{"CONTENT_LENGTH": length, "wsgi.input": Unreadable()},
    )


def test_an_anonymous_login_post_of_ten_gigabytes_is_refused_unread(db: Any) -> None:
    response = _post(Client(), "/login/", TEN_GB)
    assert response.status_code == 413
    assert b"too large" in response.content
    german = _post(Client(HTTP_ACCEPT_LANGUAGE="de"), "/login/", TEN_GB)
    assert "zu groß" in german.content.decode()
    assert b"too large" in _post(Client(), "/login/", TEN_GB).content


def test_a_form_over_the_small_limit_is_refused(db: Any, settings: Any) -> None:
    response = _post(Client(), "/login/", str(settings.MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413


def test_an_import_upload_over_its_limit_gets_the_api_json_error(db: Any, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 5 * 1024 * 1024
    response = _post(
        Client(),
        "/api/v1/imports",
        str(settings.IMPORT_MAX_BYTES + 1),
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "too_large"
    assert str(settings.IMPORT_MAX_BYTES) in body["details"][0]


def test_an_import_upload_may_be_larger_than_a_form(world: Any, settings: Any) -> None:
    """Between the form limit and the import limit the upload reaches the view (here the
    API key is missing, so 401: the size was not what refused it)."""
    length = str(settings.MAX_REQUEST_BYTES + 1)
    response = Client().generic(
        "POST",
        "/api/v1/imports",
        b"x" * (settings.MAX_REQUEST_BYTES + 1),
        content_type="application/octet-stream",
        CONTENT_LENGTH=length,
    )
    assert response.status_code == 401


def test_api_json_over_the_small_limit_is_refused(db: Any, settings: Any) -> None:
    response = _post(Client(), "/api/v1/contacts", str(settings.MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_a_malformed_content_length_is_refused(db: Any) -> None:
    assert _post(Client(), "/login/", "lots").status_code == 413


def test_the_web_server_refuses_early_and_bounds_headers(settings: Any) -> None:
    """Through gunicorn as `consentry up` starts it: a 10 GB login post is answered at
    once, without sending its body; a header over the limit gets gunicorn's 431."""
    from config.management.commands.up import LIMIT_REQUEST_FIELD_SIZE, web_command

    port = _free_port()
    settings.LISTEN, settings.WEB_WORKERS = f"127.0.0.1:{port}", 1
    proc = _start(web_command())
    try:
        wait_for_port(port)

        def exchange(head: bytes) -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(head)
                return sock.recv(65536)

        answer = exchange(
            b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + TEN_GB.encode() + b"\r\n\r\n"
        )
        assert answer.startswith(b"HTTP/1.1 413")
        big = b"a" * (LIMIT_REQUEST_FIELD_SIZE + 10)
        answer = exchange(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + big + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
