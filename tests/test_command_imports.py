"""Commands import only what they use: registering every command loads no parser, HTTP
client, DKIM or MJML library, and `digest status` loads none of them either.

Each check runs the real command line in a fresh interpreter and looks at the modules it
ended with (a set of names, not a time: import times vary from machine to machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from digest.delivery.ledger import Ledger
from tests.support.audience import digest_env
from tests.support.delivery import WEEK, plan_rows
from tests.support.workspaces import WorkspaceFactory

# Libraries that cost tenths of a second to import and that `status` never needs.
HEAVY = ("trafilatura", "feedparser", "httpx", "dkim", "mjml")
# What a send of Markdown articles needs neither: no page, feed or URL to read.
READERS = ("trafilatura", "feedparser", "httpx")

_PROBE = """
import json, sys
from digest.cli.main import main
try:
    code = main(sys.argv[2:])
except SystemExit as stop:  # --help
    code = stop.code
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def modules_after(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    """(exit code, top-level names of every module loaded) of `digest ARGS`, run afresh."""
    report = tmp_path / "modules.json"
    subprocess.run([sys.executable, "-c", _PROBE, str(report), *args], check=False,
                   capture_output=True, text=True, env=digest_env(DIGEST_SECRET="s"),
                   timeout=120)
    result = json.loads(report.read_text())
    return result["code"], {name.partition(".")[0] for name in result["modules"]}


def test_help_of_status_registers_every_command_without_their_libraries(
        tmp_path: Path) -> None:
    code, modules = modules_after(tmp_path, "status", "--help")
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_status_reads_the_ledger_without_parsers_http_dkim_or_mjml(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    workspace = make_workspace(tmp_path / "news", "delivery")
    with Ledger(workspace / "digest.db") as ledger:
        plan_rows(ledger, ["a@tide.example", "b@tide.example"])
    code, modules = modules_after(tmp_path, "status", "--workspace", str(workspace),
                                  "--week", WEEK)
    assert code == 0
    assert "sqlite3" in modules  # it did read the ledger
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_a_dry_run_of_markdown_articles_loads_no_page_or_feed_reader(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    workspace = make_workspace(tmp_path / "news", "delivery",
                               subscribers=["a@tide.example", "b@tide.example"])
    code, modules = modules_after(tmp_path, "send", "--dry-run", "--workspace",
                                  str(workspace), "--week", WEEK)
    assert code == 0
    assert "mjml" in modules  # it did render the edition
    assert modules.isdisjoint(READERS), sorted(modules & set(READERS))
