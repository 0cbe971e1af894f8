"""The same story from several sources (a feed and a saved page, say) appears once.

Two articles are the same story when their URLs match after normalisation, or their titles
are nearly identical. The richer version is kept and takes what it lacks from the other.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digest.models import Article

TITLE_SIMILARITY = 0.92  # difflib ratio; catches punctuation and one-word edits, not sequels
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|ito)$", re.I)
_WORDS = re.compile(r"[^\w]+")


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


def title_key(title: str) -> str:
    return " ".join(_WORDS.sub(" ", title.casefold()).split())


def same_story(a: Article, b: Article) -> bool:
    if a.url and b.url and normalise_url(a.url) == normalise_url(b.url):
        return True
    ka, kb = title_key(a.title), title_key(b.title)
    if ka == kb:
        return True
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    return matcher.real_quick_ratio() >= TITLE_SIMILARITY \
        and matcher.quick_ratio() >= TITLE_SIMILARITY and matcher.ratio() >= TITLE_SIMILARITY


def richness(article: Article) -> tuple[int, int, int, int]:
    return (article.words, bool(article.authors), not article.date_from_file, bool(article.url))


def deduplicate(articles: list[Article]) -> tuple[list[Article], dict[int, Article]]:
    """(kept articles in first-seen order, {index of each dropped article: what replaced it})."""
    kept: list[Article] = []
    origin: list[list[int]] = []  # input indexes merged into each kept article
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
