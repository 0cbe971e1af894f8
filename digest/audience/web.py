"""The unsubscribe service behind `digest serve`: a small Starlette app.

Routes live under the path of `newsletter.public_url` (say `/digest`):

    POST /unsubscribe/{token}  body List-Unsubscribe=One-Click (RFC 8058): suppress now, 200
    GET  /unsubscribe/{token}  confirm page with a button; changes nothing (scanners GET links)
    GET  /resubscribe/{token}  confirm page; POST lifts an unsubscribe made by the reader
    GET  /archive/{week}/      the week's preview page ("view in browser")

A forged, truncated or other-newsletter token gets 400 and changes nothing. No redirects,
no cookies; every page is escaped and marked no-store, no-referrer (the URL holds a token).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from digest.audience.suppressions import open_suppressions
from digest.audience.unsubscribe_tokens import read_token
from digest.errors import BadUnsubscribeToken
from digest.models import Subscriber
from digest.settings import Settings

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

_PAGE = """<!doctype html>
<html lang="{{ language }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{ title }} · {{ newsletter }}</title>
<style>body{font:17px/1.5 Georgia,serif;max-width:34rem;margin:3rem auto;padding:0 1rem;
color:#1f2328}button{font:inherit;padding:.5rem 1.2rem;cursor:pointer}</style></head>
<body><h1>{{ title }}</h1><p>{{ message }}</p>
{% if action %}<form method="post" action="{{ action }}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="via" value="page">
<button type="submit">{{ button }}</button></form>{% endif %}
</body></html>
"""
_template = Environment(autoescape=select_autoescape(default=True)).from_string(_PAGE)


@dataclass(frozen=True)
class Page:
    title: str
    message: str
    action: str | None = None  # a form posting to this URL, with a button
    button: str = ""


class UnsubscribeService:
    """Verifies tokens and changes the suppression store; the routes only speak HTTP."""

    def __init__(self, settings: Settings, secret: str) -> None:
        self.settings = settings
        self.secret = secret
        self.prefix = urlsplit(settings.newsletter.public_url).path.rstrip("/")

    def address(self, token: str) -> str | None:
        try:
            address = read_token(self.secret, self.settings.newsletter.list_id, token)
        except BadUnsubscribeToken:
            return None
        return Subscriber(address).key

    def render(self, page: Page, status: int = 200) -> HTMLResponse:
        body = _template.render(language=self.settings.newsletter.language,
                                newsletter=self.settings.newsletter.name, **vars(page))
        return HTMLResponse(body, status_code=status, headers=_HEADERS)

    def bad_token(self) -> HTMLResponse:
        return self.render(Page("This link does not work",
                                "The link is incomplete or not for this newsletter, so nothing "
                                "was changed. Copy the whole link from the email, or reply to "
                                "the email and we will take you off the list."), 400)

    def suppress(self, email: str, source: str) -> None:
        with open_suppressions(self.settings.db_path) as store:
            store.suppress(email, "unsubscribed", source)

    def lift(self, email: str) -> bool:
        """Only an unsubscribe can be undone here; a bounce or complaint needs an editor."""
        with open_suppressions(self.settings.db_path) as store:
            store.unsuppress(email, reasons=("unsubscribed",))
            return not store.is_suppressed(email)


async def _form_values(request: Request) -> dict[str, str]:
    """The posted form (url-encoded or multipart, as RFC 8058 allows); {} if unreadable."""
    try:
        async with request.form(max_files=0, max_fields=8) as form:
            return {key: value for key, value in form.items() if isinstance(value, str)}
    except Exception:  # a malformed body is a bad request, never a crash
        return {}


def _routes(service: UnsubscribeService) -> list[BaseRoute]:
    name = service.settings.newsletter.name

    async def unsubscribe(request: Request) -> Response:
        token = request.path_params["token"]
        email = service.address(token)
        if email is None:
            return service.bad_token()
        own_url = f"{service.prefix}/unsubscribe/{token}"
        if request.method != "POST":  # GET and HEAD never change anything
            return service.render(Page(
                "Unsubscribe?", f"Stop sending {name} to {email}?", own_url, "Unsubscribe"))
        form = await _form_values(request)
        if form.get("List-Unsubscribe") != "One-Click":
            return service.render(Page("Nothing changed", "The request did not ask to "
                                       "unsubscribe (List-Unsubscribe=One-Click)."), 400)
        source = "confirm page" if form.get("via") == "page" else "one-click"
        await run_in_threadpool(service.suppress, email, source)
        return service.render(Page(
            "You are unsubscribed", f"{email} will get no more emails from {name}. Changed "
            "your mind?", f"{service.prefix}/resubscribe/{token}", "Subscribe again"))

    async def resubscribe(request: Request) -> Response:
        token = request.path_params["token"]
        email = service.address(token)
        if email is None:
            return service.bad_token()
        own_url = f"{service.prefix}/resubscribe/{token}"
        if request.method != "POST":  # GET and HEAD never change anything
            return service.render(Page(
                "Subscribe again?", f"Send {name} to {email} again?", own_url,
                "Subscribe again"))
        if not await run_in_threadpool(service.lift, email):
            return service.render(Page("Please contact us", "Mail to this address was "
                                       "stopped for another reason; reply to any email "
                                       "and an editor will help."), 409)
        return service.render(Page("Welcome back", f"{email} will get {name} again from "
                                   "the next edition."))

    async def archive(request: Request) -> Response:
        week = request.path_params["week"]
        page = service.settings.out_dir / week / "index.html"
        if not _WEEK.match(week) or not page.is_file():
            return PlainTextResponse("no such edition", 404, headers=_HEADERS)
        text = await run_in_threadpool(Path.read_text, page, "utf-8")
        return HTMLResponse(text, headers={**_HEADERS, "Content-Security-Policy": _ARCHIVE_CSP})

    async def health(request: Request) -> Response:
        return PlainTextResponse(f"{name}: unsubscribe service ready", headers=_HEADERS)

    handlers: list[tuple[str, Callable[[Request], object], list[str]]] = [
        ("/unsubscribe/{token}", unsubscribe, ["GET", "POST"]),
        ("/resubscribe/{token}", resubscribe, ["GET", "POST"]),
        ("/archive/{week}/", archive, ["GET"]),
        ("/", health, ["GET"]),
    ]
    return [Route(path, handler, methods=methods) for path, handler, methods in handlers]


def create_app(settings: Settings, secret: str) -> Starlette:
    service = UnsubscribeService(settings, secret)
    routes = _routes(service)
    if service.prefix:
        routes = [Mount(service.prefix, routes=routes)]
    return Starlette(routes=routes)
