"""Keyed duplicate detection finds exactly what the pairwise comparison found.

The reference is the old algorithm, kept in tests/support/dedupe_reference.py: each
article against every kept story, keys recomputed every time.
"""

from __future__ import annotations

import difflib
import random
from datetime import UTC, datetime

import pytest

from digest.editorial.dedupe import (
    TITLE_SIMILARITY,
    deduplicate,
    same_story,
    title_key,
    title_pieces,
)
from digest.models import Article
from tests.support.dedupe_reference import (
    deduplicate_pairwise,
    generated_articles,
)
from tests.support.dedupe_reference import (
    same_story as same_story_pairwise,
)


def article(title: str, url: str | None = None, words: int = 5, source: str = "x.md") -> Article:
    return Article(title=title, body=" ".join(["word"] * words), source=source,
                   published=datetime(2026, 11, 24, tzinfo=UTC), url=url)


@pytest.mark.parametrize(("count", "seed"), [(50, 1), (200, 2), (400, 3), (600, 4),
                                              (500, 5)])
def test_generated_articles_give_the_same_stories_and_duplicates(count: int,
                                                                  seed: int) -> None:
    articles = generated_articles(count, seed)
    kept, dropped = deduplicate(articles)
    assert (kept, dropped) == deduplicate_pairwise(articles)
    assert len(kept) < count * 0.8  # the generator makes plenty of duplicates


def test_the_rules_themselves() -> None:
    page = article("Harbour Master Retires After 31 Years",
                   "https://www.quayside.example/2026/11/retires/", words=50)
    feed = article("Harbour master retires after 31 years!",
                   "http://quayside.example/2026/11/retires?utm_source=rss#top")
    renamed = article("Harbour Master Steps Down", "https://quayside.example/2026/11/retires")
    near = article("Harbour Master Retire After 31 Years")  # one letter, no URL
    sequel = article("Harbour Master Retires After 31 Years, Part 2")
    kept, dropped = deduplicate([feed, page, renamed, near, sequel])
    assert [k.title for k in kept] == [page.title, sequel.title]
    assert kept[0].url == page.url  # the richer version wins and keeps its own URL
    assert set(dropped) == {0, 2, 3}


def _near(rng: random.Random, key: str) -> str:
    """The key with a few characters inserted, deleted or changed."""
    chars = list(key)
    for _ in range(rng.randint(1, 6)):
        position = rng.randrange(len(chars) + 1)
        change = rng.randrange(3)
        if change == 0 or not chars:
            chars.insert(position, rng.choice("abcdefgh "))
        elif change == 1 and position < len(chars):
            del chars[position]
        elif position < len(chars):
            chars[position] = rng.choice("abcdefgh ")
    return "".join(chars)


def test_a_near_title_always_keeps_a_piece_of_the_other_whole() -> None:
    """The pigeonhole the index relies on, on titles right around the 0.92 threshold."""
    rng = random.Random(92)
    near_pairs = 0
    for _ in range(4000):
        words = rng.randint(1, 14)
        kept = title_key(" ".join(rng.choice(["harbour", "sea", "a", "wall", "ferry", "x"])
                                  for _ in range(words)))
        new = _near(rng, kept)
        ratio = difflib.SequenceMatcher(None, new, kept, autojunk=False).ratio()
        if not kept or ratio < TITLE_SIMILARITY:
            continue
        near_pairs += 1
        assert any(piece in new for _, piece in title_pieces(kept)), (kept, new)
        assert same_story(article(new), article(kept)) == same_story_pairwise(
            article(new), article(kept))
    assert near_pairs > 500


def test_deduplicate_finds_near_titles_that_only_a_merge_made_possible() -> None:
    # The second article is richer, so the kept story takes its title; the third is near
    # that title but not the first one.
    first = article("Ferry timetable changes", words=3, source="a.md")
    second = article("Ferry timetable changes!", "https://news.example/ferry", words=40,
                     source="b.md")
    third = article("Ferry timetable change", source="c.md")
    assert deduplicate([first, second, third]) == deduplicate_pairwise([first, second, third])
