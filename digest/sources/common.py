"""Checks shared by every reader: file sizes, dates, names, tags, control characters."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from digest.errors import ContentError
from digest.models import Article
from digest.weeks import YEARS

# C0 and C1 control characters and DEL, except tab and newline: no reader shows them, and one
# ESC in a feed's title is enough for MJML to refuse the whole edition.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    return _CONTROLS.sub("", text)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, tuple):
        return tuple(_cleaned(item) for item in value)
    return value


def clean_article(article: Article) -> Article:
    """The article with control characters gone from every text field (title, body, authors,
    bios, ...): every reader returns its articles through this, so content from any source
    reaches the templates without them."""
    changes = {f.name: _cleaned(getattr(article, f.name)) for f in fields(article)
               if isinstance(getattr(article, f.name), str | tuple)}
    return replace(article, **changes)


def read_within(path: Path, limit: int, kind: str, limit_note: str = "") -> bytes:
    """The file's bytes, unless it is over `limit` bytes: then an error such as
    "page is 6.2 MB, over the 5 MB limit for saved pages" (kind "page", note " for saved pages")."""
    size = path.stat().st_size
    if size > limit:
        raise ContentError(path, f"{kind} is {size / 1e6:.1f} MB, over the "
                                 f"{limit / 1e6:.0f} MB limit{limit_note}")
    return path.read_bytes()


def in_range(moment: datetime, path: Path | str, line: int | None = None) -> datetime:
    """An article's date, if its year is one digest handles (weeks.YEARS)."""
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ContentError(path, f"date {moment.date().isoformat()} is out of range (years "
                                 f"{YEARS[0]} to {YEARS[1]})", line=line)
    return moment


def as_datetime(value: Any, tz: tzinfo, path: Path | str, line: int | None = None) -> datetime:
    """Front-matter dates: YAML dates, datetimes or ISO strings; naive ones are in `tz`."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ContentError(
                path, f"date {text!r} is not an ISO date such as 2026-11-23", line=line
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return in_range(moment, path, line)


def file_time(path: Path, tz: tzinfo) -> datetime:
    """An undated article takes its file's modification time."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).astimezone(tz)


def as_names(value: Any) -> tuple[str, ...]:
    """`author: A` or `author: [A, B]` or `authors: "A and B"` -> names."""
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else re.split(r",\s*|\s+and\s+|\s*&\s*", str(value))
    return tuple(str(item).strip() for item in items if str(item).strip())


def as_tags(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


_NAME_SPLIT = re.compile(r"\s*;\s*|\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*|\s+und\s+", re.IGNORECASE)
_BY_PREFIX = re.compile(r"^(?:written\s+)?by[:\s]+", re.IGNORECASE)


def split_names(text: str) -> list[str]:
    """"By A, B and C" / "A; B" / "A & B" -> ["A", "B", "C"] (as sources write several)."""
    text = _BY_PREFIX.sub("", " ".join(text.split()))
    return [name.strip(" .") for name in _NAME_SPLIT.split(text) if name.strip(" .")]


_ROLE = re.compile(r"\b(?:director|editor|editor-in-chief|reporter|correspondent|columnist|"
                   r"contributor|manager|officer|president|founder|professor|chief|head of|"
                   r"engineer|analyst|researcher|photographer|producer|chair|ceo|cto)\b",
                   re.IGNORECASE)


def is_role(text: str) -> bool:
    """"W3C Accessibility Director", "Senior Reporter": a job title written after a
    name ("A, Director of B"), not another person."""
    return bool(_ROLE.search(text))
