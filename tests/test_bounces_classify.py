"""Reading real bounces and feedback reports (tests/fixtures/bounces, SOURCES.md there):
one verdict per message, the DSN and ARF fields, RFC 3463 status codes, and the clues
that tie a report to the message it is about."""

from __future__ import annotations

import email

import pytest
from flufl.bounce import scan_message

from digest.feedback.arf import read_feedback_report
from digest.feedback.classify import Detector, VerdictKind, classify
from digest.feedback.clues import clues_in
from digest.feedback.dsn import Action, read_delivery_report
from digest.feedback.parts import parse
from digest.feedback.status_codes import (
    Severity,
    StatusCode,
    codes_in_replies,
    parse_status,
    worst,
)
from digest.settings import BounceSettings
from tests.support.bounce_samples import ACTED_ON, SAMPLES, readdressed

BOUNCES = BounceSettings(domain="bounces.tidewater.example")
TOKEN = "k3bq5zt7m2xw4yfa"
RETURN_PATH = f"bounces+{TOKEN}@bounces.tidewater.example"
READER = "ann@example.org"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_gets_its_verdict(name: str) -> None:
    sample = SAMPLES[name]
    verdict = classify(parse(sample.raw))
    assert (verdict.kind, verdict.status) == (VerdictKind(sample.kind), sample.status)


def test_a_full_mailbox_that_flufl_calls_permanent_is_soft() -> None:
    """flufl.bounce goes by `Action: failed`; the status code says the mailbox is full."""
    for name in ("messagingserver-4.2.2-over-quota", "postfix-5.2.2-quota"):
        message = email.message_from_bytes(SAMPLES[name].raw)
        assert scan_message(message) == {SAMPLES[name].recipient.encode()}  # type: ignore[union-attr]
        verdict = classify(message)
        assert (verdict.kind, verdict.detector) == (VerdictKind.SOFT, Detector.DSN)


def test_bounces_that_are_not_dsns_go_to_flufl_and_need_a_code_to_be_hard() -> None:
    for name, kind in (("exim-5.1.1", VerdictKind.HARD), ("postfix-5.1.1", VerdictKind.HARD),
                       ("qmail-permanent", VerdictKind.SOFT)):
        verdict = classify(parse(SAMPLES[name].raw))
        assert (verdict.kind, verdict.detector) == (kind, Detector.FLUFL), name
    qmail = classify(parse(SAMPLES["qmail-permanent"].raw))
    assert qmail.detail == "permanent failure with no status code"


def test_dsn_fields_as_the_servers_wrote_them() -> None:
    teamware = read_delivery_report(parse(SAMPLES["dsn-teamware-5.1.1"].raw))
    assert teamware is not None
    (recipient,) = teamware.recipients
    assert recipient.action == Action.FAILED  # "failed (Bad destination mailbox address)"
    assert (recipient.final_recipient, recipient.original_recipient) == (
        "userx@example.jp", "userx@example.jp")
    assert recipient.status == StatusCode(5, 1, 1)

    quota = read_delivery_report(parse(SAMPLES["postfix-5.2.2-quota"].raw))
    assert quota is not None and quota.envelope_senders == ("neko@example.jp",)
    assert quota.recipients[0].diagnostic.startswith("smtp; 552 5.2.2 <neko@nyaaan.example.org>")

    delayed = read_delivery_report(parse(SAMPLES["postfix-delayed-4.3.0"].raw))
    assert delayed is not None and [r.action for r in delayed.recipients] == [Action.DELAYED]
    verdict = classify(parse(SAMPLES["postfix-delayed-4.3.0"].raw))
    assert verdict.detail == "delay warning: the server is still trying"

    # Microsoft's report sits inside a multipart/mixed: found all the same.
    wrapped = read_delivery_report(parse(SAMPLES["microsoft-smtpsvc-5.1.1"].raw))
    assert wrapped is not None and wrapped.recipients[0].status == StatusCode(5, 1, 1)


def test_a_vague_status_takes_the_code_of_the_diagnostic() -> None:
    raw = SAMPLES["postfix-5.2.2-quota"].raw.replace(b"Status: 5.2.2", b"Status: 5.0.0")
    report = read_delivery_report(parse(raw))
    assert report is not None and report.recipients[0].status == StatusCode(5, 2, 2)
    no_code = raw.replace(b"smtp; 552 5.2.2 <", b"smtp; 552 <")
    verdict = classify(parse(no_code))
    assert (verdict.kind, verdict.status) == (VerdictKind.SOFT, "5.0.0")


