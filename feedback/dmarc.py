"""DMARC aggregate reports (RFC 7489 §7.2) sent to dmarc@ the platform's inbound host, which
the DMARC record each sender domain is told to publish names in rua=.

A report is an XML file, most often zipped or gzipped, attached to a mail. It is read
with bounded sizes (a compressed file may unpack to far more) and without DTDs or entities;
what it says is summed up: who reported, for which domain and days, how many messages,
how many of them passed DKIM or SPF as DMARC evaluated them. The mail itself is kept as the
inbound message. Pure: no database.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from typing import IO
from xml.etree import ElementTree

MAX_XML_BYTES = 5 * 1024 * 1024
XML_TYPES = {"text/xml", "application/xml"}
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
GZIP_TYPES = {"application/gzip", "application/x-gzip"}


@dataclass(frozen=True)
class AggregateReport:
    org: str
    report_id: str
    domain: str
    begin: datetime | None
    end: datetime | None
    messages: int
    passing: int

    def summary(self) -> str:
        days = ""
        if self.begin and self.end:
            days = f" {self.begin:%Y-%m-%d} to {self.end:%Y-%m-%d}"
        return (
            f"DMARC aggregate report from {self.org or 'an unnamed reporter'} for "
            f"{self.domain}{days}: {self.messages} messages, {self.passing} passed DKIM or SPF"
        )


def _bounded(stream: IO[bytes] | gzip.GzipFile) -> bytes:
    data = stream.read(MAX_XML_BYTES + 1)
    if data is None or len(data) > MAX_XML_BYTES:
        raise ValueError(f"the report unpacks to more than {MAX_XML_BYTES} bytes")
    return bytes(data)


def _xml_of(content_type: str, filename: str, payload: bytes) -> bytes | None:
    name = filename.lower()
    if content_type in ZIP_TYPES or name.endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".xml")]
                if not members:
                    raise ValueError("the zip file holds no XML file")
                with archive.open(members[0]) as member:
                    return _bounded(member)
        except zipfile.BadZipFile as exc:
            raise ValueError(f"not a zip file: {exc}") from None
    if content_type in GZIP_TYPES or name.endswith((".gz", ".gzip")):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(payload)) as unpacked:
                return _bounded(unpacked)
        except (OSError, EOFError) as exc:
            raise ValueError(f"not a gzip file: {exc}") from None
    if content_type in XML_TYPES or name.endswith(".xml"):
        return payload[: MAX_XML_BYTES + 1]
    return None


def _text(node: ElementTree.Element | None, path: str) -> str:
    found = node.find(path) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _when(value: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_report_xml(xml: bytes) -> AggregateReport:
    if len(xml) > MAX_XML_BYTES:
        raise ValueError(f"the report is larger than {MAX_XML_BYTES} bytes")
    if b"<!DOCTYPE" in xml.upper() or b"<!ENTITY" in xml.upper():
        raise ValueError("a report with a DTD or entities is refused")
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 (no DTD, no entities: checked above)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag.rpartition("}")[2] != "feedback":
        raise ValueError(f"not a DMARC aggregate report (root element {root.tag!r})")
    # DMARCbis reports carry a namespace: match on local names.
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    messages = passing = 0
    for record in root.findall("record"):
        try:
            count = int(_text(record, "row/count") or "0")
        except ValueError:
            raise ValueError("a record's count is not a number") from None
        messages += count
        evaluated = record.find("row/policy_evaluated")
        if "pass" in (_text(evaluated, "dkim"), _text(evaluated, "spf")):
            passing += count
    domain = _text(root, "policy_published/domain").lower()
    if not domain:
        raise ValueError("the report names no domain (policy_published/domain)")
    return AggregateReport(
        org=_text(root, "report_metadata/org_name")[:200],
        report_id=_text(root, "report_metadata/report_id")[:200],
        domain=domain[:253],
        begin=_when(_text(root, "report_metadata/date_range/begin")),
        end=_when(_text(root, "report_metadata/date_range/end")),
        messages=messages,
        passing=passing,
    )


def read_aggregate_report(raw: bytes) -> AggregateReport:
    """The report a mail carries; ValueError saying why when it carries none we can read."""
    message = message_from_bytes(raw, policy=email_policy.default)
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        xml = _xml_of(part.get_content_type(), part.get_filename() or "", payload)
        if xml is not None:
            return parse_report_xml(xml)
    raise ValueError("no zip, gzip or XML attachment")
