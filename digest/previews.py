"""Preview files for editors: the email as a subscriber sees it, its text, and the .eml."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from digest.config import Settings
from digest.messages import MessageFactory
from digest.models import Subscriber

SAMPLE_SUBSCRIBER = Subscriber(email="reader@example.org", name="Sample Reader")


@dataclass(frozen=True)
class PreviewFiles:
    html: Path
    text: Path
    eml: Path


def write_previews(factory: MessageFactory, settings: Settings,
                   subscriber: Subscriber = SAMPLE_SUBSCRIBER) -> PreviewFiles:
    """Write out/<week>/index.html, index.txt and message.eml, as `subscriber` receives them."""
    folder = settings.out_dir / factory.week
    folder.mkdir(parents=True, exist_ok=True)
    values = factory.values_for(subscriber)
    rendered = factory.rendered
    files = PreviewFiles(folder / "index.html", folder / "index.txt", folder / "message.eml")
    _write(files.html, rendered.html.fill(values, lambda v: html.escape(v, quote=True)))
    _write(files.text, rendered.text.fill(values, lambda v: v))
    files.eml.write_bytes(factory.build(subscriber))
    return files


def _write(path: Path, text: str) -> None:
    """Write via a temporary file, so a failed run never leaves half a preview."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
