"""An edition is planned once: a second sender, or a rerun, that stages the same recipients
finds the plan made (`edition_plans`) and writes nothing; changed lists plan again and add
only the new recipients. On SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.audience.lists import stage_lists
from tests.support.backends import ENGINES, LedgerBackend
from tests.support.delivery import WEEK


def lists(folder: Path, *emails: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "readers.csv").write_text("email,name\n" + "".join(f"{e},\n" for e in emails),
                                        encoding="utf-8")
    return folder


def message_id(key: str) -> str:
    return f"<{key}>"


@pytest.mark.parametrize("ledger_backend", ENGINES, indirect=True)
def test_the_same_recipients_are_planned_once(tmp_path: Path,
                                              ledger_backend: LedgerBackend) -> None:
    folder = lists(tmp_path / "subscribers", "ann@tide.example", "bob@tide.example")
    with stage_lists(folder) as staged:
        with ledger_backend.ledger(worker="first") as first:
            assert first.plan_staged(WEEK, staged, message_id) == 2
            # The plan is remembered: a row removed behind its back is not written again,
            # which shows the second sender did not plan at all.
            first.db.execute("DELETE FROM deliveries WHERE email=?", ("bob@tide.example",))
        with ledger_backend.ledger(worker="second") as second:
            assert second.plan_staged(WEEK, staged, message_id) == 0
            assert set(ledger_backend.rows()) == {"ann@tide.example"}
    # The lists change: the edition is planned again, and only the new rows are added.
    lists(folder, "ann@tide.example", "bob@tide.example", "cy@tide.example")
    with stage_lists(folder) as staged, ledger_backend.ledger(worker="third") as third:
        assert third.plan_staged(WEEK, staged, message_id) == 2
    assert set(ledger_backend.rows()) == {"ann@tide.example", "bob@tide.example",
                                          "cy@tide.example"}


def test_a_fingerprint_is_the_recipients_not_the_files(tmp_path: Path) -> None:
    one = lists(tmp_path / "one", "ann@tide.example", "ANN@tide.example", "bob@tide.example")
    two = lists(tmp_path / "two", "ann@tide.example", "bob@tide.example")
    three = lists(tmp_path / "three", "ann@tide.example", "cy@tide.example")
    with stage_lists(one) as a, stage_lists(two) as b, stage_lists(three) as c:
        assert a.fingerprint() == b.fingerprint() != c.fingerprint()
