"""The operator's untrusted list (IMPORT-5, IMPORT-11): its write path, beside
contacts.services (which keeps `suppress`, feedback's door to the same list).

Addresses are kept only as their keyed hash (core.addresses); a whole domain is kept
IDNA-encoded and lower case and covers that domain, not its subdomains. The admin, the
operator API and `consentry suppression` call these functions and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from contacts.models import SuppressedDomain, Suppression, SuppressionReason
from contacts.rules import parse_untrusted
from core.addresses import address_key, address_keyer
from core.audit import record_operator_action
from core.errors import InvalidInput, NotFound
from core.text import clean_text

log = logging.getLogger(__name__)


def _reason(reason: str) -> str:
    if reason not in SuppressionReason.values:
        raise InvalidInput(
            f"reason: one of {', '.join(SuppressionReason.values)}, not {reason[:40]!r}"
        )
    return reason


@transaction.atomic
def add(
    entry: str, reason: str, *, source: str, note: str = ""
) -> tuple[Suppression | SuppressedDomain, bool]:
    """IMPORT-11: the operator puts an address or a whole domain (`@example.de`) on the
    untrusted list. Returns the entry and whether it is new; an entry already there with
    that reason is kept as it was (first source, first date)."""
    parsed = parse_untrusted(entry)
    _reason(reason)
    values = {
        "note": clean_text(note, field="note", max_length=200),
        "source": clean_text(source, field="source", max_length=120),
    }
    row: Suppression | SuppressedDomain
    if parsed.domain:
        row, created = SuppressedDomain.objects.get_or_create(
            domain=parsed.domain, reason=reason, defaults=values
        )
    else:
        row, created = Suppression.objects.get_or_create(
            address_hash=address_key(parsed.address), reason=reason, defaults=values
        )
    if created:
        # No address in the log: only the keyed hash of one is kept anywhere.
        log.info("untrusted list: %s added by %s", row, values["source"])
        record_operator_action(
            values["source"], "suppression_add", row, values["note"], detail={"reason": reason}
        )
    return row, created


MAX_FEED_ENTRIES = 1_000_000
FEED_CHUNK = 1000
MAX_LINE = 1000


def load(lines: Iterable[str], reason: str, *, source: str, note: str = "") -> tuple[int, int]:
    """IMPORT-11: a feed of addresses and `@domain`s, one a line (blank lines and `#`
    comments skipped), loaded all or nothing: a bad line refuses the whole feed, naming
    each bad line. Returns (added, already on the list)."""
    _reason(reason)
    values = {
        "note": clean_text(note, field="note", max_length=200),
        "source": clean_text(source, field="source", max_length=120),
    }
    key = address_keyer()
    hashes: set[str] = set()
    domains: set[str] = set()
    errors: list[str] = []
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            errors.append(f"line {number}: longer than {MAX_LINE} characters")
            continue
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if len(hashes) + len(domains) >= MAX_FEED_ENTRIES:
            raise InvalidInput(f"a feed holds at most {MAX_FEED_ENTRIES} entries")
        try:
            parsed = parse_untrusted(text)
        except InvalidInput as exc:
            errors.append(f"line {number}: {exc.message}")
            continue
        if parsed.domain:
            domains.add(parsed.domain)
        else:
            hashes.add(key(parsed.address))
    if errors:
        raise InvalidInput(
            f"{len(errors)} lines are not an address or an @domain; nothing was loaded",
            details=errors[:50],
        )
    with transaction.atomic():
        added = _add_new(Suppression, "address_hash", hashes, reason, values)
        added += _add_new(SuppressedDomain, "domain", domains, reason, values)
        record_operator_action(
            values["source"],
            "suppression_add",
            f"feed of {len(hashes) + len(domains)} entries",
            values["note"],
            detail={"reason": reason, "added": added},
        )
    log.info("untrusted list: %d entries loaded (%s) by %s", added, reason, values["source"])
    return added, len(hashes) + len(domains) - added


def _add_new(
    model: type[Suppression] | type[SuppressedDomain],
    field: str,
    keys: set[str],
    reason: str,
    values: dict[str, str],
) -> int:
    """Insert the entries of `keys` not on the list for `reason` yet, a chunk at a time;
    returns how many were new."""
    added = 0
    for chunk in _chunks(sorted(keys)):
        there = model.objects.filter(**{f"{field}__in": chunk, "reason": reason})
        known = set(there.values_list(field, flat=True))
        new = [model(**{field: key}, reason=reason, **values) for key in chunk if key not in known]
        model.objects.bulk_create(new, ignore_conflicts=True)  # type: ignore[arg-type]
        added += len(new)
    return added


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), FEED_CHUNK):
        yield items[start : start + FEED_CHUNK]


@transaction.atomic
def remove(entry: str, *, by: str, reason: str = "", note: str = "") -> int:
    """The operator takes an address or a domain off the untrusted list (every reason, or
    only `reason`): it is let in again. NotFound if nothing matched. `note` says why."""
    parsed = parse_untrusted(entry)
    rows = (
        SuppressedDomain.objects.filter(domain=parsed.domain)
        if parsed.domain
        else Suppression.objects.filter(address_hash=address_key(parsed.address))
    )
    if reason:
        rows = rows.filter(reason=reason)
    removed = [str(row) for row in rows]
    if not removed:
        raise NotFound(f"{parsed.label} is not on the untrusted list")
    rows.delete()
    log.info("untrusted list: %s removed by %s", ", ".join(removed), by)
    record_operator_action(
        by, "suppression_remove", ", ".join(removed), note, detail={"reason": reason or "all"}
    )
    return len(removed)


@transaction.atomic
def remove_rows(rows: Iterable[Suppression | SuppressedDomain], *, by: str, note: str = "") -> int:
    """The admin's delete: the chosen entries leave the untrusted list."""
    removed = 0
    for row in rows:
        log.info("untrusted list: %s removed by %s", row, by)
        record_operator_action(by, "suppression_remove", row, note, detail={"reason": row.reason})
        row.delete()
        removed += 1
    return removed
