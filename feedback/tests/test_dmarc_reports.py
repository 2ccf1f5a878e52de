"""DMARC aggregate reports to dmarc@ the inbound host (the rua= of every sender domain's
suggested DMARC record): `consentry inbound` takes them over real SMTP, keeps each and
sums it up; one it cannot read waits for review, nothing crashes."""

from __future__ import annotations

import gzip
import io
import smtplib
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from contacts.testing import Personas
from domains.testing import TestDnsServer, verify_domain
from feedback.dmarc import parse_report_xml
from feedback.models import InboundMessage, InboundState

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>google.com</org_name><email>noreply-dmarc@google.com</email>
    <report_id>1234567890</report_id>
    <date_range><begin>1796428800</begin><end>1796515199</end></date_range>
  </report_metadata>
  <policy_published><domain>news.example.com</domain><adkim>r</adkim><aspf>r</aspf>
    <p>none</p><sp>none</sp><pct>100</pct></policy_published>
  <record><row><source_ip>192.0.2.25</source_ip><count>118</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf>
    </policy_evaluated></row>
    <identifiers><header_from>news.example.com</header_from></identifiers></record>
  <record><row><source_ip>198.51.100.7</source_ip><count>2</count>
    <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
    </policy_evaluated></row>
    <identifiers><header_from>news.example.com</header_from></identifiers></record>
</feedback>
"""


def report_mail(attachment: bytes, maintype: str, subtype: str, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = "noreply-dmarc@google.com"
    message["To"] = "dmarc@mx.consentry.test"
    message["Subject"] = "Report domain: news.example.com Submitter: google.com"
    message.set_content("This is an aggregate report from google.com.")
    message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


def zipped(xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("google.com!news.example.com!1796428800!1796515199.xml", xml)
    return buffer.getvalue()


def deliver(controller: Controller, raw: bytes) -> InboundMessage:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as smtp:
        refused = smtp.sendmail("noreply-dmarc@google.com", ["dmarc@mx.consentry.test"], raw)
    assert refused == {}
    return InboundMessage.objects.order_by("-pk")[0]


@pytest.mark.parametrize(
    ("attachment", "maintype", "subtype", "filename"),
    [
        (gzip.compress(REPORT), "application", "gzip", "report.xml.gz"),
        (zipped(REPORT), "application", "zip", "report.zip"),
        (REPORT, "text", "xml", "report.xml"),
    ],
)
def test_a_report_is_kept_summed_up_and_filed_under_the_sending_account(
    world: Personas,
    dns_server: TestDnsServer,
    inbound: Controller,
    attachment: bytes,
    maintype: str,
    subtype: str,
    filename: str,
) -> None:
    verify_domain(world.alice_account, "news.example.com", dns_server)
    raw = report_mail(attachment, maintype, subtype, filename)
    message = deliver(inbound, raw)
    assert bytes(message.raw) == raw
    assert (message.route, message.state, message.account) == (
        "dmarc",
        InboundState.PROCESSED,
        world.alice_account,
    )
    assert message.reason == (
        "DMARC aggregate report from google.com for news.example.com 2026-12-05 to "
        "2026-12-05: 120 messages, 118 passed DKIM or SPF"
    )


@pytest.mark.parametrize(
    ("attachment", "why"),
    [
        (b"not gzip at all", "not a gzip file"),
        (gzip.compress(b"<feedback><policy_published/></feedback>"), "names no domain"),
        (
            gzip.compress(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><feedback>&a;</feedback>'),
            "DTD or entities",
        ),
        (gzip.compress(b"<a>" * 10), "not XML"),
    ],
)
def test_a_report_that_cannot_be_read_waits_for_review(
    inbound: Controller, attachment: bytes, why: str
) -> None:
    message = deliver(inbound, report_mail(attachment, "application", "gzip", "r.xml.gz"))
    assert (message.route, message.state) == ("dmarc", InboundState.REVIEW)
    assert message.reason.startswith("a DMARC report we cannot read: ") and why in message.reason


def test_a_report_that_unpacks_beyond_the_limit_is_refused(settings: Any) -> None:
    from feedback.dmarc import MAX_XML_BYTES, read_aggregate_report

    bomb = gzip.compress(b"<feedback>" + b" " * (MAX_XML_BYTES + 10) + b"</feedback>")
    with pytest.raises(ValueError, match="unpacks to more than"):
        read_aggregate_report(report_mail(bomb, "application", "gzip", "r.xml.gz"))
    assert parse_report_xml(REPORT).messages == 120
