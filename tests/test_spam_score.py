"""SpamAssassin, with its local tests only (no network), scores the edition at 0.0: the
repository's own sample (`digest preview --week 2026-W48` from the repository's root) and
the long test edition with thumbnails, a contents list and author links."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from tests.support.rendering import READER, make_long_edition
from tests.support.workspaces import WorkspaceFactory

pytestmark = pytest.mark.slow
REPOSITORY = Path(__file__).resolve().parent.parent
SAMPLE = ("digest.yaml", "authors.yaml", "content", "subscribers")  # templates: the packaged


def spamassassin() -> str:
    found = shutil.which("spamassassin")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("spamassassin is missing in CI: .ci/run installs Debian's spamassassin")
        pytest.skip("SpamAssassin not installed (Debian package `spamassassin`; "
                    "`bash .ci/run` installs it)")
    return found


def score(message: bytes, home: Path) -> tuple[float, str]:
    """SpamAssassin's score and report, local tests only, with a throwaway home folder."""
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [spamassassin(), "-L", "-t", "-p", str(home / "user_prefs")], input=message,
        capture_output=True, timeout=300, check=False,
        env={**os.environ, "HOME": str(home)})
    report = result.stdout.decode("utf-8", "replace")
    found = re.search(r"^X-Spam-Status: \w+, score=(-?\d+(?:\.\d+)?)", report, re.M)
    assert found, result.stderr.decode("utf-8", "replace")[-2000:]
    return float(found.group(1)), report[report.find("Content analysis details"):]


def test_the_sample_edition_scores_zero(tmp_path: Path) -> None:
    spamassassin()
    workspace = tmp_path / "harbourside"
    workspace.mkdir()
    for name in SAMPLE:
        source = REPOSITORY / name
        if source.is_dir():
            shutil.copytree(source, workspace / name)
        else:
            shutil.copyfile(source, workspace / name)
    preview = subprocess.run(
        [sys.executable, "-m", "digest", "preview", "--week", "2026-W48", "--workspace",
         str(workspace)], capture_output=True, text=True, timeout=120, check=False)
    assert preview.returncode == 0, preview.stderr
    message = (workspace / "out" / "2026-W48" / "message.eml").read_bytes()
    value, report = score(message, tmp_path / "home")
    assert value == 0.0, report


def test_the_long_edition_scores_zero(tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    spamassassin()
    settings = make_workspace.settings(tmp_path / "ws", "rendering")
    factory = MessageFactory(render_edition(make_long_edition(), settings), settings, "s3cret")
    message = factory.build(READER, now=datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    value, report = score(message, tmp_path / "home")
    assert value == 0.0, report
