"""`digest articles`: what the sources hold, as the real command prints it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.sources import FIXTURES, markdown
from tests.support.workspaces import WorkspaceFactory, write

pytestmark = pytest.mark.slow  # every test runs the command line as a child process


def digest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "digest", *args], capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.fixture
def workspace(tmp_path: Path, make_workspace: WorkspaceFactory) -> Path:
    root = make_workspace(tmp_path / "ws", "sources")
    for name in ("article.html", "cp1252.html", "harbour.rss", "estuary.atom", "broken.rss"):
        shutil.copy(FIXTURES / name, root / "content" / name)
    write(root / "content" / "mill.md", markdown("Tide Mill Reopens", "2026-11-23T08:00:00"))
    return root


def test_all_json_lists_every_article_with_title_and_author(workspace: Path) -> None:
    result = digest("articles", "--all", "--json", "-w", str(workspace))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    found = {row["title"]: row["author"] for row in rows}
    assert found == {
        "How the Marsh Town Rebuilt Its Sea Wall": "Halina Ferreira-Stott",
        "Les cafés du quai ferment plus tôt cet hiver": "Amélie Durand-Lévesque",
        "Harbour master retires after 31 years": "Benedikt Aalto",
        "Crab season opens with record catch": "Mirela Okonkwo, Sam Fairweather",
        "Eelgrass meadows return to the mudflats": "Wen Hollis, Ada Nwachukwu",
        "Tide Mill Reopens": "Nell Quarry",
    }
    for row in rows:
        assert {"title", "author", "published", "url", "site_name", "source", "words",
                "selected"} <= set(row)
    atom = next(r for r in rows if r["source"] == "content/estuary.atom")
    assert atom["published"] == "2026-11-26T07:45:00+00:00"
    assert atom["site_name"] == "Estuary Science Notes" and atom["words"] == 26
    # max_articles is 3 in W48: the three newest of the week are selected.
    assert sorted(r["title"] for r in rows if r["selected"]) == [
        "Crab season opens with record catch", "Eelgrass meadows return to the mudflats",
        "Les cafés du quai ferment plus tôt cet hiver"]
    assert "broken.rss:3: not a readable RSS/Atom feed" in result.stderr


def test_week_table_marks_selected_and_duplicates(workspace: Path) -> None:
    write(workspace / "content" / "copy.md", markdown(
        "How the Marsh Town Rebuilt its Sea-Wall", "2026-11-24", author="H. Ferreira-Stott"))
    result = digest("articles", "--week", "2026-W48", "-w", str(workspace))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    copy = next(i for i, line in enumerate(lines) if "Sea-Wall" in line)
    assert lines[copy].startswith("=")
    assert "7 article(s), 3 selected" in result.stderr


def test_weekly_with_no_articles_sends_nothing(workspace: Path) -> None:
    write(workspace / "subscribers" / "main.csv", "email,name\nreader@example.org,Reader\n")
    quiet = digest("weekly", "--week", "2026-W10", "-w", str(workspace))
    assert quiet.returncode == 0, quiet.stderr
    assert "no articles published in week 2026-W10; nothing to send" in quiet.stderr
    strict = digest("weekly", "--week", "2026-W10", "--require-articles", "-w", str(workspace))
    assert strict.returncode == 1
    assert not (workspace / "out" / "maildir").exists()
