"""The evidence chain: canonical form, link hash, and finding the first broken link. Pure."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FORMAT_VERSION = 1


def canonical(fields: Mapping[str, Any]) -> bytes:
    """One byte string per record, the same on SQLite and PostgreSQL."""
    created: datetime = fields["created_at"]
    sealed: bytes | None = fields["sealed"]
    body = {
        "v": FORMAT_VERSION,
        "account": fields["account_id"],
        "seq": fields["seq"],
        "kind": fields["kind"],
        "contact": fields["contact_id"],
        "created_at": created.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": fields["actor"],
        "source": fields["source"],
        "wording": fields["wording_id"],
        "payload": fields["payload"],
        "sealed": base64.b64encode(bytes(sealed)).decode() if sealed is not None else None,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous record's hash and this record's canonical form."""
    return hashlib.sha256(prev_hash.encode() + canonical(fields)).hexdigest()


def import_digest(leaves: Iterable[tuple[int, int, str, str]]) -> str:
    """SHA-256 over the (row, contact id, keyed address hash, status) of every contact one
    import batch created, in row order. The batch's evidence record carries it; the
    contacts' import pointers must reproduce it, so a changed pointer is detected."""
    digest = hashlib.sha256()
    for row, contact_id, address_hash, status in sorted(leaves):
        digest.update(f"{row}:{contact_id}:{address_hash}:{status}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def first_break(
    records: Iterable[Mapping[str, Any]], *, head_seq: int, head_hash: str
) -> Break | None:
    """Walk one account's records in seq order; None if the chain is whole."""
    expected_seq, prev = 1, GENESIS
    for rec in records:
        seq = rec["seq"]
        if seq != expected_seq:
            return Break(expected_seq, f"record #{expected_seq} is missing (next found is #{seq})")
        if rec["prev_hash"] != prev:
            return Break(seq, f"record #{seq} does not link to the record before it")
        if link_hash(prev, rec) != rec["hash"]:
            return Break(seq, f"record #{seq} was changed after it was written")
        prev, expected_seq = rec["hash"], seq + 1
    if expected_seq - 1 != head_seq or prev != head_hash:
        return Break(
            expected_seq,
            f"records after #{expected_seq - 1} are missing (chain head is #{head_seq})",
        )
    return None


@dataclass(frozen=True)
class SignupFacts:
    """What is known about one form submission when deciding whether to accept it."""

    honeypot_filled: bool
    attempts_from_ip: int
    attempts_for_address: int
    limit_per_ip: int
    limit_per_address: int
    role_address: bool
    suppressed: bool
    confirmation_sent_recently: bool
    already_confirmed: bool
    # ACCOUNT-1: a pending or suspended account's forms send nothing.
    account_may_send: bool = True
    # AUDIT-1 (ii-v): the refusal an address check found besides a role address
    # (consent.doi.ADDRESS_REFUSALS), or empty.
    address_problem: str = ""


def signup_refusal(facts: SignupFacts) -> str | None:
    """FORM-3: the reason a submission is refused, or None to send a confirmation mail.

    The submitter sees the same neutral page either way (no address enumeration)."""
    if not facts.account_may_send:
        return "account_inactive"
    if facts.honeypot_filled:
        return "honeypot"
    if facts.attempts_from_ip >= facts.limit_per_ip:
        return "rate_limit_ip"
    if facts.attempts_for_address >= facts.limit_per_address:
        return "rate_limit_address"
    if facts.role_address:
        return "role_address"
    if facts.address_problem:
        return facts.address_problem
    if facts.suppressed:
        return "suppressed"
    if facts.already_confirmed:
        return "already_confirmed"
    if facts.confirmation_sent_recently:
        return "confirmation_pending"
    return None
