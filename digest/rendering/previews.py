"""Preview files for editors: the email as a subscriber sees it, its text, the .eml, optional
screenshots, and an archive page listing every edition in out/, newest first."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from digest.models import Subscriber
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import escape_html, escape_text
from digest.settings import Settings

SAMPLE_SUBSCRIBER = Subscriber(email="reader@example.org", name="Sample Reader")
MOBILE_WIDTH = 375
DESKTOP_WIDTH = 680  # the 600 px email with a margin either side
_WEEK_FOLDER = re.compile(r"^\d{4}-W\d{2}$")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


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
    """Write out/<week>/index.html, index.txt and message.eml, as `subscriber` receives them."""
    folder = settings.out_dir / factory.week
    folder.mkdir(parents=True, exist_ok=True)
    values = factory.values_for(subscriber)
    rendered = factory.rendered
    page = folder / "index.html"
    _write(page, rendered.html.fill(values, escape_html))
    _write(folder / "index.txt", rendered.text.fill(values, escape_text))
    _write_bytes(folder / "message.eml", factory.build(subscriber))
    shots: tuple[Path, ...] = ()
    if screenshots:
        from digest.rendering.browser import screenshot  # only editors who ask need Chromium

        shots = (screenshot(page, folder / "mobile.png", MOBILE_WIDTH),
                 screenshot(page, folder / "desktop.png", DESKTOP_WIDTH))
    archive = write_archive(settings.out_dir, settings.newsletter.name)
    return PreviewFiles(page, folder / "index.txt", folder / "message.eml", archive, shots)


def write_archive(out_dir: Path, newsletter: str) -> Path:
    """out/index.html: every edition previewed so far, newest first, linked by week."""
    rows = []
    for folder in sorted(out_dir.iterdir(), key=lambda p: p.name, reverse=True):
        page = folder / "index.html"
        if not (_WEEK_FOLDER.match(folder.name) and page.is_file()):
            continue
        found = _TITLE.search(page.read_text(encoding="utf-8", errors="replace")[:4000])
        title = html.unescape(found.group(1)).strip() if found else folder.name
        week = html.escape(folder.name)
        rows.append(
            f'<li><a href="{week}/index.html">{html.escape(title)}</a> '
            f'<span class="week">{week}</span> · <a href="{week}/index.txt">text</a> · '
            f'<a href="{week}/message.eml">.eml</a></li>'
        )
    name = html.escape(newsletter)
    body = "\n".join(rows) or "<li>No editions yet.</li>"
    page_text = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}: archive</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
li{{margin:.4rem 0}} .week{{color:#57606a}}</style></head>
<body><h1>{name}</h1><p>Every edition, newest first.</p>
<ol reversed>
{body}
</ol></body></html>
"""
    archive = out_dir / "index.html"
    _write(archive, page_text)
    return archive


def _write(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file, so a failed run never leaves half a preview."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
