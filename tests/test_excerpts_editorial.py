"""What an editor rejects in an excerpt: each defect written as a small article, and the
audit flagging it. Every sentence here was written for these tests."""

from __future__ import annotations

import pytest

from digest.editorial import excerpt_rules as rules
from digest.editorial.excerpts import audit_excerpt, make_excerpt
from digest.text.furniture import has_contact, is_caption, split_glued_caption
from digest.text.sentences import strip_list_marker
from digest.text.shape import is_short_clause
from digest.words import count_words

LEAD = "The city council approved a new cycling plan for the harbour district on Monday."
SECOND = "The plan adds twelve kilometres of protected lanes over the next three years."
THIRD = "Construction starts in spring, once the council has picked a contractor."
FOURTH = "Residents can comment on the route maps at the library until the end of May."


# --- a pronoun may open the lead, not a later sentence --------------------------------------


@pytest.mark.parametrize(
    "lead",
    [
        "They may not look like much, but the old ferry sheds hold the town's best market.",
        "This one starts at dawn, when the fishing boats come in with the night's catch.",
        "It took the harbour board eleven years to agree on the new breakwater design.",
    ],
)
def test_a_pronoun_lead_opens_the_excerpt(lead: str) -> None:
    body = f"{lead} {SECOND} {THIRD}"
    assert make_excerpt(body) == body
    assert audit_excerpt(body, body=body) == []


def test_a_pronoun_after_the_lead_still_dangles() -> None:
    later = "They said the work would take two years."
    assert rules.has_dangling_opening(later)
    assert not rules.has_dangling_opening(later, lead=True)
    assert "dangling_opening" in audit_excerpt(f"{later} {THIRD}", body=f"{LEAD} {later} {THIRD}")


def test_a_connective_never_opens_even_as_the_lead() -> None:
    assert rules.has_dangling_opening("However, the harbour board met again.", lead=True)


# --- hooks ------------------------------------------------------------------------------------


def test_a_hook_gives_way_to_a_substantial_lead() -> None:
    body = f"Wheels everywhere. {LEAD} {SECOND} {THIRD}"
    assert make_excerpt(body).startswith(LEAD)


def test_a_hook_is_kept_when_no_substantial_lead_follows() -> None:
    body = (
        "I quit my car. The bus took longer. It also gave me back an hour a day to read, "
        "which I had not expected when I sold the old hatchback last spring to a neighbour."
    )
    excerpt = make_excerpt(body)
    assert excerpt.startswith("I quit my car. The bus took longer.")


def test_an_op_ed_keeps_its_hook_and_goes_on() -> None:
    hook = "I was wrong about bikes."
    bio = "Mira Koval writes about city life for the paper."
    body = f"{hook} {LEAD} {SECOND} {THIRD}"
    assert make_excerpt(body, bio=bio).startswith(f"{hook} {LEAD}")
    assert make_excerpt(body).startswith(LEAD)  # a news story: the lead first


# --- too short --------------------------------------------------------------------------------


def test_a_short_teaser_makes_way_for_a_longer_opening() -> None:
    body = (
        "Meet the new ferry.\n\nWhat does it cost?\n\n"
        f"{LEAD} {SECOND} {THIRD}"
    )
    excerpt = make_excerpt(body)
    assert excerpt.startswith(LEAD)
    assert count_words(excerpt) >= 25


def test_a_short_clause_may_follow_the_opening() -> None:
    assert is_short_clause("It failed.")
    assert not is_short_clause("Wheels everywhere.")
    assert not is_short_clause("Why it matters.")
    body = (
        "The harbour board tried to sell the old lighthouse to a hotel group last year. "
        f"It failed. {SECOND} {THIRD}"
    )
    excerpt = make_excerpt(body)
    assert "It failed." in excerpt and excerpt.endswith(THIRD)
    assert audit_excerpt(excerpt, body=body) == []


def test_a_rhetorical_question_inside_a_paragraph_may_follow() -> None:
    body = (
        "The harbour board wants to charge visitors for parking near the beach. "
        "Who will pay? Mostly day trippers, since residents get a free permit for each car. "
        f"{THIRD}"
    )
    excerpt = make_excerpt(body)
    assert "Who will pay? Mostly day trippers" in excerpt
    assert audit_excerpt(excerpt, body=body) == []


