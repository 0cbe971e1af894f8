"""The data that flows between stages: frozen, plain, typed."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import idna

from digest.words import count_words


@dataclass(frozen=True)
class Author:
    """An author as an edition shows them."""

    name: str
    blurb: str = ""  # the short text beside the name, made from their bio
    photo: str | None = None
    links: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def bio(self) -> str:
        """Deprecated alias of `blurb`, so older templates' `author.bio` keeps working."""
        warnings.warn("Author.bio is deprecated: use Author.blurb (in templates, author.blurb)",
                      DeprecationWarning, stacklevel=2)
        return self.blurb


@dataclass(frozen=True)
class Article:
    """One article as read from any source, before selection."""

    title: str
    body: str  # plain text, paragraphs separated by blank lines
    source: Path | str  # file path, or feed/page URL
    published: datetime  # timezone-aware
    authors: tuple[str, ...] = ()
    url: str | None = None
    tags: tuple[str, ...] = ()
    excerpt: str | None = None  # the editor's own excerpt, always wins
    description: str | None = None  # a summary offered by the source (meta, feed)
    bio: str | None = None  # the author bio found in the article itself
    site_name: str | None = None
    image: str | None = None
    image_alt: str | None = None  # None or "": the image only decorates (the title is beside it)
    lang: str | None = None  # the article's language, when not the newsletter's (BCP 47: fr, pt-BR)
    slug: str = ""
    date_from_file: bool = False  # published came from the file's modification time
    author_bios: tuple[tuple[str, str], ...] = ()  # (name, bio) found in the article

    @property
    def words(self) -> int:
        return count_words(self.body)


@dataclass(frozen=True)
class EditionItem:
    """An article as it appears in an edition: excerpt and blurbs decided."""

    article: Article
    excerpt: str
    authors: tuple[Author, ...]
    featured: bool = False


@dataclass(frozen=True)
class Edition:
    week: str  # ISO week, "2026-W48"
    newsletter: str
    subject: str
    date: datetime  # the edition's date (Monday of the week, or now)
    items: tuple[EditionItem, ...]
    intro: str = ""
    number: int | None = None

    @property
    def preheader(self) -> str:
        """The line inboxes show beside the subject: the intro, else the lead excerpt."""
        source = self.intro or (self.items[0].excerpt if self.items else "")
        words = source.split()
        text = ""
        for word in words:
            if len(text) + len(word) + 1 > 110:
                return text + "…"
            text = f"{text} {word}".strip()
        return text


@dataclass(frozen=True)
class Subscriber:
    email: str  # as written in the list
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    source: str = ""  # "subscribers/main.csv:4"

    @property
    def key(self) -> str:
        """One key per mailbox (see `mailbox_key`)."""
        return mailbox_key(self.email)


def mailbox_key(address: str) -> str:
    """The address as one key per mailbox: local part lower-cased, domain IDNA-folded.

    RFC 5321 leaves the local part's case to the receiving server, but every mailbox
    provider ignores it (and so do listmonk, Mailchimp and Ghost), so `Ann@` and `ann@`
    are one reader: deduplicated, suppressed and unsubscribed together. `str.lower`, not
    `casefold`: casefold turns `ß` into `ss`, which would join two distinct mailboxes.
    The address as written is kept beside the key for display.
    """
    local, _, domain = address.rpartition("@")
    return f"{local.lower()}@{_folded_domain(domain)}"


@lru_cache(maxsize=4096)  # a list has few domains; each is folded once
def _folded_domain(domain: str) -> str:
    """The domain's ASCII (A-label) form, lower-cased; as written, lower-cased, where
    IDNA refuses it (the address check reports such domains, not this)."""
    if domain.isascii():
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain.lower()
