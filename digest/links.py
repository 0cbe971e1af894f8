"""Links and slugs every stage shares: article URLs that may reach subscribers, and the ASCII
slugs used for anchors, file names and List-Id."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import ContentError

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """"Café Notes, Vol. 2" -> "cafe-notes-vol-2": accents folded, ASCII only (List-Id and
    anchors must be ASCII)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_STRIP.sub("-", folded.lower()).strip("-")


def checked_url(value: Any, path: Path | str, line: int | None = None) -> str | None:
    """An article URL reaches subscribers as a link: only absolute http(s) is allowed."""
    if value in (None, ""):
        return None
    url = str(value).strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ContentError(path, f"url {url!r} is not an absolute http(s) URL", line=line)
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ContentError(path, f"url {url!r} contains spaces or control characters", line=line)
    return url
