"""A 5xx "no such user" at RCPT suppresses the address at once; policy refusals do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.cli.main import main
from digest.delivery.connection import state_for
from digest.delivery.ledger import Ledger
from digest.delivery.smtp_replies import Refusal, classify, enhanced_status, mailbox_gone
from digest.delivery.transaction import Phase
from tests.support.delivery import ARTICLE
from tests.support.smtp_server import RecordingHandler, SmtpServer
from tests.support.workspaces import WorkspaceFactory

GONE, FULL, POLICY, OTHER = (Refusal.MAILBOX_GONE, Refusal.MAILBOX_FULL, Refusal.POLICY,
                             Refusal.OTHER)


@pytest.mark.parametrize(("code", "text", "meaning"), [
    (550, "5.1.1 user unknown", GONE),
    (550, "5.1.1 <bob@tide.example>: Recipient address rejected: User unknown in virtual "
          "mailbox table", GONE),
    (550, "5.1.0 Address rejected", GONE),
    (550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     GONE),
    (550, "5.2.1 The email account that you tried to reach is disabled.", GONE),
    (553, "5.1.1 no such mailbox", GONE),
    (551, "5.1.1 user not local", GONE),
    (550, "5.1.1 The email account that you tried to reach does not exist.\n"
          "5.1.1 Please try double-checking the recipient's email address", GONE),
    (550, "User unknown", GONE),  # no enhanced code: the wording decides
    (550, "No such user here", GONE),
    (550, "Requested action not taken: mailbox unavailable", GONE),
    (553, "Mailbox does not exist", GONE),
    (554, "5.1.1 user unknown", OTHER),  # not a recipient refusal code
    (550, "5.2.2 Mailbox full", FULL),
    (552, "5.2.2 mailbox over quota", FULL),
    (550, "5.7.1 Message rejected as spam", POLICY),
    (550, "5.7.1 Service unavailable; client host blocked using zen.spamhaus.org", POLICY),
    (550, "5.7.0 Authentication required", POLICY),
    (550, "5.7.1 user unknown", POLICY),  # the enhanced code wins over the words
    (550, "Mailbox unavailable: blocked by local policy", POLICY),
    (550, "Relaying denied", POLICY),
    (550, "5.0.0 permanent refusal", OTHER),
    (550, "5.1.2 bad destination system address", OTHER),
    (553, "Requested action not taken: mailbox name not allowed", OTHER),
    (550, "", OTHER),
])
def test_refusal_table(code: int, text: str, meaning: Refusal) -> None:
    assert classify(code, text) is meaning
    assert mailbox_gone(code, text) == (meaning is GONE)


def test_enhanced_status_is_read_from_the_start_only() -> None:
    assert enhanced_status("5.1.10 not found") == "5.1.10"
    assert enhanced_status("  5.2.1 disabled") == "5.2.1"
    assert enhanced_status("user 5.1.1 unknown") is None
    assert enhanced_status("5.1.1x unknown") is None


@pytest.mark.parametrize(("code", "phase", "text", "state"), [
    (550, Phase.RCPT, "5.1.1 user unknown", "bounced"),
    (550, Phase.RCPT, "5.2.1 account disabled", "bounced"),
    (550, Phase.DATA, "5.1.1 user unknown", "failed"),  # only a refused recipient
    (550, Phase.MAIL, "5.1.1 user unknown", "failed"),
    (550, Phase.RCPT, "5.7.1 rejected as spam", "failed"),
    (550, Phase.RCPT, "5.2.2 mailbox full", "failed"),
    (552, Phase.RCPT, "5.2.2 mailbox full", "deferred"),
    (450, Phase.RCPT, "4.1.1 user unknown (try later)", "deferred"),
])
def test_state_for_a_refused_recipient(code: int, phase: Phase, text: str, state: str) -> None:
    assert state_for(code, phase, text) == state


SECOND_WEEK_ARTICLE = ARTICLE.replace("2026-11-25", "2026-12-02").replace(
    "gauge", "gauge-two").replace("Tide Gauge Repaired", "Tide Gauge Checked")
READERS = ["ann@tide.example", "bob@tide.example", "cy@tide.example"]


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "bounce-test-secret")


def _send(workspace: Path, week: str) -> int:
    return main(["send", "--yes", "--force", "--workspace", str(workspace), "--week", week])


def _refusing_bob(reply: str) -> RecordingHandler:
    """A server that answers `reply` to RCPT TO bob, and takes everyone else."""
    return RecordingHandler(rcpt_reply=lambda address: reply if address.startswith("bob@")
                            else None)


def test_unknown_user_at_rcpt_is_bounced_suppressed_and_skipped_next_week(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    handler = _refusing_bob("550 5.1.1 user unknown")
    articles = {"gauge.md": ARTICLE, "gauge-two.md": SECOND_WEEK_ARTICLE}
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=READERS,
                                   smtp_url=server.url, articles=articles)
        assert _send(workspace, "2026-W48") == 0  # a bounce is handled, not a failure
        with Ledger(workspace / "digest.db") as ledger:
            rows = {row.subscriber.email: row for row in ledger.rows("2026-W48")}
            suppression = ledger.suppressions.get("bob@tide.example")
        assert {email: row.state for email, row in rows.items()} == {
            "ann@tide.example": "sent", "bob@tide.example": "bounced",
            "cy@tide.example": "sent"}
        assert rows["bob@tide.example"].code == 550
        assert suppression is not None and suppression.reason == "bounced"
        assert "5.1.1 user unknown" in suppression.source

        assert _send(workspace, "2026-W49") == 0
        with Ledger(workspace / "digest.db") as ledger:
            next_week = {row.subscriber.email: row.state for row in ledger.rows("2026-W49")}
    assert next_week["bob@tide.example"] == "suppressed"
    assert next_week["ann@tide.example"] == next_week["cy@tide.example"] == "sent"
    received = [r.rcpt_tos[0] for r in handler.received]
    assert sorted(received) == sorted(["ann@tide.example", "cy@tide.example"] * 2)
    assert "bob@tide.example" not in received


def test_a_policy_refusal_fails_and_does_not_suppress(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    with SmtpServer(_refusing_bob("550 5.7.1 rejected as spam")) as server:
        workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=READERS,
                                   smtp_url=server.url)
        assert _send(workspace, "2026-W48") == 1
        with Ledger(workspace / "digest.db") as ledger:
            assert ledger.state_of("2026-W48", "bob@tide.example") == "failed"
            assert ledger.suppressions.get("bob@tide.example") is None