def test_an_excerpt_never_ends_on_a_question() -> None:
    body = "The harbour board wants to charge visitors for parking near the beach. Who will pay?"
    assert make_excerpt(body) == (
        "The harbour board wants to charge visitors for parking near the beach."
    )
    assert "question" in audit_excerpt(body, body=body)


def test_the_audit_flags_an_excerpt_under_twenty_words() -> None:
    body = f"{LEAD} {SECOND}"
    assert "too_short" in audit_excerpt(LEAD, body=body)
    assert "too_short" in audit_excerpt(LEAD)  # no source to say there was no more
    assert "too_short" not in audit_excerpt(LEAD, body=LEAD)  # the whole source


# --- lists ----------------------------------------------------------------------------------


def test_list_markers_are_stripped() -> None:
    assert strip_list_marker("- Buy a lamp.") == ("Buy a lamp.", True)
    assert strip_list_marker("12) Buy a lamp.") == ("Buy a lamp.", True)
    assert strip_list_marker("• Buy a lamp.") == ("Buy a lamp.", True)
    assert strip_list_marker("2024 was dry.") == ("2024 was dry.", False)


def test_the_excerpt_never_opens_on_a_later_sentence_of_a_list_item() -> None:
    items = "\n\n".join(
        f"- Stop {n}: the ferry calls at pier {n}. Tickets are sold on board." for n in range(1, 10)
    )
    body = f"{items}\n\n- Lamps. The harbour lights were replaced with brighter LED lamps in May."
    excerpt = make_excerpt(body)
    assert not excerpt.startswith(("Tickets", "The harbour lights"))
    opening_inside = "The harbour lights were replaced with brighter LED lamps in May."
    assert "list_item_opening" in audit_excerpt(opening_inside, body=body)


def test_bulleted_lead_reads_as_a_sentence() -> None:
    body = f"- {LEAD}\n\n- {SECOND}\n\n- {THIRD}"
    assert make_excerpt(body) == f"{LEAD} {SECOND} {THIRD}"


# --- duplicates -------------------------------------------------------------------------------


def test_no_sentence_twice_and_never_the_title() -> None:
    title = "Cycling plan approved for the harbour"
    body = f"Cycling plan approved for the harbour.\n\n{LEAD}\n\n{LEAD}\n\n{SECOND} {THIRD}"
    excerpt = make_excerpt(body, title=title)
    assert excerpt == f"{LEAD} {SECOND} {THIRD}"
    assert "repeated_sentence" in audit_excerpt(f"{LEAD} {LEAD}", body=body)
    assert "title" in audit_excerpt(f"Cycling plan approved for the harbour. {LEAD}", title=title)


# --- gaps -------------------------------------------------------------------------------------


def test_opening_rules_apply_again_after_a_skipped_sentence() -> None:
    body = (
        f"{LEAD} Photo: the harbour at dusk from the east pier. He said she knew about it. "
        f"{SECOND}"
    )
    assert make_excerpt(body) == LEAD
    gapped = f"{LEAD} He said she knew about it."
    assert "dangling_after_gap" in audit_excerpt(gapped, body=body)
    assert "dangling_after_gap" not in audit_excerpt(
        f"{LEAD} He said she knew about it.", body=f"{LEAD} He said she knew about it."
    )


# --- glued captions, names, handles ------------------------------------------------------------


def test_a_glued_caption_is_cut_and_the_lead_kept() -> None:
    glued = "Rowers on the lake at dawn on Sunday The rowing club has won a grant for a new boathouse."
    assert is_caption(glued)
    assert split_glued_caption(glued) == "The rowing club has won a grant for a new boathouse."
    body = f"{glued} {SECOND} {THIRD}"
    excerpt = make_excerpt(body)
    assert excerpt.startswith("The rowing club has won a grant for a new boathouse.")
    assert audit_excerpt(excerpt, body=body) == []


