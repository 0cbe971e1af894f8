"""Where a feed's relative links point, and which line of the feed each entry starts on.

Many feeds write entry links relative to the site (`/blog/2026/11/story`). Feed readers
resolve them as the feed's author meant, and so does digest. feedparser already applies
`xml:base`; what stays relative is resolved, in this order, against:
1. the feed's own link to its site (`<link>` in RSS, `link rel="alternate"` in Atom),
2. the feed's `rel="self"` link,
3. the URL the feed was fetched from.
A relative site link is itself resolved against the fetch URL or the self link first.
A feed file with relative links and none of these has nothing to resolve them against:
such entries are skipped with a warning naming the file and line.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit


def is_web_url(value: str | None) -> bool:
    parts = urlsplit(value or "")
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def feed_base(channel: Any, fetched_from: str | None) -> str | None:
    """The absolute URL that relative links of this feed are resolved against, if any."""
    self_links = [str(link.get("href") or "") for link in channel.get("links") or []
                  if link.get("rel") == "self"]
    # a relative site or self link is relative to the document: the fetch URL, else self
    anchor = next((u for u in [fetched_from, *self_links] if is_web_url(u)), None)
    for candidate in [str(channel.get("link") or ""), *self_links, fetched_from or ""]:
        if not candidate.strip():
            continue
        resolved = urljoin(anchor, candidate.strip()) if anchor else candidate.strip()
        if is_web_url(resolved):
            return resolved
    return None


def resolve(link: Any, base: str | None) -> Any:
    """`link` made absolute against `base` when it is relative; anything else unchanged
    (absolute links, other schemes such as `javascript:`, which the URL check refuses)."""
    if not isinstance(link, str) or not link.strip() or not base:
        return link
    if urlsplit(link.strip()).scheme:
        return link
    return urljoin(base, link.strip())


# an <item> or <entry> start tag, with or without a namespace prefix (not <items>)
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")


def entry_lines(data: bytes, count: int) -> list[int | None]:
    """The line each of the feed's `count` entries starts on, for warnings; all None when
    the start tags found do not match the entries the parser found one for one."""
    starts: list[int | None] = []
    line, position = 1, 0
    for match in _ENTRY_START.finditer(data):
        line += data.count(b"\n", position, match.start())  # counted once, start to end
        position = match.start()
        starts.append(line)
    return starts if len(starts) == count else [None] * count
