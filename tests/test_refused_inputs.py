"""Inputs refused with file and line before anything is read from them: YAML alias bombs
in front matter and authors.yaml, and links in content/ that lead out of the workspace;
and an audience of no one, which is said, not sent in silence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.audience import run_digest
from tests.support.sources import markdown
from tests.support.workspaces import WorkspaceFactory, write

pytestmark = pytest.mark.slow  # each test runs the command line as a child process

WEEK = "2026-W48"
# Nine levels of nine: 9**9 (387 million) strings once expanded. It used to take half a
# minute and end in MemoryError; refused, it is never expanded.
BOMB = "".join(
    [f"a0: &a0 [{', '.join(['lol'] * 9)}]\n"]
    + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 9)])


def bomb_under(key: str) -> str:
    lines = BOMB.replace("a0:", f"{key}:", 1).splitlines()
    return "\n".join(lines) + "\n"


@pytest.fixture
def workspace(tmp_path: Path, make_workspace: WorkspaceFactory) -> Path:
    return make_workspace(tmp_path / "ws", "sources", articles={
        "mill.md": markdown("Tide Mill Reopens", "2026-11-23T08:00:00")})


def test_an_alias_bomb_in_front_matter_is_refused_at_its_line(workspace: Path) -> None:
    path = write(workspace / "content" / "bomb.md",
                 "---\ntitle: Lots\n" + BOMB + "tags: *a8\n---\nBody.\n")
    result = run_digest("articles", "--all", "-w", str(workspace), timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert f"error: {path}:3: anchors and aliases (&name, *name) are not allowed in front " \
           "matter; write each value out" in result.stderr.splitlines()


def test_an_alias_bomb_in_authors_yaml_is_refused_at_its_line(workspace: Path) -> None:
    path = write(workspace / "authors.yaml",
                 "- name: Nell Quarry\n  bio: Nell Quarry writes.\n" + "".join(
                     f"  x{n}: {line.split(': ', 1)[1]}\n"
                     for n, line in enumerate(BOMB.splitlines())))
    result = run_digest("check", "-w", str(workspace), timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert f"{path}:3: anchors and aliases (&name, *name) are not allowed in authors.yaml; " \
           "write each value out" in result.stderr


def test_a_content_link_out_of_the_workspace_is_refused(tmp_path: Path,
                                                        workspace: Path) -> None:
    """A link in content/ to a file elsewhere (tried: /etc/passwd) was read and mailed."""
    secret = write(tmp_path / "elsewhere" / "passwd.txt",
                   "root\nx:0:0:root:/root:/bin/bash\nsecret lines that must never be mailed\n")
    link = workspace / "content" / "passwd.txt"
    os.symlink(secret, link)
    result = run_digest("articles", "--all", "-w", str(workspace))
    assert result.returncode == 1
    assert result.stderr.splitlines().count(
        f"error: {link}: a link to {secret}, outside the workspace; refused (copy the file "
        "in instead)") == 1
    assert "x:0:0" not in result.stdout + result.stderr
    preview = run_digest("preview", "--week", WEEK, "-w", str(workspace))
    assert preview.returncode == 1
    assert not (workspace / "out").exists() or "x:0:0" not in "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (workspace / "out").rglob("*") if p.is_file())


def test_a_content_link_inside_the_workspace_is_read(workspace: Path) -> None:
    draft = write(workspace / "drafts" / "ferry.md",
                  markdown("The Ferry Runs on Tides", "2026-11-24T08:00:00"))
    os.symlink(draft, workspace / "content" / "ferry.md")
    result = run_digest("articles", "--week", WEEK, "-w", str(workspace))
    assert result.returncode == 0, result.stderr
    assert "The Ferry Runs on Tides" in result.stdout


@pytest.mark.parametrize(("config", "flags", "chosen"), [
    ("audience:\n  lists: [readers]\n  tags: [nobody]\n", (), "lists: readers; tags: nobody"),
    ("", ("--tag", "staff"), "lists: all; tags: staff")])
def test_an_empty_audience_is_said_and_names_the_choice(
        tmp_path: Path, make_workspace: WorkspaceFactory, config: str,
        flags: tuple[str, ...], chosen: str) -> None:
    """It used to send nothing and exit 0 without a word."""
    root = make_workspace(tmp_path / "ws", "audience", extra_config=config)
    result = run_digest("weekly", "--week", "2026-W11", "-w", str(root), *flags)
    assert result.returncode == 0, result.stderr
    assert (f"warning: no subscriber is in the audience ({chosen}): nothing would be sent; "
            "check audience: in digest.yaml, --list and --tag") in result.stderr.splitlines()
