"""Scraped plain text: bylines, datelines, several authors, bios, and noise lines dropped."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.errors import ContentError
from digest.sources.scraped import read_scraped
from tests.support.workspaces import write

UTC = ZoneInfo("UTC")
BODY = ("The sleeper service returned on Sunday after eleven years away.\n\n"
        "By the time the train reached the viaduct, most passengers were asleep.\n\n")


def scraped(tmp_path: Path, head: str, tail: str = "") -> Path:
    return write(tmp_path / "story.txt", f"The Estuary Ledger\n\nNight Trains Return\n\n"
                 f"Night Trains Return\n\n{head}\n\n{BODY}{tail}")


@pytest.mark.parametrize(("head", "names", "day"), [
    ("By Oona Brack | March 3, 2025", ("Oona Brack",), "2025-03-03"),
    ("By Oona Brack and Teodor Vance | 3 March 2025", ("Oona Brack", "Teodor Vance"),
     "2025-03-03"),
    ("By Oona Brack, Teodor Vance and Lio Park", ("Oona Brack", "Teodor Vance", "Lio Park"),
     None),
    ("Written by Oona Brack · Mar. 3, 2025", ("Oona Brack",), "2025-03-03"),
    ("By Oona Brack, March 3rd, 2025", ("Oona Brack",), "2025-03-03"),
    ("Published: 2025-03-03 10:30 GMT\n\nBy Oona Brack", ("Oona Brack",), "2025-03-03"),
    ("Updated March 4, 2025\n\n5 min read", (), "2025-03-04"),
])
def test_bylines_and_datelines(tmp_path: Path, head: str, names: tuple[str, ...],
                               day: str | None) -> None:
    article = read_scraped(scraped(tmp_path, head), UTC)
    assert article.authors == names
    assert article.body.startswith("The sleeper service returned")
    if day:
        assert article.published.date().isoformat() == day and not article.date_from_file
    else:
        assert article.date_from_file


def test_sentence_starting_with_by_is_body(tmp_path: Path) -> None:
    article = read_scraped(scraped(tmp_path, "Share   Tweet   Email"), UTC)
    assert "By the time the train reached the viaduct" in article.body
    assert "Tweet" not in article.body


def test_read_more_and_share_lines_leave_the_body(tmp_path: Path) -> None:
    tail = ("Read more: Why the viaduct closed for a decade\n\nShare this article\n\n"
            "Related: Ferry timetable changes\n\nRail officials said bookings were strong.\n")
    body = read_scraped(scraped(tmp_path, "By Oona Brack", tail), UTC).body
    assert "Read more" not in body and "Share" not in body and "Related" not in body
    assert body.endswith("Rail officials said bookings were strong.")


def test_several_authors_each_with_a_bio(tmp_path: Path) -> None:
    tail = ("About the authors\n\nOona Brack\n\nOona Brack covers transport for the Ledger.\n\n"
            "Teodor Vance\n\nTeodor Vance is the Ledger's data reporter.\n")
    article = read_scraped(scraped(tmp_path, "By O. Brack", tail), UTC)
    assert article.authors == ("Oona Brack", "Teodor Vance")
    assert article.author_bios == (
        ("Oona Brack", "Oona Brack covers transport for the Ledger."),
        ("Teodor Vance", "Teodor Vance is the Ledger's data reporter."))
    assert "covers transport" not in article.body


def test_bio_without_a_name_line_belongs_to_the_byline_author(tmp_path: Path) -> None:
    tail = "About the author\n\nOona Brack has covered the coast line since 2015.\n"
    article = read_scraped(scraped(tmp_path, "By Oona Brack", tail), UTC)
    assert article.authors == ("Oona Brack",)
    assert article.author_bios == (("Oona Brack", "Oona Brack has covered the coast line "
                                                  "since 2015."),)


def test_missing_body_is_an_error_with_a_line(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.txt", "The Ledger\n\nA Title\n\nBy Oona Brack | May 1, 2025\n")
    with pytest.raises(ContentError) as caught:
        read_scraped(path, UTC)
    assert caught.value.line == 5 and "no body text" in str(caught.value)


def test_without_publication_line_the_first_line_is_the_title(tmp_path: Path) -> None:
    path = tmp_path / "keepers.txt"
    path.write_text(
        "The Keepers Who Stayed On\n\n"
        "For thirty years the keepers of the Blackrock light lived on a rock the size of a "
        "tennis court, and the last of them still lives in the town.\n\n"
        "She kept the log for eleven winters.\n", encoding="utf-8")
    article = read_scraped(path, UTC)
    assert article.title == "The Keepers Who Stayed On"
    assert article.site_name is None
    assert article.body.startswith("For thirty years the keepers")


def test_a_long_question_headline_is_still_a_headline(tmp_path: Path) -> None:
    path = tmp_path / "gulls.txt"
    path.write_text(
        "Estuary Review\n\n"
        "Why did the gulls leave the cliffs for the retail park, and will they ever go back?\n\n"
        "The colony on the retail park roofs has doubled in five years, the survey found.\n",
        encoding="utf-8")
    article = read_scraped(path, UTC)
    assert article.site_name == "Estuary Review"
    assert article.title.startswith("Why did the gulls leave")


def test_bio_without_a_name_line_names_its_author(tmp_path: Path) -> None:
    path = tmp_path / "bio.txt"
    path.write_text(
        "Harbour Weekly\n\nNew Pontoons for the Marina\n\n"
        "Twelve new pontoons were floated into the marina on Monday morning.\n\n"
        "About the Author\n\n"
        "Tom Baird is a freelance writer based in the town. He writes about boats.\n",
        encoding="utf-8")
    article = read_scraped(path, UTC)
    assert article.authors == ("Tom Baird",)
    assert article.bio is not None and article.bio.startswith("Tom Baird is a freelance writer")
    assert "freelance" not in article.body


OP_ED_HEADLINE = "The harbour belongs to everyone, and the council should keep it that way."


def test_a_headline_repeated_near_the_top_is_the_title_even_as_a_sentence(
        tmp_path: Path) -> None:
    path = write(tmp_path / "op-ed.txt", (
        f"The Estuary Ledger\n\n{OP_ED_HEADLINE}\n\n{OP_ED_HEADLINE}\n\n"
        "By Marguerite Okafor | March 3, 2025\n\n"
        "Selling the west quay would raise money once and cost the town for ever.\n\n"
        "The council meets on Thursday to decide.\n"))
    article = read_scraped(path, UTC)
    assert article.site_name == "The Estuary Ledger"
    assert article.title == OP_ED_HEADLINE
    assert article.authors == ("Marguerite Okafor",)
    assert article.body.startswith("Selling the west quay")
    assert OP_ED_HEADLINE not in article.body


def test_a_kicker_between_publication_and_repeated_headline_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path / "kicker.txt", (
        f"The Estuary Ledger\n\nOpinion\n\n{OP_ED_HEADLINE}\n\n{OP_ED_HEADLINE.upper()}\n\n"
        "Selling the west quay would raise money once and cost the town for ever.\n"))
    article = read_scraped(path, UTC)
    assert (article.site_name, article.title) == ("The Estuary Ledger", OP_ED_HEADLINE)
    assert article.body == "Selling the west quay would raise money once and cost the town " \
                           "for ever."


def test_a_sentence_headline_followed_by_a_byline_is_the_title(tmp_path: Path) -> None:
    path = write(tmp_path / "once.txt", (
        f"The Estuary Ledger\n\n{OP_ED_HEADLINE}\n\nBy Marguerite Okafor\n\n"
        "Selling the west quay would raise money once and cost the town for ever.\n"))
    article = read_scraped(path, UTC)
    assert (article.site_name, article.title) == ("The Estuary Ledger", OP_ED_HEADLINE)
    assert article.authors == ("Marguerite Okafor",)


def test_a_title_followed_by_its_byline_has_no_publication_line(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.txt", "Night Trains Return\n\nBy Oona Brack\n\n" + BODY)
    article = read_scraped(path, UTC)
    assert (article.site_name, article.title) == (None, "Night Trains Return")
    assert article.authors == ("Oona Brack",)


def test_about_name_heading_gives_author_and_bio(tmp_path: Path) -> None:
    tail = ("About Marguerite Okafor\n\nMarguerite Okafor has written about the harbour "
            "for twenty years. She lives above the chandlery.\n")
    article = read_scraped(scraped(tmp_path, "Published: 2025-03-03", tail), UTC)
    assert article.authors == ("Marguerite Okafor",)
    assert article.author_bios == (("Marguerite Okafor", "Marguerite Okafor has written about "
                                    "the harbour for twenty years. She lives above the "
                                    "chandlery."),)
    assert article.bio is not None and "chandlery" not in article.body
    assert "About Marguerite" not in article.body


def test_several_about_name_sections_and_a_pronoun_bio(tmp_path: Path) -> None:
    tail = ("About Oona Brack\n\nShe covers transport for the Ledger.\n\n"
            "About Teodor Vance\n\nVance is the Ledger's data reporter.\n")
    article = read_scraped(scraped(tmp_path, "By Oona Brack", tail), UTC)
    assert article.authors == ("Oona Brack", "Teodor Vance")
    assert article.author_bios == (("Oona Brack", "She covers transport for the Ledger."),
                                   ("Teodor Vance", "Vance is the Ledger's data reporter."))


def test_about_heading_that_is_not_a_bio_stays_in_the_body(tmp_path: Path) -> None:
    tail = "About Face\n\nThe council reversed its decision on the viaduct lights.\n"
    article = read_scraped(scraped(tmp_path, "By Oona Brack", tail), UTC)
    assert article.authors == ("Oona Brack",) and article.bio is None
    assert article.body.endswith("About Face\n\nThe council reversed its decision on the "
                                 "viaduct lights.")
