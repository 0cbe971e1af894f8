"""Fetch pages and feeds over http(s), politely, with an on-disk cache.

    FetchError(DigestError)    the URL could not be fetched; message names the URL

Each response is kept in the cache folder as <key>.body plus <key>.json (URL, ETag,
Last-Modified, type, fetch time). A cached copy younger than `max_age` is used without any
request; an older one is revalidated with If-None-Match / If-Modified-Since, and a 304
keeps it. Cache files are written to a temporary name and renamed, so an interrupted run
never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from digest import __version__
from digest.errors import FetchError
from digest.files import write_atomically


@dataclass(frozen=True)
class Fetched:
    url: str  # the URL asked for
    final_url: str  # after redirects
    content: bytes
    content_type: str
    fetched_at: datetime
    from_cache: bool


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 15.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = f"digest/{__version__} (newsletter digest builder)"


class Fetcher:
    def __init__(self, cache_dir: Path, policy: FetchPolicy | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.cache_dir = cache_dir
        self.policy = policy or FetchPolicy()
        self.requests = 0  # network requests made; tests and summaries read it
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout),
            follow_redirects=True,
            max_redirects=self.policy.max_redirects,
            headers={"User-Agent": self.policy.user_agent,
                     "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, max_age: float = math.inf) -> Fetched:
        """The body at `url`: from the cache when fresh, else from the network."""
        check_fetchable(url)
        meta_path, body_path = self._paths(url)
        meta = _read_meta(meta_path) if body_path.is_file() else None
        now = datetime.now(UTC)
        if meta is not None:
            age = (now - datetime.fromisoformat(meta["fetched_at"])).total_seconds()
            if age < max_age:
                return _cached(url, meta, body_path)
        headers = {}
        if meta is not None and meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta is not None and meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        self.requests += 1
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304 and meta is not None:
                    meta["fetched_at"] = now.isoformat()
                    write_atomically(meta_path, json.dumps(meta))
                    return _cached(url, meta, body_path)
                if response.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {response.status_code} "
                                     f"{response.reason_phrase}")
                check_fetchable(str(response.url))
                content = self._read_limited(url, response)
        except httpx.TooManyRedirects:
            raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects") from None
        except httpx.TimeoutException:
            raise FetchError(f"{url}: timed out after {self.policy.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise FetchError(f"{url}: {type(error).__name__}: {error}") from None
        meta = {
            "url": url,
            "final_url": str(response.url),
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
            "content_type": response.headers.get("Content-Type", ""),
            "fetched_at": now.isoformat(),
        }
        write_atomically(body_path, content)  # body first: metadata points at a whole body
        write_atomically(meta_path, json.dumps(meta))
        return Fetched(url, meta["final_url"], content, meta["content_type"], now, False)

    def _read_limited(self, url: str, response: httpx.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{url}: {int(declared)} bytes, over the {limit}-byte limit")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"{url}: more than {limit} bytes, over the limit; skipped")
            chunks.append(chunk)
        return b"".join(chunks)

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()[:32]
        return self.cache_dir / f"{key}.json", self.cache_dir / f"{key}.body"


def check_fetchable(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only absolute http(s) URLs can be fetched")


def _cached(url: str, meta: dict[str, str], body_path: Path) -> Fetched:
    return Fetched(url, meta.get("final_url") or url, body_path.read_bytes(),
                   meta.get("content_type", ""), datetime.fromisoformat(meta["fetched_at"]),
                   True)


def _read_meta(path: Path) -> dict[str, str] | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable entry: fetch again, it will be rewritten
    return meta if isinstance(meta, dict) and "fetched_at" in meta else None