def test_a_caption_ending_in_a_list_number_is_furniture() -> None:
    caption = "The ferry crew on the new deck at the harbour 1."
    assert is_caption(caption)
    assert make_excerpt(f"{caption} {LEAD} {SECOND} {THIRD}").startswith(LEAD)
    assert not is_caption("The youngest rower on the crew was just 9.")


@pytest.mark.parametrize(
    "sentence",
    [
        "Under Plan A the council would pay for the lanes itself.",
        "Pupils with Grade A results get a free bus pass from the council.",
        "Doctors said Patient A was moved to the harbour clinic on Friday.",
        "Lack of vitamin A is rare among the town's children, the clinic said.",
    ],
)
def test_single_letter_names_are_not_glued_captions(sentence: str) -> None:
    assert not is_caption(sentence)
    assert split_glued_caption(sentence) is None


def test_a_magazines_at_name_is_not_a_handle() -> None:
    assert not has_contact("Her essay on ferries ran in @Large magazine last spring.")
    assert has_contact("Follow @HarbourNews for updates.")
    assert has_contact("Send tips to @harbour_desk today.")
    assert has_contact("The board (@HarbourBoard) posted the plan.")


# --- rules found on the review set ----------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "It should not surprise anyone that the ferry fares went up again this spring.",
        "It was just five years since the harbour had last flooded the market hall.",
        "It is hard to say when the new pier will open to the public.",
    ],
)
def test_an_empty_it_points_at_nothing(sentence: str) -> None:
    assert not rules.has_dangling_opening(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "In it, the board sets out twelve new routes for the harbour ferries.",
        "The move comes after a year of complaints about late ferries.",
        "Intended to cut traffic, it also closes two car parks by the quay.",
        "The harbour board hopes to change that.",
        "Und auf die Fähre warten die Pendler jeden Morgen eine halbe Stunde.",
    ],
)
def test_sentences_that_lean_on_an_earlier_one_do_not_open(sentence: str) -> None:
    assert rules.has_dangling_opening(sentence)


def test_the_move_dangles_even_as_the_lead() -> None:
    assert rules.has_dangling_opening("The move comes after a year of delays.", lead=True)


def test_a_hook_the_next_sentence_leans_on_stays_first() -> None:
    hook = "The ferry plan may be backfiring."
    body = (
        f"{hook} Intended to cut traffic, it is also pushing commuters back into their cars "
        "along the coast road every morning. The council will review the timetable in June."
    )
    assert make_excerpt(body).startswith(hook)


@pytest.mark.parametrize(
    "sentence",
    [
        "Submit your letter to the editor via this form.",
        "For more ideas on cheap days out, check out our guide to the coast.",
        "Get all of your answers here.",
    ],
)
def test_pointers_to_elsewhere_are_boilerplate(sentence: str) -> None:
    assert rules.is_boilerplate(sentence)


def test_a_state_abbreviation_before_a_dateline_dash_is_no_stop() -> None:
    body = f"PORTLAND, Ore. -- {LEAD} {SECOND}"
    assert make_excerpt(body) == f"{LEAD} {SECOND}"


def test_a_writers_short_beat_may_follow() -> None:
    body = (
        "One morning in May the harbour board decided to sell every ferry it owned. "
        "All of them. It had run the boats for forty years, and the town had never asked why."
    )
    assert make_excerpt(body) == body


def test_the_description_wins_when_the_body_gives_too_little() -> None:
    description = (
        "The harbour board raised ferry fares by a fifth on Monday and cut the night service, "
        "blaming fuel costs."
    )
    body = "Ferry fares to rise.\n\nHere is the board's table of changes:"
    assert make_excerpt(body, description=description) == description


def test_a_list_item_is_no_fallback_paragraph() -> None:
    body = "Harbour Status\n\n- Ferry load: u13 s1 cu0 cs0 - 1.31% of seats taken on the morning run"
    assert make_excerpt(body) == ""


def test_a_title_phrase_inside_a_sentence_is_not_the_title() -> None:
    title = "Privacy-Preserving Harbour Ticket Checking"
    excerpt = (
        "Today the board launched privacy-preserving harbour ticket checking at every pier, "
        "so that no passenger's journeys are stored once their ticket has been checked."
    )
    assert "title" not in audit_excerpt(excerpt, body=excerpt, title=title)
