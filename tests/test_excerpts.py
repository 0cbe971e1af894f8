"""Excerpt selection and the audit: one test per rule, with sentences written to break it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest.editorial import excerpt_rules as rules
from digest.editorial.excerpts import audit_excerpt, make_excerpt
from digest.settings import ExcerptBudget

LEAD = "The city council approved a new cycling plan for the harbour district on Monday."
SECOND = "The plan adds twelve kilometres of protected lanes over the next three years."
THIRD = "Construction starts in spring, once the council has picked a contractor."
BODY = f"{LEAD} {SECOND} {THIRD}"


# --- rule predicates: each is shown breaking, and a clean sentence passing ----------------


@pytest.mark.parametrize(
    "sentence",
    [
        "He continued: the budget is tight.",
        "But the mayor disagreed with the plan.",
        "This is the third attempt in a decade.",
        "However, residents were not consulted at all.",
        "It was approved by a narrow majority.",
        "They will vote again next month on it.",
        "It's a long road for the district.",
    ],
)
def test_dangling_openings_are_rejected(sentence: str) -> None:
    assert rules.has_dangling_opening(sentence)
    assert "dangling_opening" in audit_excerpt(sentence)


def test_clean_opening_passes() -> None:
    assert rules.opening_faults(LEAD) == []
    assert rules.content_faults(LEAD) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "(CNN) -- Engineers restored power to the valley overnight.",
        "WASHINGTON (AP) -- Engineers restored power to the valley overnight.",
        "LONDON, England (CNN) -- Engineers restored power to the valley overnight.",
        "Lagos, Nigeria (CNN)Engineers restored power to the valley overnight.",
        "OSLO -- Engineers restored power to the valley overnight.",
    ],
)
def test_dateline_is_stripped_and_the_sentence_kept(sentence: str) -> None:
    assert rules.has_dateline(sentence)
    assert rules.strip_dateline(sentence) == "Engineers restored power to the valley overnight."
    assert make_excerpt(sentence) == "Engineers restored power to the valley overnight."
    assert "dateline" in audit_excerpt(sentence)


def test_daily_mail_header_is_stripped() -> None:
    body = (
        "By . Staff Writer . PUBLISHED: . 09:14 EST, 2 May 2024 . | . UPDATED: . "
        f"11:02 EST, 2 May 2024 . {LEAD} {SECOND}"
    )
    assert make_excerpt(body) == f"{LEAD} {SECOND}"


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ('"We are not finished yet," the coach told reporters.', "quote_fragment"),
        ("and then the crowd went home in silence.", "quote_fragment"),
        ("... and the lights went out across the town.", "quote_fragment"),
        ("Who will pay for the new stadium roof?", "question"),
        ('The coach said "we are not finished and left.', "unbalanced_quotes"),
        ("The fans chanted 'never again as the bus left town.", "unbalanced_quotes"),
        ("By Jane Doe | March 3, 2025", "byline"),
        ("PUBLISHED: 10:00 GMT, 3 March 2025 and more text here.", "byline"),
        ("Read more: our full coverage of the election night.", "boilerplate"),
        ("Share this story with your friends and family today.", "boilerplate"),
        ("Subscribe to our weekly newsletter for more stories.", "boilerplate"),
        ("Photo: the new bridge at dusk from the east bank.", "caption"),
        ("The new bridge at dusk, seen from the east bank (Getty Images).", "caption"),
        ("Pictured: the new bridge at dusk from the east bank.", "caption"),
        ("Copyright 2025 Harbour Media, all rights kept by us.", "copyright"),
        ("© 2025 Harbour Media Group and its partners worldwide.", "copyright"),
        ("Write to the desk at news@example.org with your tips.", "contact"),
        ("The full report is at https://example.org/report today.", "contact"),
        ("The council approved the plan", "fragment"),
        ("Big news today.", "fragment"),
    ],
)
def test_each_rule_catches_a_sentence_written_to_break_it(sentence: str, rule: str) -> None:
    assert rule in rules.broken_rules(sentence, opening=True)
    assert rule in audit_excerpt(sentence)
    # The engine never picks the broken sentence when a clean one follows.
    assert make_excerpt(f"{sentence}\n\n{LEAD}") == LEAD


def test_question_hook_is_skipped_for_the_real_lead() -> None:
    body = f"What makes a city good for bikes? {LEAD} {SECOND}"
    assert make_excerpt(body) == f"{LEAD} {SECOND}"


def test_short_hook_gives_way_to_the_lead() -> None:
    body = f"Wheels everywhere. {LEAD} {SECOND}"
    assert make_excerpt(body).startswith(LEAD)


def test_excerpt_takes_whole_sentences_up_to_the_target() -> None:
    budget = ExcerptBudget(target_words=20, max_words=40, max_chars=400)
    excerpt = make_excerpt(BODY, budget=budget)
    assert excerpt == f"{LEAD} {SECOND}"
    assert audit_excerpt(excerpt, body=BODY, budget=budget) == []


def test_long_first_sentence_gives_way_to_one_that_fits() -> None:
    long_lead = "The council " + "carefully " * 30 + "approved the harbour plan on Monday."
    budget = ExcerptBudget(target_words=10, max_words=20, max_chars=300)
    assert make_excerpt(f"{long_lead} {SECOND}", budget=budget) == SECOND


def test_nothing_fits_returns_empty_string() -> None:
    budget = ExcerptBudget(target_words=3, max_words=5, max_chars=300)
    assert make_excerpt(BODY, budget=budget) == ""


def test_max_chars_is_respected() -> None:
    budget = ExcerptBudget(target_words=100, max_words=200, max_chars=len(LEAD) + 5)
    assert make_excerpt(BODY, budget=budget) == LEAD


def test_editor_excerpt_wins_whitespace_normalised() -> None:
    assert make_excerpt(BODY, editor_excerpt="  Our pick:\n the cycling   plan. ") == (
        "Our pick: the cycling plan."
    )


def test_description_is_a_fallback_when_the_body_has_nothing() -> None:
    description = "The harbour district gets protected bike lanes under a plan approved Monday."
    assert make_excerpt("Read more here.", description=description) == description
    assert make_excerpt(BODY, description=description).startswith(LEAD)
    assert make_excerpt("Read more here.", description="Click here now!") == ""


SCRAPED = f"""Harbour Weekly

