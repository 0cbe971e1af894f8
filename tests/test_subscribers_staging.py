"""Lists staged in SQLite choose the same audience as the in-memory rules did, and the
ledger's plan copies it in listing order without any list held in memory."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from digest.audience.lists import Audience, load_entries, stage_lists
from digest.audience.records import Entry
from digest.delivery.ledger import Ledger
from tests.support.delivery import WEEK


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def choose_in_memory(entries: list[Entry], audience: Audience) -> tuple[list[str], list[str]]:
    """The rules as they were written before staging: (chosen addresses, warnings)."""
    stopped = {entry.key for entry in entries if not entry.active}
    seen: dict[str, str] = {}
    chosen: list[str] = []
    warnings: list[str] = []
    for entry in entries:
        if not entry.active or entry.key in stopped or not audience.includes(entry):
            continue
        if entry.key in seen:
            warnings.append(f"{entry.where}: duplicate of {seen[entry.key]}; sending once")
            continue
        seen[entry.key] = entry.where
        chosen.append(entry.email)
    if not chosen:  # an empty audience is said, never silent
        warnings.append(f"no subscriber is in the audience ({audience}): nothing would be "
                        "sent; check audience: in digest.yaml, --list and --tag")
    return chosen, warnings


def generated_lists(folder: Path, rng: random.Random) -> None:
    """Three lists (two CSV, one YAML) sharing addresses, with statuses and tags."""
    addresses = [f"{name}{n}@{domain}" for n in range(40)
                 for name, domain in [("ana", "example.org"), ("Bo", "EXAMPLE.net")]]
    statuses = ["", "", "", "subscribed", "active", "unsubscribed", "bounced", "pending"]
    tags = ["", "weekly", "boats", "weekly;boats", "food"]
    for name in ("readers.csv", "staff.csv"):
        rows = ["email,name,status,tags"]
        for _ in range(rng.randint(20, 60)):
            address = rng.choice(addresses)
            if rng.random() < 0.2:  # the same address with its domain in other case
                local, _, domain = address.partition("@")
                address = f"{local}@{domain.swapcase()}"
            rows.append(f"{address},N,{rng.choice(statuses)},{rng.choice(tags)}")
        write(folder, name, "\n".join(rows) + "\n")
    records = [f"- email: {rng.choice(addresses)}\n  status: '{rng.choice(statuses)}'\n"
               f"  tags: '{rng.choice(tags)}'\n" for _ in range(rng.randint(10, 30))]
    write(folder, "club.yaml", "".join(records))


@pytest.mark.parametrize("seed", range(12))
def test_staged_choice_equals_the_in_memory_rules(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    folder = tmp_path / "subscribers"
    generated_lists(folder, rng)
    everyone = load_entries(folder)
    assert everyone.errors == []
    for audience in (Audience(), Audience(("readers", "club")), Audience((), (("weekly",),)),
                     Audience(("staff.csv",), (("boats", "food"), ("weekly",)))):
        with stage_lists(folder, audience) as staged:
            chosen = [subscriber.email for subscriber in staged.chosen()]
            assert (chosen, staged.warnings()) == choose_in_memory(everyone.entries, audience)
            assert staged.recipients == len(chosen)
    # The lists have what makes the rules matter: duplicates, and addresses stopped.
    chosen, warnings = choose_in_memory(everyone.entries, Audience())
    assert warnings and len(chosen) < len({entry.key for entry in everyone.entries})


def test_plan_copies_recipients_once_in_listing_order(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "a.csv", "email,name,city\nzed@example.org,Zed,Hull\nAmy@Example.org,Amy,\n"
          "tom@example.org,Tom,Ely\n")
    write(folder, "b.csv", "email,name,status\namy@example.org,Amy B,\nzed@EXAMPLE.org,Z,\n"
          "tom@example.org,Tom,unsubscribed\nkit@example.org,Kit,\n")
    with stage_lists(folder) as staged, Ledger(tmp_path / "digest.db") as ledger:
        # One mailbox whatever the case of its local part: Amy is listed twice.
        assert staged.warnings() == [
            "subscribers/b.csv:2: duplicate of subscribers/a.csv:3; sending once",
            "subscribers/b.csv:3: duplicate of subscribers/a.csv:2; sending once"]
        assert ledger.plan_staged(WEEK, staged, lambda key: f"<{key}>") == 3
        assert ledger.plan_staged(WEEK, staged, lambda key: f"<{key}>") == 0  # a rerun
        rows = ledger.db.execute("SELECT email, address, name, fields, message_id"
                                 " FROM deliveries ORDER BY rowid").fetchall()
    assert rows == [
        ("zed@example.org", "zed@example.org", "Zed", '{"city": "Hull"}', "<zed@example.org>"),
        ("amy@example.org", "Amy@example.org", "Amy", '{"city": ""}', "<amy@example.org>"),
        ("kit@example.org", "kit@example.org", "Kit", '{"status": ""}', "<kit@example.org>"),
    ]


def test_the_plan_from_staged_lists_equals_the_plan_from_subscribers(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    generated_lists(folder, random.Random(99))
    with stage_lists(folder) as staged:
        with Ledger(tmp_path / "staged.db") as ledger:
            ledger.plan_staged(WEEK, staged, lambda key: f"<{key}>")
        with Ledger(tmp_path / "listed.db") as ledger:
            ledger.plan(WEEK, ((s, f"<{s.key}>") for s in staged.chosen()))
    query = "SELECT edition, email, name, fields, message_id, state FROM deliveries ORDER BY rowid"
    staged_rows = sqlite3.connect(tmp_path / "staged.db").execute(query).fetchall()
    assert staged_rows == sqlite3.connect(tmp_path / "listed.db").execute(query).fetchall()
    assert staged_rows


def test_a_file_broken_part_way_is_one_error_and_none_of_its_rows(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "a.csv", "email\nfirst@example.org\n")
    broken = write(folder, "b.csv", 'email,name\nok@example.org,Ok\nbad-address,X\n'
                   'q@example.org,"open quote\n')
    two = write(folder, "c.yaml", "- email: one@example.org\n---\n- email: two@example.org\n")
    listed = load_entries(folder)
    assert [e.email for e in listed.entries] == ["first@example.org"]
    assert [str(error) for error in listed.errors] == [
        f"{broken}:4: broken CSV: unexpected end of data (check the quotes)",
        f"{two}:2: invalid YAML: expected a single document in the stream, but found another "
        "document",
    ]


def test_the_staging_file_is_deleted_when_closed(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "a.csv", "email\nfirst@example.org\n")
    with stage_lists(folder) as staged:
        assert staged.path.is_file()
        assert [s.email for s in staged.chosen()] == ["first@example.org"]
    assert not staged.path.exists()
