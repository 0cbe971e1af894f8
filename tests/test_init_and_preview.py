"""`digest init` makes a workspace that works at once; `digest preview` sends nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli.main import main


def test_init_creates_a_working_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "letter"
    assert main(["init", str(target)]) == 0
    for name in ("digest.yaml", "authors.yaml", "content/welcome.md",
                 "subscribers/subscribers.csv", "editions/example.yaml", ".gitignore"):
        assert (target / name).is_file(), name
    # No template is copied unless asked for: the packaged ones keep getting their fixes.
    assert not (target / "templates").exists()
    assert main(["check", "--workspace", str(target)]) == 0
    assert "no problem(s)" in capsys.readouterr().err


def test_init_refuses_an_existing_workspace(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "letter"
    assert main(["init", str(target)]) == 0
    (target / "digest.yaml").write_text("newsletter: {name: Mine}\n", encoding="utf-8")
    assert main(["init", str(target)]) == 1
    assert "already a workspace" in capsys.readouterr().err
    assert (target / "digest.yaml").read_text(encoding="utf-8") == "newsletter: {name: Mine}\n"


def test_workspace_templates_override_the_packaged_ones(workspace: Path) -> None:
    (workspace / "templates").mkdir()
    (workspace / "templates" / "email.txt.j2").write_text(
        "Custom text for {{ newsletter.name }}\nUnsubscribe: {{ unsubscribe_url }}\n",
        encoding="utf-8")
    assert main(["preview", "--week", "2026-W48", "--workspace", str(workspace)]) == 0
    text = (workspace / "out" / "2026-W48" / "index.txt").read_text(encoding="utf-8")
    assert text.startswith("Custom text for The Estuary Weekly")


def test_preview_prints_paths_and_writes_files(workspace: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "digest", "preview", "--week", "2026-W48", "--workspace",
         str(workspace)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    printed = [Path(line) for line in result.stdout.split()]
    assert workspace / "out" / "2026-W48" / "index.html" in [p.resolve() for p in printed]
    for path in printed:
        assert path.is_file()
    assert not (workspace / "out" / "maildir").exists()  # nothing was sent


def test_init_takes_the_workspace_option_too(tmp_path: Path) -> None:
    assert main(["init", "--workspace", str(tmp_path / "other")]) == 0
    assert (tmp_path / "other" / "digest.yaml").is_file()


def test_a_new_workspace_previews_its_sample_article_this_week(tmp_path: Path) -> None:
    target = tmp_path / "letter"
    assert main(["init", str(target)]) == 0
    assert main(["preview", "--workspace", str(target)]) == 0
    week_folders = [p for p in (target / "out").iterdir() if p.is_dir()]
    assert len(week_folders) == 1
    text = (week_folders[0] / "index.txt").read_text(encoding="utf-8")
    assert "Welcome to Your Digest" in text
