"""`digest excerpt`: JSON lines in and out, article files, bad input named by line."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli.commands import excerpt as command
from digest.errors import ContentError

LEAD = "The ferry company added a late boat on weekdays after months of complaints."
REST = "The new service leaves the pier at eleven and stops at both islands."


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="digest")
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["excerpt", *argv])


def test_register_adds_the_parser_with_budget_flags() -> None:
    args = parse(["--jsonl", "-", "--max-words", "30", "--max-chars", "200", "--target-words", "9"])
    assert args.handler is command.run
    assert (args.max_words, args.max_chars, args.target_words) == (30, 200, 9)


def test_jsonl_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"id": "a", "text": f"(CNN) -- {LEAD} {REST}", "title": None},
        {"id": 7, "text": f"Click here to subscribe. {REST}"},
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(json.dumps(r) for r in rows) + "\n"))
    assert command.run(parse(["--jsonl", "-"])) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out == [{"id": "a", "excerpt": f"{LEAD} {REST}"}, {"id": 7, "excerpt": REST}]


def test_budget_flags_reach_the_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "x", "text": f"{LEAD} {REST}"}) + "\n", encoding="utf-8")
    assert command.run(parse(["--jsonl", str(source), "--target-words", "5"])) == 0
    assert json.loads(capsys.readouterr().out) == {"id": "x", "excerpt": LEAD}


def test_bad_json_line_names_file_and_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "text": LEAD}) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        command.run(parse(["--jsonl", str(source)]))
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{source}:3: bad JSON")
    assert caught.value.exit_code == 2


def test_line_without_text_is_rejected(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "body": "wrong key"}\n', encoding="utf-8")
    with pytest.raises(ContentError, match=r":1: .*\"text\""):
        command.run(parse(["--jsonl", str(source)]))


def test_no_input_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert command.run(parse([])) == 2
    assert "--jsonl" in capsys.readouterr().err


def test_article_file_mode(tmp_path: Path) -> None:
    article = tmp_path / "ferry.txt"
    article.write_text(
        "Island Courier\n\nLate Ferry Added\n\nLate Ferry Added\n\n"
        f"{LEAD} {REST}\n\nAuthor\n\nJo Park\n\nJo Park writes about the islands.\n",
        encoding="utf-8",
    )
    code = (
        "import argparse, sys; from digest.cli.commands import excerpt as c; "
        "p = argparse.ArgumentParser(); c.register(p.add_subparsers()); "
        "sys.exit(c.run(p.parse_args(['excerpt', sys.argv[1]])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(article)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{LEAD} {REST}"
