"""`digest db migrate|copy|info`: the workspace database (SQLite or PostgreSQL) itself."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.cli import output
from digest.cli.commands.common import add_workspace, settings_from
from digest.errors import ConfigError, ExitCode, LedgerError

if TYPE_CHECKING:
    from digest.storage.copy import Progress
    from digest.storage.locations import DatabaseLocation

_LOCATION_HELP = ("a SQLite file (relative to the workspace) or postgresql://user@host/db"
                  "?sslmode=...; the password comes from DIGEST_DB_PASSWORD (default: "
                  "storage.database of digest.yaml)")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db", help="migrate, copy and describe the ledger's database (SQLite or PostgreSQL)",
        description="The database holding the delivery ledger and the suppression store: "
        "SQLite (a file, the default) or PostgreSQL (storage.database: postgresql://...). "
        "See docs/STORAGE.md.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    migrate = actions.add_parser(
        "migrate", help="bring the database to this digest's schema version",
        description="Create the tables of an empty database, or apply the schema versions "
        "it lacks, in one transaction. PostgreSQL changes only this way; SQLite also "
        "migrates by itself when a command opens it.")
    copy = actions.add_parser(
        "copy", help="copy the SQLite ledger and suppressions into another database",
        description="Copy every row of the workspace's SQLite database (the ledger, the "
        "suppressions and any other table the target has) into --to, in one transaction. "
        "An empty target is migrated first. A target that already holds rows for the same "
        "editions is refused unless --merge, which adds only the rows it lacks.")
    info = actions.add_parser(
        "info", help="engine, location, schema version and rows per table",
        description="Say which database the workspace uses (the password is never shown), "
        "its schema version and how many rows each table holds. Changes nothing.")
    for action in (migrate, copy, info):
        add_workspace(action)
    for action in (migrate, info):
        action.add_argument("--database", metavar="LOCATION", help=_LOCATION_HELP)
    copy.add_argument("--to", required=True, metavar="LOCATION",
                      help="the database to copy into, usually postgresql://user@host/db")
    copy.add_argument("--from", dest="source", type=Path, metavar="FILE",
                      help="the SQLite file to copy (default: storage.database when it is a "
                      "file, else digest.db in the workspace)")
    copy.add_argument("--merge", action="store_true",
                      help="add to a target that holds some of these rows already (rows "
                      "already there stay as they are)")
    copy.add_argument("--batch", type=int, default=1000, metavar="ROWS",
                      help="rows per batch written to the target (default: 1000)")
    for action in (copy, info):
        action.add_argument("--json", action="store_true", help="print the result as JSON")
    migrate.set_defaults(handler=run_migrate)
    copy.set_defaults(handler=run_copy)
    info.set_defaults(handler=run_info)


def run_migrate(args: argparse.Namespace) -> int:
    from digest.storage.database import open_database
    from digest.storage.schema import VERSION, migrate

    location = _location(args, args.database, "--database")
    with open_database(location) as database:
        applied = migrate(database)
    if applied:
        print(f"{location}: migrated to schema version {VERSION} "
              f"(applied {', '.join(map(str, applied))})")
    else:
        print(f"{location}: already at schema version {VERSION}")
    return ExitCode.OK


def run_copy(args: argparse.Namespace) -> int:
    from digest.storage.copy import copy_database
    from digest.storage.database import open_database
    from digest.storage.locations import DatabaseLocation, Engine
    from digest.storage.schema import migrate_command

    if args.batch < 1:
        raise ConfigError("--batch", "must be 1 or more rows")
    target = _location(args, args.to, "--to")
    if args.source is not None:
        source = DatabaseLocation(Engine.SQLITE, path=_workspace(args) / args.source)
    else:
        configured = _location(args, None, "storage.database")
        source = (configured if configured.engine == Engine.SQLITE else
                  DatabaseLocation(Engine.SQLITE, path=_workspace(args) / "digest.db"))
    if source.path is None or not source.path.is_file():
        raise LedgerError(f"{source}: no SQLite database here: nothing to copy")
    output.info(f"copying {source} to {target}")
    with open_database(source) as reader, open_database(target) as writer:
        report = copy_database(reader, writer, merge=args.merge, batch_rows=args.batch,
                               progress=_progress(args.batch))
    if args.json:
        output.emit_json({"source": str(source), "target": str(target),
                          "migrated": list(report.migrated), "not_on_target":
                          list(report.not_on_target),
                          "tables": {c.table: {"rows": c.rows, "added": c.added,
                                               "already_there": c.already_there,
                                               "left_out": list(c.left_out)}
                                     for c in report.tables}})
        return ExitCode.OK
    if report.migrated:
        print(f"{target}: created schema version {report.migrated[-1]}")
    for copied in report.tables:
        print(f"{copied.table}: {copied.added} row(s) copied, {copied.already_there} "
              "already there")
        if copied.left_out:
            output.warning(f"{copied.table}: the target has no column "
                           f"{', '.join(copied.left_out)}: left out")
    for table in report.not_on_target:
        output.warning(f"{table}: not in the target database: not copied "
                       f"(run `{migrate_command(target)}`?)")
    return ExitCode.OK


def run_info(args: argparse.Namespace) -> int:
    from digest.storage.copy import row_counts
    from digest.storage.database import open_database
    from digest.storage.locations import Engine
    from digest.storage.schema import VERSION, schema_version

    location = _location(args, args.database, "--database")
    if location.engine == Engine.SQLITE and not (location.path and location.path.is_file()):
        raise LedgerError(f"{location}: no database yet; the first send or unsubscribe "
                          "makes it")
    with open_database(location, readonly=True) as database:
        version, counts = schema_version(database), row_counts(database)
    summary: dict[str, Any] = {"engine": str(location.engine), "location": str(location),
                               "schema_version": version, "digest_schema_version": VERSION,
                               "counts": counts}
    if args.json:
        output.emit_json(summary)
        return ExitCode.OK
    print(f"engine    {location.engine}")
    print(f"location  {location}")
    print(f"schema    version {version} (this digest: {VERSION})")
    for table, count in counts.items():
        print(f"  {table:<14} {count:>9}")
    return ExitCode.OK


def _workspace(args: argparse.Namespace) -> Path:
    return Path(args.workspace).resolve()


def _location(args: argparse.Namespace, given: str | None, option: str) -> DatabaseLocation:
    """`given` (a command-line option) read relative to the workspace, or else the
    workspace's storage.database."""
    from digest.storage.locations import location_of, parse_location

    if given is None:
        return location_of(settings_from(args), os.environ)
    return parse_location(given, _workspace(args), os.environ,
                          lambda problem: ConfigError(option, problem))


def _progress(batch: int) -> Progress:
    """Progress lines for tables longer than a few batches: one each tenth of the way."""
    shown: dict[str, int] = {}

    def report(table: str, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if total > 3 * batch and tenth > shown.get(table, 0):
            shown[table] = tenth
            output.info(f"  {table}: {done:,} of {total:,} rows")

    return report
