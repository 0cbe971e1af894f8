"""Settings: `digest.yaml` plus the environment, validated once, then frozen.

Secrets come only from the environment: DIGEST_SMTP_PASSWORD, DIGEST_SECRET.
DIGEST_SMTP_URL overrides `smtp.url`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import ConfigError
from digest.links import slugify
from digest.settings import (
    AudienceSettings,
    DeliverySettings,
    DisplaySettings,
    DkimKeySettings,
    DkimSettings,
    ExcerptBudget,
    NewsletterSettings,
    Settings,
    SmtpMode,
    SmtpSettings,
    SourceSettings,
    ThemeSettings,
    parse_mailbox,
)
from digest.yamlfile import SectionReader, read_yaml

CONFIG_NAME = "digest.yaml"


def parse_smtp_url(url: str, env: dict[str, str],
                   fail: Callable[[str], ConfigError]) -> dict[str, Any]:
    """smtp://user@host:port?starttls=true | smtps://... | capture.

    `fail` turns a problem into the ConfigError that names where the URL came from
    (digest.yaml's line, or the environment variable)."""
    if url.strip() == SmtpMode.CAPTURE:
        return {"mode": SmtpMode.CAPTURE}
    try:
        parts = urlsplit(url.strip())
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


def load_settings(workspace: Path, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    path = workspace / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(path, "not found: run `digest init DIR` or pass --workspace DIR")
    doc = read_yaml(path, ConfigError)
    if not isinstance(doc.data, dict):
        raise ConfigError(path, "must be a mapping of sections (newsletter, smtp, ...)", line=1)
    read = SectionReader(doc)

    name = read.text("newsletter", "name")
    sender = _mailbox(read, "from")
    if not name:
        raise read.fail(("newsletter", "name"), "is required")
    if not sender or "@" not in sender:
        raise read.fail(("newsletter", "from"), "is required, e.g. 'Name <editor@example.org>'")
    timezone = read.text("newsletter", "timezone", "UTC") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise read.fail(("newsletter", "timezone"), f"unknown time zone {timezone!r}") from None
    public_url = read.text("newsletter", "public_url", "https://newsletter.example/digest") or ""
    if not _PUBLIC_URL.match(public_url):  # it heads the List-Unsubscribe line of each message
        raise read.fail(("newsletter", "public_url"), "must be an http(s) URL (<= 300 chars)")
    list_id = read.text("newsletter", "id") or slugify(name)
    if not _LIST_ID.match(list_id):
        raise read.fail(("newsletter", "id"), f"{list_id!r}: use letters, digits, . - _ only")
    newsletter = NewsletterSettings(
        name=name,
        list_id=list_id,
        sender=sender,
        reply_to=_mailbox(read, "reply_to"),
        language=read.text("newsletter", "language", "en") or "en",
        timezone=timezone,
        public_url=public_url.rstrip("/"),
        unsubscribe_mailto=_mailbox(read, "unsubscribe_mailto", plain=True),
        postal_address=read.text("newsletter", "postal_address", "") or "",
    )

    if env.get("DIGEST_SMTP_URL"):
        url = env["DIGEST_SMTP_URL"]
        smtp_fields = parse_smtp_url(url, env, lambda problem: ConfigError("DIGEST_SMTP_URL",
                                                                          problem))
    else:
        url = read.text("smtp", "url", SmtpMode.CAPTURE) or SmtpMode.CAPTURE
        smtp_fields = parse_smtp_url(url, env, lambda problem: read.fail(("smtp", "url"),
                                                                        problem))
    smtp = SmtpSettings(
        **smtp_fields,
        connections=int(read.number("smtp", "connections", 3, minimum=1)),
        timeout=read.number("smtp", "timeout", 30, minimum=1),
        final_reply_timeout=read.number("smtp", "final_reply_timeout", 600, minimum=1),
    )

    budget = ExcerptBudget(
        target_words=int(read.number("excerpts", "target_words", 70, minimum=5)),
        max_words=int(read.number("excerpts", "max_words", 100, minimum=5)),
        max_chars=int(read.number("excerpts", "max_chars", 700, minimum=40)),
    )
    if budget.target_words > budget.max_words:
        raise read.fail(("excerpts", "target_words"), "must not exceed excerpts.max_words")
    delivery, dkim = _read_delivery(read, workspace, sender)
    return Settings(
        workspace=workspace,
        newsletter=newsletter,
        smtp=smtp,
        excerpt_budget=budget,
        blurb_max_chars=int(read.number("blurbs", "max_chars", 280, minimum=40)),
        max_articles=int(read.number("selection", "max_articles", 10, minimum=1)),
        database=Path(read.text("storage", "database", "digest.db") or "digest.db"),
        secret=env.get("DIGEST_SECRET") or None,
        delivery=delivery,
        dkim=dkim,
        theme=_read_theme(read),
        display=_read_display(read),
        sources=SourceSettings(
            feeds=read.url_list("sources", "feeds"),
            urls=read.url_list("sources", "urls"),
            timeout=read.number("sources", "timeout", 15, minimum=1),
            max_bytes=int(read.number("sources", "max_bytes", 5_000_000, minimum=1000)),
            feed_max_age=read.number("sources", "feed_max_age", 1800, minimum=0),
        ),
        audience=AudienceSettings(lists=_read_names(read, "audience", "lists"),
                                  tags=_read_names(read, "audience", "tags")),
    )


_PUBLIC_URL = re.compile(r"^https?://[^\x00-\x20\x7f-\x9f<>\"\\]{1,292}$")
_LIST_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")


def _mailbox(read: SectionReader, key: str, plain: bool = False) -> str | None:
    """newsletter.<key>: one address, read by the parser the message headers are built from."""
    value = read.text("newsletter", key)
    try:
        if value is not None and parse_mailbox(value).name and plain:
            raise ValueError("must be a plain address such as unsubscribe@example.org")
    except ValueError as error:
        raise read.fail(("newsletter", key), f"{value!r} {error}") from None
    return value


def _read_names(read: SectionReader, section: str, key: str) -> tuple[str, ...]:
    """A list of plain names; a list name must stay inside subscribers/ (no path)."""
    value = read.section(section).get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise read.fail((section, key), "must be a list of names")
    names = []
    for index, item in enumerate(value):
        name = str(item).strip() if isinstance(item, str) else ""
        if not name or (key == "lists" and ("/" in name or "\\" in name
                                            or name.startswith("."))):
            raise ConfigError(read.doc.path, f"{section}.{key}: {item!r} must be a name"
                              + (" of a file inside subscribers/, not a path"
                                 if key == "lists" else ""),
                              read.doc.line_of(section, key, index))
        names.append(name)
    return tuple(names)


_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONTS = re.compile(r"^[A-Za-z0-9 ,'-]+$")  # no quotes or semicolons: they end up in style=""
_ISO_WEEK = re.compile(r"^\d{4}-W\d{2}$")


_COLOR_KEYS = ("accent_color", "background_color", "paper_color", "text_color", "muted_color",
               "dark_background_color", "dark_paper_color", "dark_text_color",
               "dark_muted_color", "dark_accent_color")


def _read_theme(read: SectionReader) -> ThemeSettings:
    """theme: colours (#rgb or #rrggbb), font stacks, an http(s) logo, edition numbering."""
    base = ThemeSettings()
    values: dict[str, Any] = {}
    for key in _COLOR_KEYS:
        color = read.text("theme", key, getattr(base, key)) or ""
        if not _COLOR.match(color):
            raise read.fail(("theme", key), f"must be a colour like #0b5cad, not {color!r}")
        values[key] = color
    for key in ("font_family", "heading_font_family"):
        fonts = read.text("theme", key, getattr(base, key)) or ""
        if not _FONTS.match(fonts):
            raise read.fail(("theme", key), "must be a font list such as "
                            "\"Georgia, 'Times New Roman', serif\" (letters, digits, , ' -)")
        values[key] = fonts
    logo = read.text("theme", "logo_url")
    if logo and not re.match(r"^https?://[^\s\"'<>]+$", logo):
        raise read.fail(("theme", "logo_url"), "must be an http(s) URL")
    first_week = read.text("theme", "first_week")
    if first_week and not _ISO_WEEK.match(first_week):
        raise read.fail(("theme", "first_week"), f"must be an ISO week like 2026-W01, "
                        f"not {first_week!r}")
    view = read.section("theme").get("view_in_browser", True)
    if not isinstance(view, bool):
        raise read.fail(("theme", "view_in_browser"), "must be true or false")
    return ThemeSettings(
        **values,
        logo_url=logo or None,
        # No alt by default: the newsletter's name is the heading right below the logo.
        logo_alt=read.text("theme", "logo_alt") or "",
        logo_width=int(read.number("theme", "logo_width", 120, minimum=16)),
        first_week=first_week or None,
        view_in_browser=view,
    )


def _read_display(read: SectionReader) -> DisplaySettings:
    """display: which details cards show (true or false each); contents: true, false or auto."""
    values: dict[str, Any] = {}
    for key in ("date", "reading_time", "source", "author_links"):
        value = read.section("display").get(key, True)
        if not isinstance(value, bool):
            raise read.fail(("display", key), "must be true or false")
        values[key] = value
    contents = read.section("display").get("contents", "auto")
    if contents not in (True, False, "auto"):
        raise read.fail(("display", "contents"), "must be true, false or auto")
    return DisplaySettings(**values, contents=None if contents == "auto" else contents)


def _read_delivery(read: SectionReader, workspace: Path,
                   sender: str) -> tuple[DeliverySettings, DkimSettings | None]:
    """The `delivery:` and `dkim:` sections."""
    delivery = DeliverySettings(
        rate=read.number("delivery", "rate", 0),
        burst=int(read.number("delivery", "burst", 1, minimum=1)),
        hourly_cap=int(read.number("delivery", "hourly_cap", 0)),
        retry_base=read.number("delivery", "retry_base", 60),
        retry_cap=read.number("delivery", "retry_cap", 3600),
        max_attempts=int(read.number("delivery", "max_attempts", 8, minimum=1)),
        retry_window=read.number("delivery", "retry_window", 900),
        pause_after_failures=int(read.number("delivery", "pause_after_failures", 25,
                                             minimum=1)),
    )
    if delivery.retry_cap < delivery.retry_base:
        raise read.fail(("delivery", "retry_cap"), "must not be below delivery.retry_base")
    return delivery, _read_dkim(read, workspace, sender)


def _read_dkim(read: SectionReader, workspace: Path, sender: str) -> DkimSettings | None:
    """`dkim:` with `key` and `selector`, or `keys:` as a list of {selector, key}."""
    section = read.section("dkim")
    if "keys" in section:
        entries = section["keys"]
        if not isinstance(entries, list) or not entries or not all(
                isinstance(entry, dict) for entry in entries):
            raise read.fail(("dkim", "keys"), "must be a list of {selector: ..., key: ...}")
        pairs: list[tuple[Any, Any, tuple[str | int, ...]]] = [
            (entry.get("selector"), entry.get("key"), ("dkim", "keys", index))
            for index, entry in enumerate(entries)]
    elif read.text("dkim", "key"):
        pairs = [(read.text("dkim", "selector"), read.text("dkim", "key"), ("dkim",))]
    else:
        return None
    keys = []
    for selector, key, where in pairs:
        if not selector or not isinstance(selector, str):
            raise read.fail((*where, "selector"), "is required for each DKIM key")
        key_path = Path(str(key)).expanduser()
        key_path = key_path if key_path.is_absolute() else workspace / key_path
        if not key or not key_path.is_file():
            raise read.fail((*where, "key"), f"key file {key_path} not found")
        keys.append(DkimKeySettings(selector=selector, key=key_path))
    domain = read.text("dkim", "domain") or sender.rpartition("@")[2].strip(" >").lower()
    return DkimSettings(domain=domain, keys=tuple(keys))
