"""Bounces read back and acted on, end to end: an edition goes through a real SMTP server
with per-recipient return paths, real bounce and complaint samples come back to the
return path each message was sent with, into a Maildir and an IMAP mailbox (Dovecot),
`digest bounces` reads them, and the next edition skips whom they condemned.

The rules themselves (the soft-bounce window, finding rows by Message-ID, dry runs) are
checked first against a real ledger file, without sending."""

from __future__ import annotations

import json
import mailbox
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest

from digest.audience.return_paths import return_token
from digest.audience.suppressions import SuppressionReason
from digest.cli.main import main
from digest.delivery.ledger import Ledger, Outcome
from digest.delivery.states import DeliveryState
from digest.feedback.actions import DAY, FeedbackActions, feedback_database
from digest.feedback.actions import Outcome as Seen
from digest.models import Subscriber
from digest.settings import BounceSettings
from digest.storage.locations import DatabaseLocation
from tests.support.audience import SECRET, digest_env, run_digest
from tests.support.backends import ENGINES, LedgerBackend
from tests.support.bounce_samples import readdressed
from tests.support.imap_server import ImapServer
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

DOMAIN = "bounces.tidewater.example"
BOUNCES = BounceSettings(domain=DOMAIN, soft_limit=2, soft_window_days=30)
READERS = ("una@example.org", "vic@example.net", "wren@example.com")
report_ids = (f"<report{n}.{time.time_ns()}@mx.example>" for n in count())


def return_path(week: str, address: str) -> str:
    return f"bounces+{return_token(SECRET, week, Subscriber(address).key)}@{DOMAIN}"


def sent_ledger(path: Path | DatabaseLocation, weeks: tuple[str, ...], tokens: bool = True) -> None:
    """Rows for every reader in each week, as a sender leaves them: sent."""
    with Ledger(path) as ledger:
        for week in weeks:
            ledger.plan(week, ((Subscriber(a), f"<{week}.{i}@tidewater.example>")
                               for i, a in enumerate(READERS)),
                        (lambda key, week=week: return_token(SECRET, week, key))
                        if tokens else None)
            ledger.record(week, [Outcome(Subscriber(a).key, DeliveryState.SENT)
                                 for a in READERS])


def process(path: Path | DatabaseLocation, *reports: bytes, dry_run: bool = False,
            bounces: BounceSettings = BOUNCES) -> list[Seen]:
    with feedback_database(path, dry_run) as (db, suppressions):
        actions = FeedbackActions(db, suppressions, bounces)
        return [actions.process(raw).outcome for raw in reports]


def soft(week: str, address: str, days_ago: float = 0) -> bytes:
    return readdressed("postfix-5.2.2-quota", return_path(week, address), address,
                       message_id=next(report_ids),
                       date=_days_ago(days_ago))


def _days_ago(days: float) -> datetime:
    return datetime.fromtimestamp(time.time() - days * DAY, UTC)


def state(path: Path | DatabaseLocation, week: str, address: str) -> DeliveryState | None:
    with Ledger(path, readonly=True) as ledger:
        return ledger.state_of(week, Subscriber(address).key)


def suppression(path: Path | DatabaseLocation, address: str) -> str | None:
    with Ledger(path) as ledger:
        found = ledger.suppressions.get(Subscriber(address).key)
        return found.reason if found else None


@pytest.mark.parametrize("ledger_backend", ENGINES, indirect=True)
def test_soft_bounces_suppress_after_the_limit_within_the_window(
        ledger_backend: LedgerBackend) -> None:
    db = ledger_backend.location
    sent_ledger(db, ("2026-W08", "2026-W09", "2026-W10"))
    wren = READERS[2]
    # One soft bounce from 40 days ago is outside the 30-day window.
    assert process(db, soft("2026-W08", wren, days_ago=40), soft("2026-W09", wren)) == [
        Seen.SOFT, Seen.SOFT]
    assert suppression(db, wren) is None and state(db, "2026-W09", wren) == DeliveryState.SENT
    # Another report about an edition already counted counts once.
    assert process(db, soft("2026-W09", wren)) == [Seen.SOFT]
    assert suppression(db, wren) is None
    assert process(db, soft("2026-W10", wren)) == [Seen.SOFT]
    assert suppression(db, wren) == SuppressionReason.BOUNCED
    assert state(db, "2026-W10", wren) == DeliveryState.BOUNCED
    assert state(db, "2026-W09", wren) == DeliveryState.SENT  # that bounce was only counted


