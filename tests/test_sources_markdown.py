"""Markdown bodies read as CommonMark: the constructs a line-by-line reading gets wrong."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from digest.sources.markdown import markdown_to_text, read_markdown


def paragraphs(markdown: str) -> list[str]:
    return markdown_to_text(markdown).split("\n\n")


def test_reference_links_keep_their_text_and_drop_their_definitions() -> None:
    markdown = (
        "The keeper's [annual report][report] is out, and the [gauge][] agrees.\n"
        "See also [the archive].\n\n"
        "[report]: https://harbour.example/report \"Report\"\n"
        "[gauge]: <https://harbour.example/gauge>\n"
        "[the archive]: https://harbour.example/archive\n"
    )
    assert paragraphs(markdown) == [
        "The keeper's annual report is out, and the gauge agrees. See also the archive."
    ]
    assert "https://" not in markdown_to_text(markdown)


def test_setext_headings_are_paragraphs_without_their_underlines() -> None:
    markdown = ("Harbour News\n============\n\nThe ferry ran on time.\n\n"
                "Tides this week\n---------------\nHigh water at noon.\n")
    assert paragraphs(markdown) == [
        "Harbour News", "The ferry ran on time.", "Tides this week", "High water at noon."]


def test_tables_read_row_by_row_without_pipes_or_rules() -> None:
    markdown = ("Berths for the week:\n\n"
                "| Boat | Berth |\n|:-----|------:|\n| Heron | 4 |\n| Curlew | *12* |\n\n"
                "Ask the harbour master to swap.\n")
    assert paragraphs(markdown) == [
        "Berths for the week:", "Boat Berth", "Heron 4", "Curlew 12",
        "Ask the harbour master to swap."]


def test_indented_code_is_dropped_like_fenced_code() -> None:
    markdown = ("The gauge logs every tide.\n\n"
                "    $ tide-log --since 1984\n    12,403 readings\n\n"
                "```\nfenced = True\n```\n\n"
                "It has not missed one since 1984.\n")
    assert paragraphs(markdown) == [
        "The gauge logs every tide.", "It has not missed one since 1984."]


def test_indented_continuation_of_a_list_item_is_not_code() -> None:
    markdown = "- The first buoy\n\n    was repainted red.\n- The second stayed green.\n"
    assert paragraphs(markdown) == [
        "The first buoy", "was repainted red.", "The second stayed green."]


def test_inline_markup_entities_and_escapes_read_as_text() -> None:
    markdown = ("# Fish *and* chips\n\n"
                "Soup &amp; bread, **hot** and `cheap`, ~~twice~~ \\*thrice\\* a day "
                "([menu](https://x.example/menu)). ![a bowl](bowl.jpg)\n\n"
                "> Best on the quay.\n\n<div class=\"note\">Open <b>daily</b>.</div>\n")
    assert paragraphs(markdown) == [
        "Fish and chips",
        "Soup & bread, hot and cheap, twice *thrice* a day (menu).",
        "Best on the quay.",
        "Open daily.",
    ]


def test_read_markdown_body_uses_the_commonmark_reading(tmp_path: Path) -> None:
    path = tmp_path / "tides.md"
    path.write_text("---\ntitle: Tides\ndate: 2026-03-03\n---\n"
                    "Tides\n=====\n\nSee [the table][t].\n\n[t]: https://x.example/t\n",
                    encoding="utf-8")
    article = read_markdown(path, UTC)
    assert article.body == "Tides\n\nSee the table."
