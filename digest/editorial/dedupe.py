"""The same story from several sources (a feed and a saved page, say) appears once.

Two articles are the same story when their URLs match after normalisation, or their titles
are nearly identical: the same words once case and punctuation are dropped, or a difflib
ratio of at least 0.92 between those normalised titles. The richer version is kept and
takes what it lacks from the other.

Articles are compared in order with the stories kept so far, and the first kept story
that matches takes the article. Comparing with every kept story is quadratic (800
articles took 23 s), so each kept story is indexed by its URL key, its title key and
pieces of its title key, and an article is compared (by the same rule) only with the
stories that share one of these, still in the order they were kept: the outcome is the
same. Why the pieces find every near title: a ratio of 0.92 leaves at most 8 % of the
two titles' combined length to insertions and deletions (difflib's matches are never
more than the longest common subsequence), and each edit breaks at most one piece. So a
title cut into k pieces keeps at least k - edits of them whole in a near title, each
moved by at most `edits` characters; looking up every stretch of the new title of a
piece's length finds them. tests/test_dedupe.py checks the result against the pairwise
algorithm on generated articles.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digest.models import Article

TITLE_SIMILARITY = 0.92  # difflib ratio; catches punctuation and one-word edits, not sequels
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|ito)$", re.I)
_WORDS = re.compile(r"[^\w]+")
# The most insertions and deletions a near title may differ by, per character of the kept
# title: its partner is at most (2 - T) / T times as long, and may differ by 1 - T of both.
_EDITS_PER_CHAR = 2 * (1 - TITLE_SIMILARITY) / TITLE_SIMILARITY


@lru_cache(maxsize=4096)
def normalise_url(url: str) -> str:
    """Scheme, www., case of host, default port, fragment, tracking parameters and a trailing
    slash do not make a different page."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING.match(k))
    path = re.sub(r"/(?:index\.html?)?$", "", parts.path) or ""
    return urlunsplit(("", host, path, urlencode(query), ""))


@lru_cache(maxsize=4096)
def title_key(title: str) -> str:
    return " ".join(_WORDS.sub(" ", title.casefold()).split())


def _url_key(article: Article) -> str | None:
    return normalise_url(article.url) if article.url else None


def same_story(a: Article, b: Article) -> bool:
    return _same_keys(_url_key(a), title_key(a.title), _url_key(b), title_key(b.title))


def _same_keys(url_a: str | None, title_a: str, url_b: str | None, title_b: str) -> bool:
    if url_a is not None and url_b is not None and url_a == url_b:
        return True
    if title_a == title_b:
        return True
    matcher = difflib.SequenceMatcher(None, title_a, title_b, autojunk=False)
    return matcher.real_quick_ratio() >= TITLE_SIMILARITY \
        and matcher.quick_ratio() >= TITLE_SIMILARITY and matcher.ratio() >= TITLE_SIMILARITY


@lru_cache(maxsize=65536)
def _edits(length_a: int, length_b: int) -> int:
    """The most insertions and deletions two titles this long differ by at ratio >= T."""
    return math.floor((1 - TITLE_SIMILARITY) * (length_a + length_b) + 1e-9)


def _lengths_close(length_a: int, length_b: int) -> bool:
    """difflib's real_quick_ratio bound: lengths too far apart can never be near titles."""
    return 2 * min(length_a, length_b) >= TITLE_SIMILARITY * (length_a + length_b) - 1e-9


