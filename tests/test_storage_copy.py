"""`digest db copy|info|migrate`: a workspace's SQLite ledger moved into another database
with every row, counted the same on both sides; a copy refused over rows already there
unless --merge, and idempotent with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.errors import LedgerError
from digest.storage.copy import copy_database, row_counts
from digest.storage.database import Database, open_database
from digest.storage.locations import parse_location
from digest.storage.schema import migrate
from tests.support.audience import digest_env, run_digest
from tests.support.postgres import ROLE_PASSWORD, PostgresTestDatabase
from tests.support.workspaces import WorkspaceFactory

WEEK = "2026-W48"
_EVENTS = "CREATE TABLE notes_of_another_tool (id {id}, edition TEXT NOT NULL, kind TEXT NOT NULL)"


def sqlite_at(path: Path) -> Database:
    return open_database(parse_location(str(path), path.parent, {}))


def ledger_file(path: Path, editions: dict[str, int]) -> Path:
    """A SQLite ledger with `count` rows per edition, a suppression and a table of events."""
    with sqlite_at(path) as database:
        migrate(database)
        database.executemany(
            "INSERT INTO deliveries (edition, email, message_id, state, created_at,"
            " updated_at) VALUES (?, ?, ?, 'sent', 1.25, 1.25)",
            [(edition, f"r{n}@tide.example", f"<{n}.{edition}>")
             for edition, count in editions.items() for n in range(count)])
        database.execute("INSERT INTO suppressions (email, reason, created_at)"
                         " VALUES ('una@example.org', 'unsubscribed', 2.5)")
        database.execute(_EVENTS.format(id="INTEGER PRIMARY KEY"))
        database.executemany("INSERT INTO notes_of_another_tool (edition, kind) VALUES (?, ?)",
                             [(WEEK, "bounce"), (WEEK, "complaint"), (WEEK, "bounce")])
    return path


def test_every_table_is_copied_and_a_second_copy_needs_merge(tmp_path: Path) -> None:
    source = ledger_file(tmp_path / "digest.db", {"2026-W47": 5, WEEK: 40})
    with sqlite_at(source) as reader, sqlite_at(tmp_path / "copy.db") as writer:
        seen: list[tuple[str, int, int]] = []
        report = copy_database(reader, writer, batch_rows=16,
                               progress=lambda *step: seen.append(step))
        assert report.migrated == (2,)  # an empty target gets the tables first
        assert report.not_on_target == ("notes_of_another_tool",)  # the target has no such table
        assert {c.table: (c.rows, c.added) for c in report.tables} == {
            "deliveries": (45, 45), "suppressions": (1, 1), "feedback_events": (0, 0)}
        assert seen[:3] == [("deliveries", 16, 45), ("deliveries", 32, 45),
                            ("deliveries", 45, 45)]
        assert row_counts(writer) == {"deliveries": 45, "suppressions": 1,
                                      "feedback_events": 0}
        with pytest.raises(LedgerError, match=r"already holds deliveries rows for 2026-W47, "
                           "2026-W48; pass --merge"):
            copy_database(reader, writer)
        again = copy_database(reader, writer, merge=True)
        assert [(c.rows, c.added) for c in again.tables] == [(45, 0), (1, 0), (0, 0)]
        assert writer.execute("SELECT * FROM deliveries ORDER BY edition, email").fetchall() \
            == reader.execute("SELECT * FROM deliveries ORDER BY edition, email").fetchall()


def test_merge_adds_only_the_rows_the_target_lacks(tmp_path: Path) -> None:
    source = ledger_file(tmp_path / "digest.db", {WEEK: 4})
    target = ledger_file(tmp_path / "target.db", {WEEK: 2})
    with sqlite_at(target) as writer:
        writer.execute("UPDATE deliveries SET state='bounced'")  # the target's own news
    with sqlite_at(source) as reader, sqlite_at(target) as writer:
        report = copy_database(reader, writer, merge=True)
        assert {c.table: (c.added, c.already_there) for c in report.tables} == {
            "deliveries": (2, 2), "suppressions": (0, 1), "feedback_events": (0, 0),
            "notes_of_another_tool": (0, 3)}
        states = writer.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state"
                                " ORDER BY state").fetchall()
        assert states == [("bounced", 2), ("sent", 2)]


def test_a_large_copy_shows_its_progress(tmp_path: Path,
                                         make_workspace: WorkspaceFactory) -> None:
    workspace = make_workspace(tmp_path / "news", "weekly")
    ledger_file(workspace / "digest.db", {WEEK: 100})
    result = run_digest("db", "copy", "-w", str(workspace), "--to", "copy.db",
                        "--batch", "10")
    assert result.returncode == 0, result.stderr
    assert "deliveries: 10 of 100 rows" in result.stderr
    assert "deliveries: 100 of 100 rows" in result.stderr
    assert "deliveries: 100 row(s) copied, 0 already there" in result.stdout
    assert "notes_of_another_tool: not in the target database" in result.stderr
    info = run_digest("db", "info", "-w", str(workspace), "--database", "copy.db", "--json")
    assert json.loads(info.stdout)["counts"] == {"deliveries": 100, "suppressions": 1,
                                                "feedback_events": 0}


def test_nothing_to_copy_or_describe_is_said(tmp_path: Path,
                                            make_workspace: WorkspaceFactory) -> None:
    workspace = make_workspace(tmp_path / "news", "weekly")
    info = run_digest("db", "info", "-w", str(workspace))
    assert info.returncode == 1 and "no database yet" in info.stderr
    copy = run_digest("db", "copy", "-w", str(workspace), "--to", "copy.db")
    assert copy.returncode == 1 and "nothing to copy" in copy.stderr
    assert not (workspace / "digest.db").exists()
    bad = run_digest("db", "info", "-w", str(workspace), "--database", "postgresql://a:b@h/d")
    assert bad.returncode == 2 and "--database: do not put the password in the URL" in bad.stderr


@pytest.mark.slow
def test_a_weekly_ledger_moves_to_postgresql_with_the_same_counts(
        tmp_path: Path, make_workspace: WorkspaceFactory,
        postgres: PostgresTestDatabase) -> None:
    workspace = make_workspace(tmp_path / "news", "weekly")
    sent = run_digest("weekly", "-w", str(workspace), "--week", WEEK, "--yes", timeout=180)
    assert sent.returncode == 0, sent.stderr
    env = digest_env(DIGEST_DB_PASSWORD=ROLE_PASSWORD, PGPASSFILE=str(tmp_path / "none"))
    env.pop("PGPASSWORD", None)
    before = json.loads(run_digest("db", "info", "-w", str(workspace), "--json").stdout)
    assert before["engine"] == "sqlite" and before["counts"]["deliveries"] == 3

    copied = run_digest("db", "copy", "-w", str(workspace), "--to", postgres.password_url,
                        env=env)
    assert copied.returncode == 0, copied.stderr
    assert f"{postgres.password_url}: created schema version 2" in copied.stdout
    assert "deliveries: 3 row(s) copied, 0 already there" in copied.stdout

    (workspace / "digest.yaml").write_text(
        (workspace / "digest.yaml").read_text(encoding="utf-8")
        + f"storage:\n  database: {postgres.password_url}\n", encoding="utf-8")
    after = run_digest("db", "info", "-w", str(workspace), "--json", env=env)
    assert after.returncode == 0, after.stderr
    described = json.loads(after.stdout)
    assert (described["engine"], described["location"], described["schema_version"]) == (
        "postgresql", postgres.password_url, 2)
    assert described["counts"] == before["counts"]
    assert ROLE_PASSWORD not in after.stdout + copied.stdout + copied.stderr

    twice = run_digest("db", "copy", "-w", str(workspace), "--to", postgres.password_url,
                       env=env)
    assert twice.returncode == 1 and "pass --merge" in twice.stderr
    merged = run_digest("db", "copy", "-w", str(workspace), "--to", postgres.password_url,
                        "--merge", "--json", env=env)
    assert json.loads(merged.stdout)["tables"]["deliveries"] == {
        "rows": 3, "added": 0, "already_there": 3, "left_out": []}


@pytest.mark.slow
def test_migrate_command_and_numbered_rows(tmp_path: Path,
                                           postgres: PostgresTestDatabase) -> None:
    first = run_digest("db", "migrate", "--database", postgres.url, "-w", str(tmp_path))
    assert first.stdout == f"{postgres.url}: migrated to schema version 2 (applied 2)\n"
    again = run_digest("db", "migrate", "--database", postgres.url, "-w", str(tmp_path))
    assert again.stdout == f"{postgres.url}: already at schema version 2\n"
    source = ledger_file(tmp_path / "digest.db", {WEEK: 2})
    with open_database(parse_location(postgres.url, tmp_path, {})) as target, \
            sqlite_at(source) as reader:
        target.execute(_EVENTS.format(id="BIGSERIAL PRIMARY KEY"))
        copy_database(reader, target)
        # Numbered by the source; the next row the target numbers itself comes after them.
        target.execute("INSERT INTO notes_of_another_tool (edition, kind) VALUES (?, 'bounce')",
                       (WEEK,))
        ids = [row["id"] for row in target.execute("SELECT id FROM notes_of_another_tool"
                                                   " ORDER BY id")]
    assert ids == [1, 2, 3, 4]
