"""The ledger on a real SQLite file and on a real PostgreSQL database: plan once, claim,
recover, requeue, suppress; a sender gives back and marks only the rows it holds."""

from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path

import psycopg
import pytest

from digest.cli.report import Report
from digest.delivery.ledger import Ledger, Outcome, Recovered
from digest.delivery.states import DeliveryState
from digest.errors import LedgerError
from tests.support.backends import LedgerBackend
from tests.support.delivery import WEEK, plan_rows

EMAILS = [f"member{i}@tide.example" for i in range(5)]


def test_plan_is_written_once(ledger_backend: LedgerBackend) -> None:
    with ledger_backend.ledger() as ledger:
        plan_rows(ledger, EMAILS)
        claim = ledger.claim(WEEK, 2, 60)
        ledger.record(WEEK, [Outcome(d.subscriber.email, "sent", 250, "ok")
                             for d in claim.deliveries])
        plan_rows(ledger, EMAILS)  # a rerun plans again: no row changes
        assert ledger.counts(WEEK)["sent"] == 2 and ledger.counts(WEEK)["pending"] == 3


def test_abandoned_rows_in_flight_become_uncertain_the_others_pending(ledger_backend: LedgerBackend) -> None:
    with ledger_backend.ledger() as ledger:
        plan_rows(ledger, EMAILS)
        claimed = ledger.claim(WEEK, 3, 60).deliveries
        in_flight = claimed[0].subscriber.email
        ledger.mark_in_flight(WEEK, [in_flight])
        assert ledger.recover_abandoned(WEEK) == Recovered(0, 0)  # leases still running
        assert ledger.recover_abandoned(WEEK, now=math.inf) == Recovered(1, 2)
        counts = ledger.counts(WEEK)
        assert counts["uncertain"] == 1 and counts["pending"] == 4
        assert all(row.attempts == 0 for row in ledger.rows(WEEK, ("pending",)))
        assert in_flight not in {d.subscriber.email for d in ledger.claim(WEEK, 10, 60).deliveries}
        assert ledger.requeue(WEEK, "uncertain") == 1
        [again] = ledger.claim(WEEK, 10, 60).deliveries
        assert again.message_id == claimed[0].message_id


def test_release_gives_back_untried_rows(ledger_backend: LedgerBackend) -> None:
    with ledger_backend.ledger() as ledger:
        plan_rows(ledger, EMAILS)
        claimed = ledger.claim(WEEK, 5, 60).deliveries
        ledger.release(WEEK, [d.subscriber.email for d in claimed])
        assert ledger.counts(WEEK)["pending"] == 5
        assert all(row.attempts == 0 for row in ledger.rows(WEEK))


def test_suppressed_since_the_plan_is_not_claimed(ledger_backend: LedgerBackend) -> None:
    with ledger_backend.ledger() as ledger:
        plan_rows(ledger, EMAILS)
        ledger.suppressions.suppress(EMAILS[1], "unsubscribed")
        claim = ledger.claim(WEEK, 10, 60)
        assert claim.suppressed == 1
        assert EMAILS[1] not in {d.subscriber.email for d in claim.deliveries}
        assert ledger.counts(WEEK)["suppressed"] == 1


def test_states_are_stored_as_the_plain_strings_the_schema_allows(ledger_backend: LedgerBackend) -> None:
    with ledger_backend.ledger() as ledger:
        plan_rows(ledger, EMAILS[:2])
        [delivery] = ledger.claim(WEEK, 1, 60).deliveries
        ledger.record(WEEK, [Outcome(delivery.subscriber.email, DeliveryState.SENT, 250, "ok")])
        stored = [row[0] for row in ledger.db.execute("SELECT state FROM deliveries")]
        assert sorted(stored) == ["pending", "sent"] and {type(s) for s in stored} == {str}
        assert all(isinstance(row.state, DeliveryState) for row in ledger.rows(WEEK))
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):  # no state
            ledger.record(WEEK, [Outcome(delivery.subscriber.email, "stopped")])  # type: ignore[arg-type]


def test_release_gives_back_only_this_senders_rows(ledger_backend: LedgerBackend) -> None:
    """A sender that stops gives back what it claimed, never what another sender holds."""
    with ledger_backend.ledger("a") as first, ledger_backend.ledger("b") as second:
        plan_rows(first, EMAILS)
        mine = [d.subscriber.email for d in first.claim(WEEK, 2, 60).deliveries]
        theirs = [d.subscriber.email for d in second.claim(WEEK, 2, 60).deliveries]
        first.release(WEEK, mine + theirs)
        assert first.counts(WEEK)["pending"] == 3
        assert {row.subscriber.email for row in first.rows(WEEK, ("sending",))} == set(theirs)


def test_a_row_recovered_from_a_stalled_sender_is_not_marked_in_flight_by_it(
        ledger_backend: LedgerBackend) -> None:
    """Its lease ran out and another sender took the row: the stalled sender's late mark
    does not take, and says so (`lost`), so its message must not leave."""
    with ledger_backend.ledger("a") as stalled, ledger_backend.ledger("b") as other:
        plan_rows(stalled, EMAILS[:2])
        taken = [d.subscriber.email for d in stalled.claim(WEEK, 2, 0.0).deliveries]
        assert other.recover_abandoned(WEEK, now=math.inf) == Recovered(0, 2)
        [again] = other.claim(WEEK, 1, 60).deliveries
        stalled.mark_in_flight(WEEK, taken)
        assert stalled.lost == set(taken)  # one taken by b, one owed again
        held = {row.subscriber.email: row for row in other.rows(WEEK)}
        assert held[again.subscriber.email].state == "sending"
        assert ledger_backend.rows()[again.subscriber.email] == ("sending", 0)  # not marked
        other.mark_in_flight(WEEK, [again.subscriber.email])
        assert other.lost == set()
        assert ledger_backend.rows()[again.subscriber.email] == ("sending", 1)


def test_readonly_open_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(LedgerError):
        Ledger(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()


def test_progress_shows_rate_and_eta_in_plain_lines() -> None:
    report = Report(total=100, stream=io.StringIO(), started=0.0)
    report.counts["sent"] = 25
    line = report.progress_line(now=5.0)
    assert line == "  25/100 done, 5.0 msg/s, ETA 15s"
    report.finished({"sent": 99, "failed": 1}, {"sent": 10})
    assert report.exit_code == 1 and report.summary().startswith("89 sent, 1 failed")
