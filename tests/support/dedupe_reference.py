"""Duplicate detection as it was before it was keyed: every pair compared, keys recomputed
(how two versions of a story merge is shared with digest/editorial/dedupe.py).

Kept as the reference the keyed `digest.editorial.dedupe.deduplicate` must agree with
(tests/test_dedupe.py) and as the baseline `benchmarks/plan.py` times it against. Also
generates articles with the near misses that make the comparison worth doing.
"""

from __future__ import annotations

import difflib
import random
from datetime import UTC, datetime, timedelta

from digest.editorial import dedupe
from digest.editorial.dedupe import TITLE_SIMILARITY, merge
from digest.models import Article

# The same rules for URLs and titles, without the caches the keyed version added: the old
# algorithm recomputed both keys for every pair, which is what the benchmark times.
normalise_url = dedupe.normalise_url.__wrapped__
title_key = dedupe.title_key.__wrapped__


def same_story(a: Article, b: Article) -> bool:
    if a.url and b.url and normalise_url(a.url) == normalise_url(b.url):
        return True
    ka, kb = title_key(a.title), title_key(b.title)
    if ka == kb:
        return True
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    return matcher.real_quick_ratio() >= TITLE_SIMILARITY \
        and matcher.quick_ratio() >= TITLE_SIMILARITY and matcher.ratio() >= TITLE_SIMILARITY


def deduplicate_pairwise(articles: list[Article]) -> tuple[list[Article], dict[int, Article]]:
    """The old algorithm: each article against every kept one, first match wins."""
    kept: list[Article] = []
    origin: list[list[int]] = []
    for index, article in enumerate(articles):
        for slot, other in enumerate(kept):
            if same_story(article, other):
                kept[slot] = merge(other, article)
                origin[slot].append(index)
                break
        else:
            kept.append(article)
            origin.append([index])
    dropped: dict[int, Article] = {}
    for slot, indexes in enumerate(origin):
        winner = kept[slot]
        for index in indexes:
            base = articles[index]
            if base is not winner and not (base.source == winner.source
                                           and base.title == winner.title
                                           and base.body == winner.body):
                dropped[index] = winner
    return kept, dropped


_WORDS = " ".join([
    "harbour council ferry timetable sea wall market hall tide gauge cycle lane lifeboat",
    "station fish auction lights river bridge school run allotments bus depot mayor budget",
    "storm repairs quay trawler festival museum library pier lighthouse oyster beds lock",
    "gates canal keeper volunteers record catch season opens closes retires after years new",
    "old north south east west week plan vote delay"]).split()
# Headlines are mostly uncommon words joined by a few common ones: add 600 made-up words.
_SYLLABLES = ("ka", "lo", "mir", "sen", "dra", "vel", "tor", "bi", "nus", "pel", "qua", "ro")
_WORDS += [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("", "n", "s", "t")][:600]
_COMMON = ("the", "of", "to", "in", "for", "on", "a", "and", "at", "after")
_SITES = ("https://quayside.example", "https://www.harbour-news.example",
          "http://tidewater.example:8080", "https://bulletin.example")


def _title(rng: random.Random) -> str:
    words = [rng.choice(_COMMON) if rng.random() < 0.3 else rng.choice(_WORDS)
             for _ in range(rng.randint(4, 14))]
    words[0] = words[0].capitalize()
    return " ".join(words)


def _variant_title(rng: random.Random, title: str) -> str:
    """Nearly the same title, or a near miss: punctuation, case, one word, a sequel."""
    words = title.split()
    change = rng.randrange(8)
    if change == 0:
        return title.upper()
    if change == 1:
        return title.replace(" ", ", ", 1) + rng.choice(["!", "?", ".", " —", ""])
    if change == 2 and len(words) > 1:
        words[rng.randrange(len(words))] = rng.choice(_WORDS)
    elif change == 3:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_WORDS))
    elif change == 4 and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif change == 5:
        words.append(rng.choice(["part 2", "2", "II", "(updated)", "again"]))
    elif change == 6:
        position = rng.randrange(len(title))
        return title[:position] + title[position + 1:]
    return " ".join(words)


def _variant_url(rng: random.Random, url: str) -> str:
    """The same page under another spelling of its URL, or sometimes another page."""
    change = rng.randrange(7)
    if change == 0:
        return url + "/"
    if change == 1:
        return url + "?utm_source=feed&utm_medium=rss"
    if change == 2:
        return url.replace("https://", "http://", 1)
    if change == 3:
        return url + "#comments"
    if change == 4:
        return url.upper().replace("HTTPS://", "https://").replace("HTTP://", "http://")
    if change == 5:
        return url + "/index.html"
    return url + "-2"


def generated_articles(count: int, seed: int = 7) -> list[Article]:
    """`count` articles: about half new stories, the rest variants of earlier ones (near
    titles, other spellings of the URL, no URL), with some richer than the first copy."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, 8, tzinfo=UTC)
    articles: list[Article] = []
    for number in range(count):
        if articles and rng.random() < 0.5:
            base = rng.choice(articles)
            title = _variant_title(rng, base.title) if rng.random() < 0.7 else base.title
            url = base.url
            if url and rng.random() < 0.6:
                url = _variant_url(rng, url)
            elif rng.random() < 0.3:
                url = None
        else:
            title = _title(rng)
            site = rng.choice(_SITES)
            url = f"{site}/2026/{number}/{title.lower().replace(' ', '-')}" \
                if rng.random() < 0.8 else None
        body = " ".join(["The boats came back heavy."] * rng.randint(1, 30))
        articles.append(Article(
            title=title, body=body, source=f"content/a{number}.md",
            published=start + timedelta(minutes=number), url=url,
            authors=("Ines Marlow",) if rng.random() < 0.5 else (),
            date_from_file=rng.random() < 0.2,
            site_name=rng.choice([None, "Quayside"]),
        ))
    return articles