def test_rows_without_a_return_path_are_found_by_message_id_and_only_they(
        tmp_path: Path) -> None:
    """A Message-ID can be worked out from public parts, so a row that had a return path
    is found by it alone never."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    sent_ledger(old, ("2026-W10",), tokens=False)
    sent_ledger(new, ("2026-W10",), tokens=True)
    una = READERS[0]
    report = readdressed("microsoft-smtpsvc-5.1.1", "notes@tidewater.example", una,
                         message_id=next(report_ids)).replace(
        b"<mailman.8262.1143060203.1568.wed_ride@grizz.org>", b"<2026-W10.0@tidewater.example>")
    assert process(old, report) == [Seen.HARD]
    assert suppression(old, una) == SuppressionReason.BOUNCED
    assert state(old, "2026-W10", una) == DeliveryState.BOUNCED
    assert process(new, report) == [Seen.UNMATCHED]
    assert suppression(new, una) is None


@pytest.mark.parametrize("ledger_backend", ENGINES, indirect=True)
def test_a_dry_run_reports_and_changes_nothing(ledger_backend: LedgerBackend) -> None:
    """SQLite: a copy in memory; PostgreSQL: one transaction, rolled back."""
    db = ledger_backend.location
    sent_ledger(db, ("2026-W10",))
    vic = READERS[1]
    hard = readdressed("dsn-teamware-5.1.1", return_path("2026-W10", vic), vic,
                       message_id=next(report_ids))
    before = ledger_backend.rows("2026-W10")
    assert process(db, hard, hard, dry_run=True) == [Seen.HARD, Seen.ALREADY]
    assert ledger_backend.rows("2026-W10") == before
    assert suppression(db, vic) is None
    assert process(db, hard) == [Seen.HARD]
    assert suppression(db, vic) == SuppressionReason.BOUNCED


# --- End to end: real SMTP, real mailboxes, the real command line ---------------------


@pytest.fixture
def newsletter(tmp_path: Path, make_workspace: WorkspaceFactory) -> Path:
    """Tidewater Bulletin (two weeks of news: 2026-W10 and W11) with a bounce domain."""
    return make_workspace(tmp_path / "ws", "audience", extra_config=f"""\
bounces:
  domain: {DOMAIN}
  soft_limit: 2
  mailbox: bounce-mail
""")


def send(root: Path, server: SmtpServer, week: str,
         monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Send the week's edition; the envelope sender each reader's message went with."""
    monkeypatch.setenv("DIGEST_SMTP_URL", server.url)
    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    already = len(server.received)
    assert main(["weekly", "-w", str(root), "--week", week, "--yes", "--force", "-q"]) == 0
    return {received.rcpt_tos[0]: received.mail_from
            for received in server.received[already:]}


def bounces(root: Path, *args: str, **env: str) -> dict[str, int]:
    result = run_digest("bounces", "-w", str(root), "--json", *args,
                        env=digest_env(**env))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    counts: dict[str, int] = json.loads(result.stdout)
    return counts


