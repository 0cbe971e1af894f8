"""The authors registry (`authors.yaml`) and the blurb each article shows."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.editorial.blurbs import make_blurb
from digest.errors import AuthorsError
from digest.links import checked_url
from digest.models import Article, Author
from digest.yamlfile import YamlDocument, read_yaml, unknown_key

KNOWN_KEYS = ("name", "aliases", "bio", "photo", "links")  # what `_read_author` reads


@dataclass(frozen=True)
class RegisteredAuthor:
    """One entry of authors.yaml: the whole bio, which `authors_for` makes a blurb of."""

    name: str
    bio: str = ""
    photo: str | None = None
    links: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


class AuthorRegistry:
    """Authors by name and alias, matched case- and space-insensitively."""

    def __init__(self, authors: list[RegisteredAuthor] | None = None) -> None:
        self._by_key: dict[str, RegisteredAuthor] = {}
        for author in authors or []:
            for name in (author.name, *author.aliases):
                self._by_key[_key(name)] = author

    def find(self, name: str) -> RegisteredAuthor | None:
        return self._by_key.get(_key(name))

    def __len__(self) -> int:
        return len({id(a) for a in self._by_key.values()})


def _key(name: str) -> str:
    """Case, spacing, accents and a trailing full stop do not tell two names apart."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(plain.replace(".", " ").split())


def load_authors(path: Path) -> AuthorRegistry:
    """Read authors.yaml: a list of {name, aliases, bio, photo, links}. Missing file: empty."""
    if not path.is_file():
        return AuthorRegistry()
    doc = read_yaml(path, AuthorsError)
    if doc.data is None:
        return AuthorRegistry()
    if not isinstance(doc.data, list):
        raise AuthorsError(path, "must be a list of authors (each `- name: ...`)", line=1)
    authors = [_read_author(doc, index, entry) for index, entry in enumerate(doc.data)]
    return AuthorRegistry(authors)


def _read_author(doc: YamlDocument, index: int, entry: Any) -> RegisteredAuthor:
    path, line = doc.path, doc.line_of(index)
    for key in entry if isinstance(entry, dict) else ():  # `bi:` would drop the bio silently
        if str(key) not in KNOWN_KEYS:
            raise AuthorsError(path, f"author #{index + 1}: {unknown_key(key, KNOWN_KEYS)}",
                               line=doc.key_line(index, str(key)))
    if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
        raise AuthorsError(path, f"author #{index + 1} needs a `name:`", line=line)
    links = entry.get("links") or []
    aliases = entry.get("aliases") or []
    if not isinstance(links, list) or not isinstance(aliases, list):
        raise AuthorsError(path, "`links` and `aliases` must be lists", line=line)
    return RegisteredAuthor(
        name=str(entry["name"]).strip(),
        bio=" ".join(str(entry.get("bio") or "").split()),
        photo=checked_url(entry.get("photo"), path, line),
        links=tuple(u for u in (checked_url(link, path, line) for link in links) if u),
        aliases=tuple(str(a).strip() for a in aliases),
    )


def authors_for(article: Article, registry: AuthorRegistry, max_chars: int,
                blurb: str | None = None) -> tuple[Author, ...]:
    """One Author per name, with the blurb made from their bio: the registry's bio wins; a
    bio found in the article fills in where the registry has none. `blurb` (the editor's,
    from the edition file) wins for the first."""
    found = {_key(name): bio for name, bio in article.author_bios}
    if not found and article.bio and len(article.authors) == 1:
        found[_key(article.authors[0])] = article.bio  # older readers: one bio, one author
    result = []
    for index, name in enumerate(article.authors):
        known = registry.find(name)
        bio = (known.bio if known else "") or found.get(_key(name), "")
        shown = known.name if known else name
        text = make_blurb(bio, name=shown, max_chars=max_chars) if bio else ""
        if index == 0 and blurb:
            text = blurb
        if known is not None:
            result.append(Author(known.name, text, known.photo, known.links, known.aliases))
        else:
            result.append(Author(name=name, blurb=text))
    return tuple(result)
