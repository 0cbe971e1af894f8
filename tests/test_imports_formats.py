"""Exports from Mailchimp, Substack and Buttondown, and plain CSVs, read as import reads
them: the format told by the header, every status honoured, tracking columns dropped.
The files in tests/fixtures/imports/ are made-up exports in each tool's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.audience.import_formats import ExportFormat
from digest.audience.imports import ImportResult, read_export
from digest.audience.suppressions import SuppressionReason
from digest.errors import SubscriberError

EXPORTS = Path(__file__).parent / "fixtures" / "imports"
UNSUBSCRIBED, BOUNCED = SuppressionReason.UNSUBSCRIBED, SuppressionReason.BOUNCED
COMPLAINED, MANUAL = SuppressionReason.COMPLAINED, SuppressionReason.MANUAL


def read(name: str, listed: tuple[str, ...] = (), **options: object) -> ImportResult:
    return read_export(EXPORTS / name, "imported", listed, **options)  # type: ignore[arg-type]


def added(result: ImportResult) -> list[tuple[str, str, dict[str, str]]]:
    return [(e.email, e.name, e.fields) for e in result.added]


def test_mailchimp_subscribed_export() -> None:
    result = read("mailchimp_subscribed.csv", listed=("una@example.org",))
    assert (result.export, result.which) == (ExportFormat.MAILCHIMP, "")
    assert dict(result.counts) == {"subscribed": 2, "already listed": 1,
                                   "repeated in this file": 1}
    assert added(result) == [
        ("ida.marsh@example.org", "Ida Marsh",
         {"first_name": "Ida", "last_name": "Marsh", "company": "Saltworks",
          "notes": "met at the fair"}),
        ("Jon.Teal@example.net", "Jon Teal", {"first_name": "Jon", "last_name": "Teal",
                                              "company": "", "notes": ""})]
    assert result.added[0].tags == {"boats", "weekly"}
    assert result.dropped == [
        "member_rating", "optin_time", "optin_ip", "confirm_time", "confirm_ip", "latitude",
        "longitude", "gmtoff", "dstoff", "timezone", "cc", "region", "last_changed", "leid",
        "euid"]
    assert result.stopped == [] and result.rejected == []


def test_tracking_columns_are_kept_when_asked_for_by_their_export_names() -> None:
    result = read("mailchimp_subscribed.csv", keep=["OPTIN_IP", "Optin Time"])
    assert result.added[0].fields["optin_ip"] == "203.0.113.7"
    assert result.added[0].fields["optin_time"] == "2025-02-01 09:12:44"
    assert "optin_ip" not in result.dropped and "leid" in result.dropped
    with pytest.raises(SubscriberError) as caught:
        read("mailchimp_subscribed.csv", keep=["OPTIN_PI"])
    assert str(caught.value) == (f"{EXPORTS / 'mailchimp_subscribed.csv'}:1: --keep-columns: "
                                 "no column optin_pi in the header")


@pytest.mark.parametrize(("name", "which", "reason"), [
    ("mailchimp_unsubscribed.csv", "unsubscribed", UNSUBSCRIBED),
    ("mailchimp_cleaned.csv", "cleaned", BOUNCED)])
def test_mailchimp_opt_out_exports_are_suppressed_by_mailbox_key(
        name: str, which: str, reason: SuppressionReason) -> None:
    result = read(name, listed=("vic@example.net",))
    assert (result.export, result.which) == (ExportFormat.MAILCHIMP, which)
    assert result.added == []
    keys = {"mailchimp_unsubscribed.csv": ["vic@example.net", "kit.reed@example.org"],
            "mailchimp_cleaned.csv": ["old.box@example.net"]}[name]
    assert result.stopped == [(key, reason) for key in keys]  # listed or not
    assert dict(result.counts) == {which: len(keys)}


def test_status_fills_in_what_a_mailchimp_export_does_not_say(tmp_path: Path) -> None:
    trimmed = tmp_path / "left.csv"  # an unsubscribed export with its UNSUB_ columns cut
    trimmed.write_text('"Email Address","First Name",OPTIN_TIME\nLou@Example.org,Lou,\n',
                       encoding="utf-8")
    assert read_export(trimmed, "x", (), status="unsubscribed").stopped == [
        ("lou@example.org", UNSUBSCRIBED)]
    assert added(read_export(trimmed, "x", ())) == [
        ("Lou@example.org", "Lou", {"first_name": "Lou"})]
    with pytest.raises(SubscriberError) as caught:
        read("mailchimp_cleaned.csv", status="subscribed")
    assert str(caught.value).endswith("mailchimp_cleaned.csv:1: a Mailchimp cleaned export (it "
                                      "has CLEAN_TIME): --status subscribed contradicts it")


def test_substack_email_disabled_is_an_unsubscribe() -> None:
    result = read("substack.csv")
    assert result.export is ExportFormat.SUBSTACK
    assert added(result) == [
        ("lea.quay@example.org", "", {"active_subscription": "false", "plan": "free"}),
        ("Rob.Fenn@example.org", "", {"active_subscription": "true", "plan": "yearly"})]
    assert result.stopped == [("mo.dune@example.net", UNSUBSCRIBED)]
    assert dict(result.counts) == {"subscribed": 2, "email_disabled": 1, "invalid": 1}
    (problem,) = result.rejected
    assert str(problem) == f"{EXPORTS / 'substack.csv'}:5: email_disabled is 'maybe': true " \
        "or false expected"
    assert result.dropped == ["expiry", "created_at"]


def test_buttondown_subscriber_types() -> None:
    result = read("buttondown.csv")
    assert result.export is ExportFormat.BUTTONDOWN
    assert added(result) == [
        ("sam.holt@example.org", "", {"first_name": "Sam", "city": "Harwick", "notes": ""}),
        ("tess.lane@example.net", "", {"notes": "paid since May"})]
    assert result.added[0].tags == {"weekly", "boats"}
    assert result.stopped == [("gone.away@example.org", UNSUBSCRIBED),
                              ("tossed@example.net", MANUAL),
                              ("grumpy@example.org", COMPLAINED),
                              ("no.such.box@example.net", BOUNCED)]
    assert dict(result.counts) == {"regular": 1, "premium": 1, "unactivated": 1,
                                   "unsubscribed": 1, "removed": 1, "complained": 1,
                                   "undeliverable": 1}
    assert result.dropped == ["id", "referrer_url", "creation_date", "secondary_id", "source",
                              "utm_campaign", "utm_medium", "utm_source"]


def test_buttondown_newer_columns(tmp_path: Path) -> None:
    export = tmp_path / "buttondown.csv"
    export.write_text("email_address,notes,type,tags\nZed@Example.org,,unsubscribed,\n"
                      "amy@example.org,,regular,weekly\n", encoding="utf-8")
    result = read_export(export, "x", ())
    assert result.export is ExportFormat.BUTTONDOWN
    assert result.stopped == [("zed@example.org", UNSUBSCRIBED)]
    assert [e.email for e in result.added] == ["amy@example.org"]


def test_plain_csv_statuses_and_an_opt_out_later_in_the_file_wins() -> None:
    result = read("plain.csv")
    assert result.export is ExportFormat.PLAIN
    assert added(result) == [("ava.stone@example.org", "Ava Stone", {"city": "Tolby"})]
    # Ben is subscribed on line 3 and unsubscribed as ben.ash@EXAMPLE.org on line 4.
    assert result.stopped == [("ben.ash@example.org", UNSUBSCRIBED),
                              ("cal.moss@example.net", COMPLAINED),
                              ("dee.pond@example.org", BOUNCED)]
    assert dict(result.counts) == {"subscribed": 1, "unsubscribed": 1, "spam": 1,
                                   "bounced": 1, "pending": 1, "repeated in this file": 1,
                                   "invalid": 2}
    plain = EXPORTS / "plain.csv"
    assert [str(problem) for problem in result.rejected] == [
        f"{plain}:8: invalid email address: An email address must have an @-sign.",
        f"{plain}:9: unknown status 'asleep' (known: " + ", ".join(sorted(
            ["active", "blocked", "blocklisted", "bounced", "churning", "cleaned",
             "complained", "confirmed", "deleted", "disabled", "email_disabled", "enabled",
             "gifted", "past_due", "paused", "pending", "premium", "regular", "removed",
             "spam", "spammy", "subscribed", "trialed", "unactivated", "unconfirmed",
             "undeliverable", "unpaid", "unsubscribed"])) + ")"]


def test_a_file_without_an_email_column(tmp_path: Path) -> None:
    export = tmp_path / "contacts.csv"
    export.write_text("address,name\nx@example.org,X\n", encoding="utf-8")
    with pytest.raises(SubscriberError) as caught:
        read_export(export, "x", ())
    assert str(caught.value) == f"{export}:1: no email column (looked for email, Email " \
        "Address, E-mail)"