def test_feedback_report_fields() -> None:
    yahoo = read_feedback_report(parse(SAMPLES["arf-yahoo-abuse"].raw))
    assert yahoo is not None and yahoo.complaint
    assert yahoo.user_agent == "Yahoo!-Mail-Feedback/1.0"
    assert yahoo.original_mail_from == "shironeko@example.com"
    assert yahoo.original_rcpt_to == ("this-local-part-does-not-exist-on-yahoo@yahoo.com",)
    dmarc = read_feedback_report(parse(SAMPLES["arf-dmarc-auth-failure"].raw))
    assert dmarc is not None and dmarc.feedback_type == "auth-failure" and not dmarc.complaint
    rfc = read_feedback_report(parse(SAMPLES["rfc5965-abuse"].raw))
    assert rfc is not None and rfc.original_rcpt_to == ("user@example.com",)


def test_status_codes() -> None:
    assert parse_status("5.1.1 (user unknown)") == StatusCode(5, 1, 1)
    assert parse_status("553 Exceeded maximum inbound message size") is None
    severities = {code: parse_status(code).severity  # type: ignore[union-attr]
                  for code in ("5.1.1", "5.1.10", "5.2.1", "5.4.4", "5.7.13", "5.2.2", "4.1.1",
                               "5.7.1", "5.0.0", "5.1.8", "4.2.2", "5.4.7")}
    assert [code for code, s in severities.items() if s == Severity.HARD] == [
        "5.1.1", "5.1.10", "5.2.1", "5.4.4", "5.7.13"]
    # Postfix wraps the reply across lines; version numbers and addresses are not codes.
    text = "said: 550\n    5.2.2 <a@example.jp>... Mailbox Full (Exim 4.72, 192.0.5.1.1)"
    assert codes_in_replies(text) == [StatusCode(5, 2, 2)]
    assert codes_in_replies("550-5.1.1 The email account does not exist") == [
        StatusCode(5, 1, 1)]
    assert codes_in_replies("450 5.1.1 classes disagree") == []
    assert worst([StatusCode(4, 2, 2), StatusCode(5, 2, 2), StatusCode(5, 1, 1)]) == \
        StatusCode(5, 1, 1)


@pytest.mark.parametrize("name", ACTED_ON)
def test_the_return_token_is_found_in_each_report_as_its_server_wrote_it(name: str) -> None:
    """No Delivered-To added: the report's own structure names the return path."""
    raw = readdressed(name, RETURN_PATH, READER, message_id="<r1@mx.example>",
                      delivered_to=False)
    message = parse(raw)
    assert clues_in(message, raw, classify(message), BOUNCES).tokens[0] == TOKEN


def test_where_the_token_comes_from() -> None:
    """Without a bounce domain the text is not searched: Exim's quoted Return-path, in
    the body, is then out of reach; ARF reports name it in their fields."""
    anywhere = BounceSettings(domain=None)
    exim = readdressed("exim-5.1.1", RETURN_PATH, READER, message_id="<r2@mx.example>",
                       delivered_to=False)
    message = parse(exim)
    assert clues_in(message, exim, classify(message), anywhere).tokens == ()
    for name in ("rfc5965-abuse", "arf-yahoo-abuse", "arf-redacted-abuse"):
        raw = readdressed(name, RETURN_PATH, READER, message_id="<r3@mx.example>",
                          delivered_to=False)
        message = parse(raw)
        assert clues_in(message, raw, classify(message), anywhere).tokens == (TOKEN,), name


def test_message_ids_of_the_original() -> None:
    raw = readdressed("microsoft-smtpsvc-5.1.1", "someone@else.example", READER,
                      message_id="<r4@mx.example>")
    message = parse(raw)
    clues = clues_in(message, raw, classify(message), BOUNCES)
    assert clues.tokens == ()
    assert clues.message_ids == ("<mailman.8262.1143060203.1568.wed_ride@grizz.org>",)


def test_a_made_up_token_is_still_only_a_clue() -> None:
    """clues_in reports what it sees; the ledger decides whether a row has that token."""
    forged = "bounces+aaaaaaaaaaaaaaaa@bounces.tidewater.example"
    raw = readdressed("dsn-teamware-5.1.1", forged, READER, message_id="<r5@mx.example>")
    message = parse(raw)
    assert clues_in(message, raw, classify(message), BOUNCES).tokens == ("aaaaaaaaaaaaaaaa",)