Bikes Take the Harbour

Bikes Take the Harbour

{LEAD} {SECOND}

{THIRD}

Author

Mira Koval

Mira Koval covers city hall for the paper. She lives near the harbour.
"""


def test_scraped_shape_never_leaks_title_publication_or_bio() -> None:
    bio = "Mira Koval covers city hall for the paper. She lives near the harbour."
    title, publication = "Bikes Take the Harbour", "Harbour Weekly"
    budget = ExcerptBudget(target_words=500, max_words=600, max_chars=5000)
    excerpt = make_excerpt(SCRAPED, title=title, bio=bio, publication=publication, budget=budget)
    assert excerpt == f"{LEAD} {SECOND} {THIRD}"
    found = audit_excerpt(
        excerpt, body=SCRAPED, title=title, bio=bio, publication=publication, budget=budget
    )
    assert found == []


def test_bio_sentences_in_the_body_are_skipped_even_without_a_heading() -> None:
    bio = "Mira Koval covers city hall for the paper."
    body = f"{bio} {LEAD}"
    assert make_excerpt(body, bio=bio) == LEAD
    assert "bio" in audit_excerpt(f"{bio} {LEAD}", bio=bio)


def test_audit_flags_title_publication_budget_and_cut_sentences() -> None:
    title = "Bikes Take the Harbour"
    assert "title" in audit_excerpt(f"Bikes take the harbour. {LEAD}", title=title)
    assert "publication" in audit_excerpt("Harbour Weekly.", publication="Harbour Weekly")
    small = ExcerptBudget(target_words=5, max_words=10, max_chars=50)
    assert {"over_max_words", "over_max_chars"} <= set(audit_excerpt(BODY, budget=small))
    cut = "The city council approved a new cycling plan."
    assert "not_whole_body_sentence" in audit_excerpt(cut, body=BODY)
    assert audit_excerpt(BODY, body=BODY) == []
    assert audit_excerpt(LEAD, body=BODY) == ["too_short"]  # the body had more to give
    assert audit_excerpt("") == []


def test_determinism_across_hash_seeds() -> None:
    body = (
        "Lisbon, Portugal (CNN)The tram network will double by 2030, officials said. "
        "It is the largest expansion in decades. Photo: a tram at night. "
        f"{LEAD} {SECOND} {THIRD}"
    )
    code = (
        "import json, sys; from digest.editorial.excerpts import make_excerpt; "
        "print(json.dumps(make_excerpt(sys.stdin.read())))"
    )
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code],
            input=body,
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()).startswith("The tram network will double by 2030")


EVAL = Path(__file__).resolve().parents[2] / "shared/eval/excerpts-dev.jsonl"


@pytest.mark.skipif(not EVAL.exists(), reason=f"eval data not found at {EVAL}")
def test_eval_rows_have_no_audited_violations() -> None:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line]
    failures, short = {}, []
    for row in rows:
        excerpt = make_excerpt(row["text"], title=row["title"])
        broken = audit_excerpt(excerpt, body=row["text"], title=row["title"])
        if "too_short" in broken:
            short.append(row["id"])  # the engine's best, flagged honestly; see docs/EXCERPTS.md
            broken.remove("too_short")
        if broken or not excerpt:
            failures[row["id"]] = broken or ["empty"]
    assert failures == {}
    assert len(short) <= 2


def test_sentences_inside_an_open_quotation_are_not_used() -> None:
    quoted = (
        'The minister told the chamber: "We will build more homes this year. '
        'Prices for first buyers will fall within two years. Trust the plan."'
    )
    body = f"{quoted}\n\n{LEAD}"
    assert make_excerpt(body) == LEAD
    inside = "Prices for first buyers will fall within two years."
    assert "inside_quote" in audit_excerpt(inside, body=body)
