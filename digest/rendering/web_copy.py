"""The public copy of an edition ("View in browser") and the archive site made of them.

A web copy is its own render, never a preview file: previews are one subscriber's copy,
with their name, address and a working unsubscribe link. Here every per-subscriber slot is
left empty, so the templates' own defaults show ("Hello there"), and the unsubscribe link
points at the archive's note on unsubscribing, since a working one would name its reader.

The site is what `digest publish DIR` writes and `digest serve` serves under /archive/:

    index.html            every edition, newest first (template `web/site_index.html.j2`)
    <week>/index.html     that edition's web copy
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.files import write_atomically
from digest.rendering.compose import RenderedEdition
from digest.rendering.slots import escape_html
from digest.resources import web_pages
from digest.settings import Settings

INDEX_TEMPLATE = "web/site_index.html.j2"
_WEEK_FOLDER = re.compile(r"^\d{4}-W\d{2}$")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


@dataclass(frozen=True)
class ArchivedEdition:
    week: str  # "2026-W48", also the folder's name
    title: str  # the page's <title>: the edition's subject


def list_editions(folder: Path) -> list[ArchivedEdition]:
    """The editions in `folder` (out/, or a published site): each <week>/index.html, newest
    first, titled by its <title>."""
    editions = []
    for child in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
        page = child / "index.html"
        if not (_WEEK_FOLDER.match(child.name) and page.is_file()):
            continue
        found = _TITLE.search(page.read_text(encoding="utf-8", errors="replace")[:4000])
        title = html.unescape(found.group(1)).strip() if found else child.name
        editions.append(ArchivedEdition(child.name, title))
    return editions


def archive_url(settings: Settings) -> str:
    return f"{settings.newsletter.public_url}/archive/"


def view_url(settings: Settings, week: str) -> str:
    """Where an edition's web copy is: the "View in browser" link of every message."""
    return f"{archive_url(settings)}{week}/"


def web_copy(rendered: RenderedEdition, settings: Settings) -> str:
    """The edition's HTML as anyone may see it: no name, no address, no token."""
    values = {"view_url": view_url(settings, rendered.edition.week),
              "unsubscribe_url": f"{archive_url(settings)}#unsubscribe"}
    return rendered.html.fill(values, escape_html)


def site_index(settings: Settings, editions: list[ArchivedEdition]) -> str:
    template = web_pages(settings.path("templates")).get_template(INDEX_TEMPLATE)
    return template.render(language=settings.newsletter.language,
                           newsletter=settings.newsletter.name, editions=editions)


def write_site(folder: Path, settings: Settings, copies: Mapping[str, str]) -> list[Path]:
    """Write each week's web copy into `folder`, then its index of every edition there
    (those published before included). Each file is written whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for week, page in copies.items():
        write_atomically(folder / week / "index.html", page)
        written.append(folder / week / "index.html")
    index = folder / "index.html"
    write_atomically(index, site_index(settings, list_editions(folder)))
    return [*written, index]
