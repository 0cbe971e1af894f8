"""The helpers each written once for every stage: atomic writes, YAML errors, word counts."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from digest.errors import ContentError, SubscriberError
from digest.files import write_atomically
from digest.models import Article
from digest.sources import feeds
from digest.yamlfile import located_yaml_error


def test_write_atomically_writes_text_or_bytes_and_makes_folders(tmp_path: Path) -> None:
    target = tmp_path / "out" / "2026-W10" / "index.txt"
    write_atomically(target, "Zoë\n")
    assert target.read_bytes() == "Zoë\n".encode()
    write_atomically(target, b"\x00\xff")
    assert target.read_bytes() == b"\x00\xff"
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.txt"]


def test_write_atomically_keeps_the_replaced_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "readers.csv"
    target.write_text("email\n", encoding="utf-8")
    target.chmod(0o600)
    write_atomically(target, "email\nuna@example.org\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.csv"
    write_atomically(fresh, "email\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "index.html"
    target.write_text("old", encoding="utf-8")

    def broken_replace(source: object, destination: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def yaml_failure(text: str) -> yaml.YAMLError:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        return error
    raise AssertionError("the YAML loaded")


def test_located_yaml_error_names_file_line_and_problem() -> None:
    error = located_yaml_error(yaml_failure("a: 1\nb: 'open\n"), Path("list.yaml"),
                               SubscriberError)
    assert isinstance(error, SubscriberError)
    assert str(error) == "list.yaml:3: invalid YAML: found unexpected end of stream"
    assert error.line == 3


def test_located_yaml_error_counts_lines_from_where_the_yaml_starts() -> None:
    # Front matter: the YAML starts on line 2 of the file, below its opening '---'.
    error = located_yaml_error(yaml_failure("title: Fine\nauthor: Ann: Bo\n"),
                               Path("a.md"), ContentError, "front matter is not valid YAML",
                               first_line=2)
    assert str(error) == "a.md:3: front matter is not valid YAML: mapping values are not allowed here"


def test_located_yaml_error_keeps_a_context_that_is_half_the_sentence() -> None:
    error = located_yaml_error(yaml_failure("a: 1\n---\nb: 2\n"), Path("list.yaml"),
                               SubscriberError)
    assert error.detail == ("invalid YAML: expected a single document in the stream, "
                            "but found another document")


def test_article_words_count_scripts_without_spaces() -> None:
    article = Article(title="T", body="Ferry 时刻表 leaves.\n\n渡轮时刻表", source="s",
                      published=datetime(2026, 3, 3, tzinfo=UTC))
    assert article.words == 7  # 1 + 2 + 1, then 3


def test_an_oversized_feed_file_is_refused_with_its_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.rss"
    path.write_bytes(b"<rss>" + b" " * 2_000 + b"</rss>")
    monkeypatch.setattr(feeds, "MAX_FEED_BYTES", 1_000)
    with pytest.raises(ContentError, match=r"big.rss: feed is 0.0 MB, over the 0 MB limit$"):
        feeds.read_feed_file(path, UTC)