@pytest.mark.slow
def test_bounces_and_complaints_in_a_maildir_stop_the_next_edition(
        newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    una, vic, wren = READERS
    db = newsletter / "digest.db"
    with SmtpServer() as server:
        senders = send(newsletter, server, "2026-W10", monkeypatch)
        assert sorted(senders) == sorted(READERS)
        assert all(s.startswith("bounces+") and s.endswith(f"@{DOMAIN}")
                   for s in senders.values())
        assert len(set(senders.values())) == 3  # one return path per reader

        inbox = mailbox.Maildir(newsletter / "bounce-mail", create=True)
        forged = f"bounces+{'a' * 16}@{DOMAIN}"
        for name, path, reader in (
                ("dsn-teamware-5.1.1", senders[una], una),      # hard
                ("rfc5965-abuse", senders[vic], vic),           # complaint
                ("postfix-5.2.2-quota", senders[wren], wren),   # soft, 1 of 2
                ("vacation-rfc3834", senders[wren], wren),      # unknown: left alone
                ("exim-5.1.1", forged, wren)):                  # a made-up token
            inbox.add(readdressed(name, path, reader, message_id=next(report_ids)))
        files = sorted(p.name for p in (newsletter / "bounce-mail").rglob("*") if p.is_file())

        dry = bounces(newsletter, "--dry-run")
        assert (dry["read"], dry["hard"], dry["suppressed"]) == (5, 1, 2)
        assert suppression(db, una) is None

        counts = bounces(newsletter)  # bounces.mailbox, relative to the workspace
        assert {k: counts[k] for k in ("read", "hard", "soft", "complaints", "unknown",
                                       "unmatched", "already", "suppressed")} == {
            "read": 5, "hard": 1, "soft": 1, "complaints": 1, "unknown": 1, "unmatched": 1,
            "already": 0, "suppressed": 2}
        assert suppression(db, una) == SuppressionReason.BOUNCED
        assert suppression(db, vic) == SuppressionReason.COMPLAINED
        assert suppression(db, wren) is None
        assert [state(db, "2026-W10", r) for r in READERS] == [
            DeliveryState.BOUNCED, DeliveryState.COMPLAINED, DeliveryState.SENT]
        assert sorted(p.name for p in (newsletter / "bounce-mail").rglob("*")
                      if p.is_file()) == files  # left in place

        again = bounces(newsletter, str(newsletter / "bounce-mail"))
        assert (again["already"], again["soft"], again["suppressed"]) == (3, 0, 0)

        next_week = send(newsletter, server, "2026-W11", monkeypatch)
        assert sorted(next_week) == [wren]
        inbox.add(readdressed("messagingserver-4.2.2-over-quota", next_week[wren], wren,
                              message_id=next(report_ids)))
        last = bounces(newsletter)
        assert (last["soft"], last["already"], last["suppressed"]) == (1, 3, 1)
        assert suppression(db, wren) == SuppressionReason.BOUNCED
        assert state(db, "2026-W11", wren) == DeliveryState.BOUNCED


@pytest.fixture
def dovecot() -> Iterator[ImapServer]:
    with ImapServer.started() as server:
        yield server


@pytest.mark.slow
def test_a_hard_bounce_and_a_complaint_over_imap(newsletter: Path, dovecot: ImapServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    una, vic, wren = READERS
    db = newsletter / "digest.db"
    with SmtpServer() as server:
        senders = send(newsletter, server, "2026-W10", monkeypatch)
        dovecot.append(readdressed("microsoft-smtpsvc-5.1.1", senders[una], una,
                                   message_id=next(report_ids)))
        dovecot.append(readdressed("arf-yahoo-abuse", senders[vic], vic,
                                   message_id=next(report_ids), delivered_to=False))
        before = dovecot.state()
        env = {"DIGEST_BOUNCES_PASSWORD": dovecot.password,
               "DIGEST_BOUNCES_CAFILE": str(dovecot.cafile)}
        counts = bounces(newsletter, dovecot.url("imaps"), **env)
        assert (counts["read"], counts["hard"], counts["complaints"], counts["suppressed"]) \
            == (2, 1, 1, 2)
        assert dovecot.state() == before  # unread, unmoved
        assert suppression(db, una) == SuppressionReason.BOUNCED
        assert suppression(db, vic) == SuppressionReason.COMPLAINED
        assert bounces(newsletter, dovecot.url("imap"), **env)["already"] == 2

        assert sorted(send(newsletter, server, "2026-W11", monkeypatch)) == [wren]


@pytest.mark.slow
def test_no_mailbox_and_no_password_are_one_line_errors(newsletter: Path,
                                                        dovecot: ImapServer) -> None:
    (newsletter / "digest.yaml").write_text(
        (newsletter / "digest.yaml").read_text().replace("  mailbox: bounce-mail\n", ""))
    none = run_digest("bounces", "-w", str(newsletter))
    assert none.returncode == 2
    assert none.stderr.strip().endswith("no mailbox to read: give SOURCE, or set "
                                        "bounces.mailbox in digest.yaml")
    mailbox.Maildir(newsletter / "empty", create=True)
    empty = run_digest("bounces", str(newsletter / "empty"), "-w", str(newsletter))
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.splitlines()[0] == (
        f"read 0 message(s) from {newsletter / 'empty'} (messages left in place)")
    assert "  suppressed now       0  addresses newly suppressed" in empty.stdout
    url = dovecot.url("imaps")
    nopass = run_digest("bounces", url, "-w", str(newsletter))
    assert nopass.returncode == 2 and len(nopass.stderr.strip().splitlines()) == 1
    assert f"{url}: set DIGEST_BOUNCES_PASSWORD" in nopass.stderr
    wrong = run_digest("bounces", url, "-w", str(newsletter),
                       env=digest_env(DIGEST_BOUNCES_PASSWORD="not-it-9",
                                      DIGEST_BOUNCES_CAFILE=str(dovecot.cafile)))
    assert wrong.returncode == 1 and "not-it-9" not in wrong.stderr
    assert f"{url}: login refused" in wrong.stderr
