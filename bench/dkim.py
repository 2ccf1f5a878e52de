"""DKIM signing speed (CONTENT-5): signatures/s of domains.dkim on one core.

Run: .venv/bin/python bench/dkim.py [SECONDS]

Signs a realistic ~20 KB personalised campaign message (a new recipient, unsubscribe
token and Message-ID each time, so nothing is cached) with RSA-2048 for SECONDS (default
3), in this one process, and prints the rate next to `openssl speed -seconds 3 rsa2048`
measured in the same run: OpenSSL's single-core rate of the bare RSA private-key
operation, the limit a signer cannot beat. Both count CPU time of one core (openssl
speed's default), best of five interleaved rounds. Ed25519 is measured too, for reference.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402

from core.bytesearch import accelerated  # noqa: E402
from domains import dkim  # noqa: E402
from domains.rules import DkimAlgorithm  # noqa: E402

TEMPLATE = (ROOT / "domains" / "tests" / "messages" / "campaign.eml").read_bytes()
TARGET = 0.80
ROUNDS = 5


def personalised(i: int) -> bytes:
    """The campaign message for recipient number i: To, Message-ID and token differ."""
    token = f"{i:08x}".encode()
    return (
        TEMPLATE.replace(b"anna.schmidt@example.de", b"r%d@example.de" % i)
        .replace(b"c42.a7.3f9a@", b"c42.a7." + token + b"@")
        .replace(b"3f9a", token)
    )


def sign_rate(algorithm: DkimAlgorithm, seconds: float) -> tuple[float, float, int]:
    """(signatures/s of whole messages, bare key operations/s, message size), both in
    CPU time of this process, as `openssl speed` counts its own (user CPU time)."""
    key = dkim.SigningKey("news.example.com", "cs202611", dkim.generate_private_key(algorithm))
    messages = [personalised(i) for i in range(100)]
    for message in messages[:20]:  # warm up
        dkim.sign_with(message, [key])
    count = 0
    deadline = time.monotonic() + seconds
    start = time.process_time()
    while time.monotonic() < deadline:
        for message in messages:
            dkim.sign_with(message, [key])
        count += len(messages)
    rate = count / (time.process_time() - start)
    # The bare private-key operation on a header block's worth of data, for reference.
    data = b"x" * 900
    sign = (
        (lambda: key.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
        if isinstance(key.private_key, rsa.RSAPrivateKey)
        else (lambda: key.private_key.sign(data))
    )
    bare = 0
    deadline = time.monotonic() + seconds / 3
    start = time.process_time()
    while time.monotonic() < deadline:
        for _ in range(100):
            sign()
        bare += 100
    return rate, bare / (time.process_time() - start), len(messages[0])


def openssl_rate() -> tuple[float, str]:
    """Sign operations/s of `openssl speed -seconds 3 rsa2048` (one core)."""
    done = subprocess.run(
        ["openssl", "speed", "-seconds", "3", "rsa2048"],
        capture_output=True,
        text=True,
        check=True,
    )
    # e.g. "rsa 2048 bits 0.000712s 0.000021s   1404.5  47619.0"
    for line in done.stdout.splitlines():
        match = re.match(r"^rsa\s+2048 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", line.strip())
        if match:
            version = (
                subprocess.run(["openssl", "version"], capture_output=True, text=True, check=True)
                .stdout.split("(")[0]
                .strip()
            )
            return float(match.group(1)), version
    raise SystemExit(f"could not read openssl speed's output:\n{done.stdout}")


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    # One core for all, so the figures compare; best of five interleaved rounds, measured in CPU
    # time like openssl's own, so other work on the machine does not blur the ratio.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    limit = rsa = bare = 0.0
    for _ in range(ROUNDS):
        # Interleaved, so a busy moment of the machine costs both sides alike.
        openssl, version = openssl_rate()
        rate, raw, size = sign_rate(DkimAlgorithm.RSA_SHA256, seconds)
        limit, rsa, bare = max(limit, openssl), max(rsa, rate), max(bare, raw)
    ed_rate, ed_bare, _ = sign_rate(DkimAlgorithm.ED25519_SHA256, seconds)
    share = rsa / limit
    print(f"message: {size} bytes, personalised per recipient, relaxed/relaxed, 16 headers")
    search = "C library strstr" if accelerated() else "CPython's bytes search (no C library found)"
    print(f"body and header searches: {search}")
    print(f"{version}, best of {ROUNDS} rounds, one core:")
    print(f"  openssl speed -seconds 3 rsa2048 (limit):      {limit:8.1f} sign/s")
    print(f"  cryptography, bare RSA-2048 sign (reference):  {bare:8.1f} sign/s")
    print(f"  domains.dkim.sign_with, rsa-sha256:            {rsa:8.1f} signatures/s")
    print(f"  = {share:.1%} of OpenSSL (target at least {TARGET:.0%})")
    print(f"  domains.dkim.sign_with, ed25519-sha256:        {ed_rate:8.1f} signatures/s")
    print(f"  cryptography, bare Ed25519 sign (reference):   {ed_bare:8.1f} sign/s")
    if share < TARGET:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
