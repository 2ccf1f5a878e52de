"""A contact added by hand is a one-row import (CONSENT-1/2, IMPORT-2/3/5/7/8).

The web page, the API and the CLI add a contact through `add_contact`: the same source
catalogue with its proof fields, the same two attestations recorded with their wording,
actor and IP, the same row rules (syntax, role address, platform suppression in any case,
the existing customer's 6-month window, an existing contact's state kept) and the same
evidence as an import of a file, into each chosen list. Refused, it leaves nothing: no
contact, no import, no file. Double opt-in cannot be asserted by hand: that address gets a
confirmation mail instead (consent.doi, `subscribe` on the API and the CLI).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from contacts.models import Contact
from contacts.selectors import contact_by_address
from core.actors import Actor
from core.addresses import normalise_address
from core.errors import Conflict, InvalidInput, RuleViolation
from imports import reports, services
from imports.models import ImportJob
from imports.rules import CATALOGUE, Outcome, reason_text

if TYPE_CHECKING:
    from accounts.models import Account
    from contacts.models import List

FILE_NAME = "added by hand"
HAND_SOURCES = tuple(
    k for k, s in CATALOGUE.items() if s.basis is not None and k != "double_opt_in"
)


class Refused(RuleViolation):
    """The row was rejected: `message` says why, as the import report would."""


def add_contact(
    account: Account,
    lists: Sequence[List],
    address: str,
    *,
    actor: Actor,
    source: str,
    attested: Collection[str],
    user: Any = None,
    first_name: str = "",
    last_name: str = "",
    fields: Mapping[str, str] | None = None,
    last_contact: date | None = None,
    product_category: str = "",
    evidence_ref: str = "",
    sponsors: Sequence[str] = (),
) -> Contact:
    """One row imported into each list, all or nothing; returns the new contact."""
    normalise_address(address)  # a clear error for a malformed address, before anything
    if source == "double_opt_in":
        raise RuleViolation(
            _(
                "double opt-in cannot be asserted by hand: subscribe the address instead, "
                "and it is added once the person confirms the mail they receive"
            )
        )
    if account.import_review:
        raise RuleViolation(
            _(
                "the operator reviews this account's imports before their contacts are "
                "written: import the contact as a file, it waits for the operator's release"
            )
        )
    if not lists:
        raise InvalidInput(_("choose the list the contact joins"), details=["lists"])
    missing = [a for a in services.ATTESTATIONS if a not in attested]
    if missing:
        raise RuleViolation(_("confirm both statements before adding a contact"), details=missing)
    if contact_by_address(account, address) is not None:
        # Adding is for new people; an existing contact's page changes its data and lists.
        raise Conflict(_("a contact with this address exists in the account"))
    row = _row(address, first_name, last_name, fields or {}, last_contact)
    jobs: list[ImportJob] = []
    try:
        with transaction.atomic():
            results = [
                _import_row(
                    account,
                    lst,
                    row,
                    jobs,
                    actor=actor,
                    user=user,
                    source=source,
                    product_category=product_category,
                    evidence_ref=evidence_ref,
                    sponsors=sponsors,
                )
                for lst in lists
            ]
            if not any(outcome == Outcome.CREATED for outcome, _reason in results):
                raise Conflict(_("a contact with this address exists in the account"))
            contact = contact_by_address(account, address)
            assert contact is not None
    except BaseException:
        for job in jobs:  # the rows are rolled back; the files that hold the address go too
            _forget_files(job)
        raise
    return contact


def _row(
    address: str,
    first_name: str,
    last_name: str,
    fields: Mapping[str, str],
    last_contact: date | None,
) -> bytes:
    header = ["email", "first_name", "last_name", "last_contact", *fields]
    values = [
        address,
        first_name,
        last_name,
        last_contact.isoformat() if last_contact else "",
        *fields.values(),
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow(values)
    return out.getvalue().encode()


def _import_row(
    account: Account,
    lst: List,
    row: bytes,
    jobs: list[ImportJob],
    *,
    actor: Actor,
    user: Any,
    source: str,
    product_category: str,
    evidence_ref: str,
    sponsors: Sequence[str],
) -> tuple[str, str]:
    job = services.create_import(
        account,
        lst,
        io.BytesIO(row),
        file_name=FILE_NAME,
        actor=actor,
        user=user,
        source=source,
        evidence_ref=evidence_ref,
        sponsors=sponsors,
        product_category=product_category,
        header=True,
    )
    jobs.append(job)
    for which in services.ATTESTATIONS:
        job = services.attest(job, which, actor=actor, confirmed=True)
    services.start_import(job, actor=actor, enqueue=False)
    job = services.run_import(job.pk)
    if job.error:
        raise RuleViolation(job.error)
    ((_row_number, _address, outcome, reason),) = reports.lines(job)
    if outcome == Outcome.REJECTED:
        raise Refused(reason_text(reason))
    return outcome, reason


def _forget_files(job: ImportJob) -> None:
    for name in (job.file_path, job.report_path):
        if name:
            Path(name).unlink(missing_ok=True)
            Path(name).with_suffix(".seen").unlink(missing_ok=True)