def title_pieces(key: str) -> list[tuple[int, str]]:
    """(start, piece) of the title key cut into two pieces more than a near title can have
    edits: a near title holds at least two of them unchanged, each within that many
    characters of where it was."""
    if not key:
        return []  # an empty title is only ever the same as another empty title
    count = min(math.floor(_EDITS_PER_CHAR * len(key) + 1e-9) + 2, len(key))
    bounds = [len(key) * i // count for i in range(count + 1)]
    return [(start, key[start:end]) for start, end in itertools.pairwise(bounds)]


class _Index:
    """Kept stories by URL key, title key and title piece, for finding candidates."""

    def __init__(self) -> None:
        self.by_url: defaultdict[str, set[int]] = defaultdict(set)
        self.by_title: defaultdict[str, set[int]] = defaultdict(set)
        # piece -> (slot, title version, piece number, start, title length); a merge may
        # change a kept story's title, and only pieces of its current title count.
        self.by_piece: defaultdict[str, list[tuple[int, int, int, int, int]]] = \
            defaultdict(list)
        self.piece_lengths: set[int] = set()
        self.titles: list[str] = []  # the current title key of each slot
        self.versions: list[int] = []
        self.piece_counts: list[int] = []

    def add(self, slot: int, url: str | None, title: str) -> None:
        if slot == len(self.titles):
            self.titles.append(title)
            self.versions.append(0)
            self.piece_counts.append(0)
        else:
            self.titles[slot] = title
            self.versions[slot] += 1
        if url is not None:
            self.by_url[url].add(slot)
        self.by_title[title].add(slot)
        pieces = title_pieces(title)
        self.piece_counts[slot] = len(pieces)
        for number, (start, piece) in enumerate(pieces):
            self.by_piece[piece].append((slot, self.versions[slot], number, start, len(title)))
            self.piece_lengths.add(len(piece))

    def candidates(self, url: str | None, title: str) -> list[int]:
        """Kept stories that may be the same, in the order they were kept."""
        found = set(self.by_title.get(title, ()))
        if url is not None:
            found |= self.by_url.get(url, set())
        size, versions = len(title), self.versions
        # Kept titles of a length outside these bounds fail real_quick_ratio (checked
        # exactly below; the bounds only save work, so they are a little wide).
        shortest = math.floor(size * TITLE_SIMILARITY / (2 - TITLE_SIMILARITY)) - 1
        longest = math.ceil(size * (2 - TITLE_SIMILARITY) / TITLE_SIMILARITY) + 1
        whole: defaultdict[int, set[int]] = defaultdict(set)  # slot -> its pieces found
        for length in self.piece_lengths:
            for start in range(size - length + 1):
                for slot, version, number, origin, kept_size in self.by_piece.get(
                        title[start:start + length], ()):
                    # A whole piece has moved by at most as many edits as the titles allow.
                    if shortest <= kept_size <= longest and version == versions[slot] \
                            and abs(start - origin) <= _edits(kept_size, size):
                        whole[slot].add(number)
        for slot, numbers in whole.items():
            kept_size = len(self.titles[slot])
            if _lengths_close(kept_size, size) and \
                    len(numbers) >= self.piece_counts[slot] - _edits(kept_size, size):
                found.add(slot)
        return sorted(found)


def richness(article: Article) -> tuple[int, int, int, int]:
    return (article.words, bool(article.authors), not article.date_from_file, bool(article.url))


def deduplicate(articles: list[Article]) -> tuple[list[Article], dict[int, Article]]:
    """(kept articles in first-seen order, {index of each dropped article: what replaced it})."""
    kept: list[Article] = []
    keys: list[tuple[str | None, str]] = []  # (URL key, title key) of each kept article
    origin: list[list[int]] = []  # input indexes merged into each kept article
    index_of_kept = _Index()
    for index, article in enumerate(articles):
        url, title = _url_key(article), title_key(article.title)
        for slot in index_of_kept.candidates(url, title):
            if _same_keys(url, title, *keys[slot]):
                kept[slot] = merge(kept[slot], article)
                keys[slot] = (_url_key(kept[slot]), title_key(kept[slot].title))
                index_of_kept.add(slot, *keys[slot])  # what the merged story now matches
                origin[slot].append(index)
                break
        else:
            index_of_kept.add(len(kept), url, title)
            kept.append(article)
            keys.append((url, title))
            origin.append([index])
    dropped: dict[int, Article] = {}
    for slot, indexes in enumerate(origin):
        winner = kept[slot]
        for index in indexes:
            if articles[index] is not winner and not _is_base_of(articles[index], winner):
                dropped[index] = winner
    return kept, dropped


def merge(a: Article, b: Article) -> Article:
    """The richer of two versions, with the gaps filled from the other."""
    rich, poor = (a, b) if richness(a) >= richness(b) else (b, a)
    return replace(
        rich,
        url=rich.url or poor.url,
        authors=rich.authors or poor.authors,
        author_bios=rich.author_bios or poor.author_bios,
        bio=rich.bio or poor.bio,
        image=rich.image or poor.image,
        description=rich.description or poor.description,
        site_name=rich.site_name or poor.site_name,
        excerpt=rich.excerpt or poor.excerpt,
        published=poor.published if rich.date_from_file and not poor.date_from_file
        else rich.published,
        date_from_file=rich.date_from_file and poor.date_from_file,
    )


def _is_base_of(article: Article, winner: Article) -> bool:
    """The winner grew out of this article (same source and title): it was not dropped."""
    return article.source == winner.source and article.title == winner.title \
        and article.body == winner.body
