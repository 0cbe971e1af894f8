"""The unsubscribe service behind `digest serve`: a small Starlette app.

Routes live under the path of `newsletter.public_url` (say `/digest`):

    POST /unsubscribe/{token}  body List-Unsubscribe=One-Click (RFC 8058): suppress now, 200
    GET  /unsubscribe/{token}  confirm page with a button; changes nothing (scanners GET links)
    GET  /resubscribe/{token}  confirm page; POST lifts an unsubscribe made by the reader
    GET  /archive/             the index of the editions (an `Archive`)
    GET  /archive/{week}/      that edition's public web copy ("View in browser")

A forged, truncated or other-newsletter token gets 400 and changes nothing. No redirects,
no cookies; every page is escaped and marked no-store, no-referrer (the URL holds a token).
The archive serves anonymous web copies only (rendering/web_copy.py), never a preview: a
preview is one subscriber's copy, with their name, address and unsubscribe link.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from digest.audience.suppressions import SuppressionReason, open_suppressions
from digest.audience.unsubscribe_tokens import read_token
from digest.errors import BadUnsubscribeToken
from digest.models import mailbox_key
from digest.resources import web_pages
from digest.settings import Settings
from digest.storage.locations import workspace_database

_WEEK = re.compile(r"^\d{4}-W\d{2}$")
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}
_ARCHIVE_CSP = ("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
                "font-src https:; frame-ancestors 'none'")


class Archive(Protocol):
    """The public archive: anonymous pages only, None where there is no such edition."""

    def index(self) -> str | None: ...

    def page(self, week: str) -> str | None: ...


class SiteFolder:
    """An archive published by `digest publish DIR`: DIR/index.html and DIR/<week>/index.html."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _read(self, path: Path) -> str | None:
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def index(self) -> str | None:
        return self._read(self.folder / "index.html")

    def page(self, week: str) -> str | None:
        return self._read(self.folder / week / "index.html") if _WEEK.match(week) else None


class UnsubscribeService:
    """Verifies tokens and changes the suppression store; the routes only speak HTTP.

    Pages come from `templates/web/<page>.html.j2` (the workspace's first, then the
    packaged ones), each filling the layout `web/page.html.j2`.
    """

    def __init__(self, settings: Settings, secret: str) -> None:
        # The workspace's database: with a shared (PostgreSQL) one, every instance of
        # `digest serve` and every sender sees an unsubscribe at once.
        self.location = workspace_database(settings)
        self.settings = settings
        self.secret = secret
        self.prefix = urlsplit(settings.newsletter.public_url).path.rstrip("/")
        self._pages = web_pages(settings.path("templates"))

    def address(self, token: str) -> str | None:
        """The mailbox key the token was made for: every capitalisation of the address is
        one reader (older tokens may seal the address as the list wrote it)."""
        try:
            address = read_token(self.secret, self.settings.newsletter.list_id, token)
        except BadUnsubscribeToken:
            return None
        return mailbox_key(address)

    def render(self, page: str, status: int = 200, email: str = "",
               action: str | None = None) -> HTMLResponse:
        """The page `page`; `action` is where its form posts, for pages that have one."""
        body = self._pages.get_template(f"web/{page}.html.j2").render(
            language=self.settings.newsletter.language,
            newsletter=self.settings.newsletter.name, email=email, action=action)
        return HTMLResponse(body, status_code=status, headers=_HEADERS)

    def suppress(self, email: str, source: str) -> None:
        with open_suppressions(self.location) as store:
            store.suppress(email, SuppressionReason.UNSUBSCRIBED, source)

    def lift(self, email: str) -> bool:
        """Only an unsubscribe can be undone here; a bounce or complaint needs an editor."""
        with open_suppressions(self.location) as store:
            store.unsuppress(email, reasons=(SuppressionReason.UNSUBSCRIBED,))
            return not store.is_suppressed(email)


async def _form_values(request: Request) -> dict[str, str]:
    """The posted form (url-encoded or multipart, as RFC 8058 allows); {} if unreadable."""
    try:
        async with request.form(max_files=0, max_fields=8) as form:
            return {key: value for key, value in form.items() if isinstance(value, str)}
    except Exception:  # a malformed body is a bad request, never a crash
        return {}


# What a POST does once its token is read: (request, address, token) -> the answer.
_Change = Callable[[Request, str, str], Awaitable[Response]]


def _token_route(service: UnsubscribeService, action: str, confirm_page: str,
                 change: _Change) -> Callable[[Request], Awaitable[Response]]:
    """/<action>/{token}: a bad token gets 400; GET and HEAD show `confirm_page`, whose form
    posts back here; only POST makes the change."""
    async def handler(request: Request) -> Response:
        token = request.path_params["token"]
        email = service.address(token)
        if email is None:
            return service.render("bad_link", 400)
        if request.method != "POST":  # GET and HEAD never change anything
            return service.render(confirm_page, email=email,
                                  action=f"{service.prefix}/{action}/{token}")
        return await change(request, email, token)
    return handler


def _routes(service: UnsubscribeService, archive: Archive | None) -> list[BaseRoute]:
    name = service.settings.newsletter.name

    async def unsubscribe(request: Request, email: str, token: str) -> Response:
        form = await _form_values(request)
        if form.get("List-Unsubscribe") != "One-Click":
            return service.render("unsubscribe_not_asked", 400, email)
        source = "confirm page" if form.get("via") == "page" else "one-click"
        await run_in_threadpool(service.suppress, email, source)
        return service.render("unsubscribed", email=email,
                              action=f"{service.prefix}/resubscribe/{token}")

    async def resubscribe(request: Request, email: str, token: str) -> Response:
        if not await run_in_threadpool(service.lift, email):
            return service.render("resubscribe_refused", 409, email)
        return service.render("resubscribed", email=email)

    async def archive_page(request: Request) -> Response:
        week = request.path_params.get("week")
        if archive is None or (week is not None and not _WEEK.match(week)):
            return PlainTextResponse("no such edition", 404, headers=_HEADERS)
        text = await (run_in_threadpool(archive.page, week) if week
                      else run_in_threadpool(archive.index))
        if text is None:
            return PlainTextResponse("no such edition", 404, headers=_HEADERS)
        return HTMLResponse(text, headers={**_HEADERS, "Content-Security-Policy": _ARCHIVE_CSP})

    async def health(request: Request) -> Response:
        return PlainTextResponse(f"{name}: unsubscribe service ready", headers=_HEADERS)

    handlers: list[tuple[str, Callable[[Request], object], list[str]]] = [
        ("/unsubscribe/{token}",
         _token_route(service, "unsubscribe", "unsubscribe_confirm", unsubscribe), ["GET", "POST"]),
        ("/resubscribe/{token}",
         _token_route(service, "resubscribe", "resubscribe_confirm", resubscribe), ["GET", "POST"]),
        ("/archive/", archive_page, ["GET"]),
        ("/archive/{week}/", archive_page, ["GET"]),
        ("/", health, ["GET"]),
    ]
    return [Route(path, handler, methods=methods) for path, handler, methods in handlers]


def create_app(settings: Settings, secret: str, archive: Archive | None = None) -> Starlette:
    """The service; `archive` answers /archive/ (without one, the archive is 404)."""
    service = UnsubscribeService(settings, secret)
    routes = _routes(service, archive)
    if service.prefix:
        routes = [Mount(service.prefix, routes=routes)]
    return Starlette(routes=routes)
