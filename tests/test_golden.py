"""Golden files for one full edition: HTML, text, and the .eml with volatile headers scrubbed.

Refresh them after an intended change to the templates, then review the diff:

    DIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import escape_html, one_line
from tests.support.rendering import READER, make_edition
from tests.support.workspaces import WorkspaceFactory

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DIGEST_UPDATE_GOLDEN") == "1"


def scrub(eml: str) -> str:
    """Date, Message-ID and the MIME boundary change per build; nothing else may."""
    eml = re.sub(r"^Date: [^\r\n]*", "Date: <scrubbed>", eml, flags=re.M)
    eml = re.sub(r"^Message-ID: [^\r\n]*", "Message-ID: <scrubbed>", eml, flags=re.M)
    return re.sub(r"=_digest_[0-9a-f]+", "=_digest_BOUNDARY", eml)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory,
            make_workspace: WorkspaceFactory) -> dict[str, str]:
    settings = make_workspace.settings(tmp_path_factory.mktemp("golden") / "ws", "rendering")
    factory = MessageFactory(render_edition(make_edition(), settings), settings,
                             "golden-secret")
    values = factory.values_for(READER)
    eml = factory.build(READER, now=datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    return {
        "edition.html": factory.rendered.html.fill(values, escape_html),
        "edition.txt": factory.rendered.text.fill(values, one_line),
        "edition.eml": scrub(eml.decode("utf-8")),
    }


@pytest.mark.parametrize("name", ["edition.html", "edition.txt", "edition.eml"])
def test_matches_golden(outputs: dict[str, str], name: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(outputs[name].encode("utf-8"))
    assert path.is_file(), f"{path} missing: run DIGEST_UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_bytes().decode("utf-8")
    assert outputs[name] == expected, (
        f"{name} differs from {path}; if the change is intended, refresh with "
        "DIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py and review the diff")


def test_scrub_only_touches_volatile_headers() -> None:
    sample = "Date: Mon, 1 Jan\r\nMessage-ID: <a@b>\r\nSubject: Date: kept\r\n--=_digest_ab12\r\n"
    assert scrub(sample) == ("Date: <scrubbed>\r\nMessage-ID: <scrubbed>\r\n"
                             "Subject: Date: kept\r\n--=_digest_BOUNDARY\r\n")
