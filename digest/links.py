"""Links and slugs every stage shares: article URLs that may reach subscribers, the SMTP
URL of digest.yaml, and the ASCII slugs used for anchors, file names and List-Id."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from digest.errors import ContentError
from digest.settings import SmtpMode

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
_BRACKETED_HOST = re.compile(r"^\[[0-9A-Fa-f:.]+(?:%[^\]\s]+)?\](?::[^:]*)?$")


def slugify(text: str) -> str:
    """"Café Notes, Vol. 2" -> "cafe-notes-vol-2": accents folded, ASCII only (List-Id and
    anchors must be ASCII)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_STRIP.sub("-", folded.lower()).strip("-")


def split_url(url: str) -> SplitResult:
    """`urlsplit`, strict about brackets: ValueError for a malformed IPv6 host, including
    text after the closing bracket (`http://[::1]x/` would otherwise quietly mean ::1)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if ("[" in host or "]" in host) and not _BRACKETED_HOST.match(host):
        raise ValueError("Invalid IPv6 URL")
    return parts


def checked_url(value: Any, path: Path | str, line: int | None = None) -> str | None:
    """An article URL reaches subscribers as a link: only absolute http(s) is allowed."""
    if value in (None, ""):
        return None
    url = str(value).strip()
    try:
        parts = split_url(url)
    except ValueError as error:  # "Invalid IPv6 URL"
        raise ContentError(path, f"url {url!r} is not an absolute http(s) URL ({error})",
                           line=line) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ContentError(path, f"url {url!r} is not an absolute http(s) URL", line=line)
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ContentError(path, f"url {url!r} contains spaces or control characters", line=line)
    return url


def parse_smtp_url(url: str, env: dict[str, str],
                   fail: Callable[[str], Exception]) -> dict[str, Any]:
    """smtp://user@host:port?starttls=true | smtps://... | capture.

    `fail` turns a problem into the ConfigError that names where the URL came from
    (digest.yaml's line, or the environment variable)."""
    if url.strip() == SmtpMode.CAPTURE:
        return {"mode": SmtpMode.CAPTURE}
    try:
        parts = split_url(url.strip())
    except ValueError as error:  # e.g. "Invalid IPv6 URL"
        raise fail(f"SMTP URL cannot be read: {error}") from error
    if parts.scheme not in (SmtpMode.SMTP, SmtpMode.SMTPS):
        raise fail("SMTP URL must start with smtp:// or smtps:// (or be 'capture')")
    if parts.password:
        raise fail("do not put the password in the URL; set DIGEST_SMTP_PASSWORD instead")
    if not parts.hostname:
        raise fail("SMTP URL has no host")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    try:
        port = parts.port or (465 if parts.scheme == SmtpMode.SMTPS else 587)
    except ValueError:
        raise fail("SMTP URL has an invalid port") from None
    return {
        "mode": SmtpMode(parts.scheme),
        "host": parts.hostname,
        "port": port,
        "username": unquote(parts.username) if parts.username else None,
        "password": env.get("DIGEST_SMTP_PASSWORD") or None,
        "starttls": query.get("starttls", "false") in ("true", "1", "yes"),
        "verify_tls": query.get("verify", "true") not in ("false", "0", "no"),
    }
