"""Test support for the sources issue: a local HTTP server and the `sources` workspace preset."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sources"

CONFIG = """\
newsletter:
  name: The Mudflat Review
  from: "The Mudflat Review <news@mudflat.example>"
  timezone: Europe/London
smtp:
  url: capture
selection:
  max_articles: 3
"""


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0


@dataclass
class Site:
    """What the local server serves, and what it was asked."""

    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


def serve(site: Site) -> Iterator[Site]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append((self.path, dict(self.headers)))
            page = site.pages.get(self.path)
            if page is None:
                self.send_error(404)
                return
            if page.delay:
                time.sleep(page.delay)
            if page.etag and self.headers.get("If-None-Match") == page.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            if page.etag:
                self.send_header("ETag", page.etag)
            if page.last_modified:
                self.send_header("Last-Modified", page.last_modified)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(page.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def markdown(title: str, date: str, author: str = "Nell Quarry", url: str | None = None,
             body: str = "") -> str:
    lines = ["---", f'title: "{title}"', f"author: {author}", f"date: {date}"]
    if url:
        lines.append(f"url: {url}")
    text = body or (f"{title} was the talk of the quay this week. Boats and people came and "
                    "went as the tide allowed.\n\nThe harbour office said more would follow.")
    return "\n".join([*lines, "---", "", text, ""])
