"""Sentence and paragraph splitting: each case is a trap a naive `split('. ')` falls into."""

from __future__ import annotations

import pytest

from digest.text.sentences import split_paragraphs, split_sentences


def test_paragraphs_split_on_blank_lines_and_collapse_whitespace() -> None:
    text = "First line of one\nparagraph.\n\n  \n Second   paragraph here.\r\n\r\nThird."
    assert split_paragraphs(text) == [
        "First line of one paragraph.",
        "Second paragraph here.",
        "Third.",
    ]


def test_sentence_never_spans_two_paragraphs() -> None:
    assert split_sentences("A heading without a stop\n\nThe body starts here.") == [
        "A heading without a stop",
        "The body starts here.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. Navy sailed on Tuesday. The fleet returned home.",
            ["The U.S. Navy sailed on Tuesday.", "The fleet returned home."],
        ),
        (
            "Sales fell in the U.S. The board met anyway.",
            ["Sales fell in the U.S.", "The board met anyway."],
        ),
        (
            "Dr. Okafor met Mr. Lindqvist on Jan. 12 in town. They talked.",
            ["Dr. Okafor met Mr. Lindqvist on Jan. 12 in town.", "They talked."],
        ),
        (
            "Bring fruit, e.g. pears or plums. Nothing else is needed.",
            ["Bring fruit, e.g. pears or plums.", "Nothing else is needed."],
        ),
        (
            "Growth was 3.5 percent last year. It may reach 4.25 percent.",
            ["Growth was 3.5 percent last year.", "It may reach 4.25 percent."],
        ),
        (
            "The singer J.J. Marlowe toured widely. Crowds followed.",
            ["The singer J.J. Marlowe toured widely.", "Crowds followed."],
        ),
        (
            "The doors open at 9 a.m. The queue forms earlier.",
            ["The doors open at 9 a.m.", "The queue forms earlier."],
        ),
    ],
)
def test_abbreviations_initials_and_decimals(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_quote_ending_with_period_stays_with_its_sentence() -> None:
    text = 'She said, "We will rebuild the bridge." The council agreed.'
    assert split_sentences(text) == [
        'She said, "We will rebuild the bridge."',
        "The council agreed.",
    ]


def test_ellipsis_mid_sentence_and_at_end() -> None:
    text = "He paused... and then carried on. The end came slowly... Nobody left early."
    assert split_sentences(text) == [
        "He paused... and then carried on.",
        "The end came slowly...",
        "Nobody left early.",
    ]


def test_glued_joins_are_split() -> None:
    text = 'The river rose overnight.People moved to higher ground."It was frightening."Then calm.'
    assert split_sentences(text) == [
        "The river rose overnight.",
        "People moved to higher ground.",
        '"It was frightening."',
        "Then calm.",
    ]


def test_glued_quote_opens_next_sentence_when_none_is_open() -> None:
    text = 'The mayor resigned on Friday."We did not expect it," a clerk said.'
    assert split_sentences(text) == [
        "The mayor resigned on Friday.",
        '"We did not expect it," a clerk said.',
    ]


def test_question_and_exclamation_end_sentences() -> None:
    assert split_sentences("Was it worth it? Absolutely! The team won.") == [
        "Was it worth it?",
        "Absolutely!",
        "The team won.",
    ]


def test_lowercase_after_period_does_not_split() -> None:
    assert split_sentences("The vote passed 5 vs. 4 in the end. Then lunch.") == [
        "The vote passed 5 vs. 4 in the end.",
        "Then lunch.",
    ]


def test_empty_text() -> None:
    assert split_sentences("") == []
    assert split_paragraphs(" \n\n \n") == []
