"""Preview files for editors: the email as a subscriber sees it, its text, the .eml, optional
screenshots, and an archive page listing every edition in out/, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digest.files import write_atomically
from digest.models import Subscriber
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import escape_html, one_line
from digest.rendering.web_copy import list_editions
from digest.resources import web_pages
from digest.settings import Settings

SAMPLE_SUBSCRIBER = Subscriber(email="reader@example.org", name="Sample Reader")
MOBILE_WIDTH = 375
DESKTOP_WIDTH = 680  # the 600 px email with a margin either side


@dataclass(frozen=True)
class PreviewFiles:
    html: Path
    text: Path
    eml: Path
    archive: Path
    screenshots: tuple[Path, ...] = ()


def write_previews(factory: MessageFactory, settings: Settings,
                   subscriber: Subscriber = SAMPLE_SUBSCRIBER,
                   screenshots: bool = False) -> PreviewFiles:
    """Write out/<week>/index.html, index.txt and message.eml, as `subscriber` receives them.

    Each file is written whole or not at all, so a failed run never leaves half a preview.
    """
    folder = settings.out_dir / factory.week
    folder.mkdir(parents=True, exist_ok=True)
    values = factory.values_for(subscriber)
    rendered = factory.rendered
    page = folder / "index.html"
    write_atomically(page, rendered.html.fill(values, escape_html))
    write_atomically(folder / "index.txt", rendered.text.fill(values, one_line))
    write_atomically(folder / "message.eml", factory.build(subscriber))
    shots: tuple[Path, ...] = ()
    if screenshots:
        from digest.rendering.browser import screenshot  # only editors who ask need Chromium

        shots = (screenshot(page, folder / "mobile.png", MOBILE_WIDTH),
                 screenshot(page, folder / "desktop.png", DESKTOP_WIDTH))
    archive = write_archive(settings.out_dir, settings.newsletter.name,
                            settings.path("templates"))
    return PreviewFiles(page, folder / "index.txt", folder / "message.eml", archive, shots)


def write_archive(out_dir: Path, newsletter: str, templates: Path | None = None) -> Path:
    """out/index.html (template `web/archive.html.j2`, found first in `templates`): every
    edition previewed so far, newest first, linked by week. For editors only: it links each
    subscriber's preview and .eml; `digest publish` makes the public archive."""
    archive = out_dir / "index.html"
    template = web_pages(templates).get_template("web/archive.html.j2")
    write_atomically(archive, template.render(newsletter=newsletter,
                                              editions=list_editions(out_dir)))
    return archive

