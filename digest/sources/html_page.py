"""What an HTML page declares about itself, for the title and author rules.

The lxml tree of a page (`parse_tree`), its meta tags, JSON-LD objects (@graph members
included), canonical URLs and the site's own names, plus the text forms titles and names
are compared in (`match_key`). Shared by `html` (the reader), `html_titles` and
`html_authors`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from trafilatura.utils import load_html

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_ARTICLE_TYPES = ("article", "posting", "report", "newsarticle", "blogposting", "webpage")


def parse_tree(data: bytes) -> Any:
    try:
        return load_html(data)
    except (ValueError, TypeError, AssertionError):
        return None


def clean_value(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def element_text(element: Any) -> str:
    return " ".join(str(element.text_content()).split())


def match_key(text: str) -> str:
    """Comparison form of a title: NFKC, casefolded, quotes unified, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"[\u2018\u2019\u201a\u201b\u2032`\u00b4]", "'", folded)
    folded = re.sub(r"[\u201c\u201d\u201e\u201f\u00ab\u00bb]", '"', folded)
    return " ".join(folded.split())


def unique_texts(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        item = " ".join(item.split())
        if item and item not in seen:
            seen.append(item)
    return seen


def meta_values(tree: Any, name: str) -> list[str]:
    path = ("//meta[translate(@property, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
            "'abcdefghijklmnopqrstuvwxyz')=$n or translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
            " 'abcdefghijklmnopqrstuvwxyz')=$n]/@content")
    return [v for v in (clean_value(x) for x in tree.xpath(path, n=name)) if v]


def canonical_urls(tree: Any) -> list[str]:
    links = tree.xpath("//link[@rel='canonical']/@href")
    return meta_values(tree, "og:url") + [str(u) for u in links]


def site_names(tree: Any) -> set[str]:
    names = meta_values(tree, "og:site_name") + meta_values(tree, "application-name")
    names += meta_values(tree, "apple-mobile-web-app-title")
    for node in json_ld_nodes(tree):
        if ld_types(node) & {"website", "organization", "newsmediaorganization"}:
            names.append(clean_value(node.get("name")) or "")
        publisher = node.get("publisher")
        if isinstance(publisher, dict):
            names.append(clean_value(publisher.get("name")) or "")
    for url in canonical_urls(tree):
        host = urlsplit(url).hostname or ""
        labels = [x for x in host.split(".") if x not in ("www", "com", "org", "net", "co")]
        names += [max(labels, key=len)] if labels else []
    keys = {match_key(n).replace(" ", "") for n in names}
    return {k for k in keys if len(k) >= 3}


def names_site(segment: str, sites: set[str]) -> bool:
    key = match_key(segment).replace(" ", "")
    return bool(key) and any(site in key or (len(key) >= 4 and key in site) for site in sites)


def json_ld_nodes(tree: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members included."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "")
        except ValueError:
            continue
        found += list(_flatten(data))
    return found


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _flatten(data["@graph"])


def ld_types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values if v}


def article_nodes(tree: Any) -> list[dict[str, Any]]:
    return [n for n in json_ld_nodes(tree)
            if any(t.endswith(_ARTICLE_TYPES) and t != "webpage" for t in ld_types(n))]
