"""Author blurbs: whole bio sentences, third person first, no contact details."""

from __future__ import annotations

from digest.editorial.blurbs import make_blurb

BIO = (
    "Tomas Brenner reports on rivers and the people who live beside them. "
    "He spent ten years as a ferry pilot before turning to journalism. "
    "His first book, about canal towns, came out last spring."
)


def test_first_two_sentences_by_default() -> None:
    assert make_blurb(BIO) == (
        "Tomas Brenner reports on rivers and the people who live beside them. "
        "He spent ten years as a ferry pilot before turning to journalism."
    )


def test_one_sentence_when_asked() -> None:
    assert make_blurb(BIO, max_sentences=1) == (
        "Tomas Brenner reports on rivers and the people who live beside them."
    )


def test_character_limit_never_cuts_a_sentence() -> None:
    blurb = make_blurb(BIO, max_chars=90)
    assert blurb == "Tomas Brenner reports on rivers and the people who live beside them."
    assert len(blurb) <= 90


def test_first_sentence_too_long_falls_to_one_that_fits() -> None:
    bio = "Tomas Brenner " + "very " * 80 + "long. He writes about rivers."
    assert make_blurb(bio, max_chars=100) == "He writes about rivers."


def test_nothing_fits_gives_empty_string() -> None:
    assert make_blurb(BIO, max_chars=10) == ""
    assert make_blurb("") == ""


def test_contact_sentences_are_dropped() -> None:
    bio = (
        "Tomas Brenner reports on rivers. Follow him on Twitter @tbrenner. "
        "Write to tomas@example.org with tips. See https://example.org/tomas for more."
    )
    blurb = make_blurb(bio, max_sentences=4)
    assert blurb == "Tomas Brenner reports on rivers."
    assert "@" not in blurb and "http" not in blurb


def test_third_person_preferred_over_first_person() -> None:
    bio = (
        "I have covered farming for twenty years. "
        "Tomas Brenner writes the weekly harvest column. My dog helps."
    )
    assert make_blurb(bio) == "Tomas Brenner writes the weekly harvest column."


def test_first_person_bio_is_kept_when_it_is_all_there_is() -> None:
    bio = "I write about bridges. My column runs on Sundays. I live in Ghent."
    assert make_blurb(bio) == "I write about bridges. My column runs on Sundays."


def test_sentence_naming_the_author_comes_first() -> None:
    bio = "Before that she taught maths. Ana Reyes edits the science desk."
    assert make_blurb(bio, name="Ana Reyes", max_sentences=1) == (
        "Ana Reyes edits the science desk."
    )


def test_whitespace_is_normalised() -> None:
    assert make_blurb("Ana Reyes   edits\nthe science desk.") == "Ana Reyes edits the science desk."


def test_bio_in_a_script_without_spaces_is_split_at_its_own_stops() -> None:
    bio = "李华是本报记者，负责城市新闻。她曾在北京工作十年。"
    assert make_blurb(bio, max_sentences=1) == "李华是本报记者，负责城市新闻。"
