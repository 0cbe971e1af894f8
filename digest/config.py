"""Settings: `digest.yaml` plus the environment, validated once, then frozen.

Secrets come only from the environment: DIGEST_SMTP_PASSWORD, DIGEST_SECRET.
DIGEST_SMTP_URL overrides `smtp.url`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import ConfigError, DigestError
from digest.links import parse_smtp_url, slugify
from digest.settings import (
    AudienceSettings,
    BounceSettings,
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
from digest.weeks import parse_week
from digest.yamlfile import SectionReader, read_yaml

CONFIG_NAME = "digest.yaml"
_COLOR_KEYS = ("accent_color", "background_color", "paper_color", "text_color", "muted_color",
               "dark_background_color", "dark_paper_color", "dark_text_color",
               "dark_muted_color", "dark_accent_color")
_FONT_KEYS = ("font_family", "heading_font_family")
_DISPLAY_FLAGS = ("date", "reading_time", "source", "author_links")
_DKIM_ENTRY_KEYS = ("selector", "key")
# Every section and key of digest.yaml: any other is an error with a did-you-mean, and the
# reader refuses to read a key missing here (yamlfile.SectionReader), so this stays whole.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "newsletter": ("name", "id", "from", "reply_to", "language", "timezone", "public_url",
                   "unsubscribe_mailto", "postal_address"),
    "smtp": ("url", "connections", "timeout", "final_reply_timeout", "allow_plaintext_auth"),
    "delivery": ("rate", "burst", "hourly_cap", "retry_base", "retry_cap", "max_attempts",
                 "retry_window", "pause_after_failures", "senders", "lease"),
    "dkim": (*_DKIM_ENTRY_KEYS, "domain", "keys", "relay_signs"),
    "excerpts": ("target_words", "max_words", "max_chars"),
    "blurbs": ("max_chars",),
    "selection": ("max_articles",),
    "storage": ("database",),
    "theme": (*_COLOR_KEYS, *_FONT_KEYS, "logo_url", "logo_alt", "logo_width", "first_week",
              "view_in_browser"),
    "display": (*_DISPLAY_FLAGS, "contents"),
    "audience": ("lists", "tags"),
    "sources": ("feeds", "urls", "timeout", "max_bytes", "feed_max_age"),
    "schedule": ("weekday", "time", "timezone"),  # read by cli/schedule_config.py
    "bounces": ("domain", "local_part", "soft_limit", "soft_window_days", "mailbox"),
}


def load_settings(workspace: Path, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    path = workspace / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(path, "not found: run `digest init DIR` or pass --workspace DIR")
    doc = read_yaml(path, ConfigError)
    if not isinstance(doc.data, dict):
        raise ConfigError(path, "must be a mapping of sections (newsletter, smtp, ...)", line=1)
    read = SectionReader(doc, KNOWN_KEYS)
    read.refuse_unknown()

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
        allow_plaintext_auth=read.flag("smtp", "allow_plaintext_auth", False),
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
        database_location=read.text("storage", "database", "digest.db") or "digest.db",
        secret=env.get("DIGEST_SECRET") or None,
        delivery=delivery,
        dkim=dkim,
        dkim_by_relay=read.flag("dkim", "relay_signs", False),
        theme=_read_theme(read),
        display=_read_display(read),
        sources=SourceSettings(
            feeds=read.url_list("sources", "feeds"),
            urls=read.url_list("sources", "urls"),
            timeout=read.number("sources", "timeout", 15, minimum=1),
            max_bytes=int(read.number("sources", "max_bytes", 5_000_000, minimum=1000)),
            feed_max_age=read.number("sources", "feed_max_age", 1800, minimum=0),
        ),
        audience=AudienceSettings(lists=read.names("audience", "lists",
                                                   "a file inside subscribers/"),
                                  tags=read.names("audience", "tags")),
        bounces=_read_bounces(read),
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


_DOMAIN = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_LOCAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$")


def _read_bounces(read: SectionReader) -> BounceSettings:
    """bounces: the return path's domain and local part, and the soft-bounce rule."""
    domain = read.text("bounces", "domain")
    if domain is not None and not _DOMAIN.match(domain):
        raise read.fail(("bounces", "domain"), f"{domain!r} is not a domain name")
    local = read.text("bounces", "local_part", "bounces") or "bounces"
    if not _LOCAL.match(local) or "+" in local:
        raise read.fail(("bounces", "local_part"), f"{local!r}: letters, digits, . _ - only")
    return BounceSettings(
        domain=domain.lower() if domain else None, local_part=local,
        soft_limit=int(read.number("bounces", "soft_limit", 3, minimum=1)),
        soft_window_days=read.number("bounces", "soft_window_days", 30, minimum=1),
        mailbox=read.text("bounces", "mailbox"))


_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONTS = re.compile(r"^[A-Za-z0-9 ,'-]+$")  # no quotes or semicolons: they end up in style=""


def _read_theme(read: SectionReader) -> ThemeSettings:
    """theme: colours (#rgb or #rrggbb), font stacks, an http(s) logo, edition numbering."""
    base = ThemeSettings()
    values: dict[str, Any] = {}
    for key in _COLOR_KEYS:
        color = read.text("theme", key, getattr(base, key)) or ""
        if not _COLOR.match(color):
            raise read.fail(("theme", key), f"must be a colour like #0b5cad, not {color!r}")
        values[key] = color
    for key in _FONT_KEYS:
        fonts = read.text("theme", key, getattr(base, key)) or ""
        if not _FONTS.match(fonts):
            raise read.fail(("theme", key), "must be a font list such as "
                            "\"Georgia, 'Times New Roman', serif\" (letters, digits, , ' -)")
        values[key] = fonts
    logo = read.text("theme", "logo_url")
    if logo and not re.match(r"^https?://[^\s\"'<>]+$", logo):
        raise read.fail(("theme", "logo_url"), "must be an http(s) URL")
    first_week = read.text("theme", "first_week")
    try:
        if first_week:
            parse_week(first_week)  # a week that exists, in a year digest handles
    except DigestError:
        raise read.fail(("theme", "first_week"), f"must be an ISO week like 2026-W01, "
                        f"not {first_week!r}") from None
    return ThemeSettings(
        **values,
        logo_url=logo or None,
        # No alt by default: the newsletter's name is the heading right below the logo.
        logo_alt=read.text("theme", "logo_alt") or "",
        logo_width=int(read.number("theme", "logo_width", 120, minimum=16)),
        first_week=first_week or None,
        view_in_browser=read.flag("theme", "view_in_browser", True),
    )


def _read_display(read: SectionReader) -> DisplaySettings:
    """display: which details cards show (true or false each); contents: true, false or auto."""
    values = {key: read.flag("display", key, True) for key in _DISPLAY_FLAGS}
    contents = read.value("display", "contents", "auto")
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
        senders=int(read.number("delivery", "senders", 1, minimum=1)),
        lease=read.number("delivery", "lease", 60, minimum=5),
    )
    if delivery.retry_cap < delivery.retry_base:
        raise read.fail(("delivery", "retry_cap"), "must not be below delivery.retry_base")
    return delivery, _read_dkim(read, workspace, sender)


def _read_dkim(read: SectionReader, workspace: Path, sender: str) -> DkimSettings | None:
    """`dkim:` with `key` and `selector`, or `keys:` as a list of {selector, key}."""
    section = read.section("dkim")
    if read.flag("dkim", "relay_signs", False):
        if "key" in section or "keys" in section:
            raise read.fail(("dkim", "relay_signs"), "the relay signs, or digest does: give "
                            "relay_signs or a key, not both")
        return None
    if "keys" in section:
        entries = read.value("dkim", "keys")
        if not isinstance(entries, list) or not entries or not all(
                isinstance(entry, dict) for entry in entries):
            raise read.fail(("dkim", "keys"), "must be a list of {selector: ..., key: ...}")
        both = next((key for key in _DKIM_ENTRY_KEYS if key in section), None)
        if both:  # one of them would be ignored
            raise read.fail(("dkim", both), "give either selector and key, or keys, not both")
        for index, entry in enumerate(entries):
            for name in entry:
                read.refuse_unknown_keys(("dkim", "keys", index), name, _DKIM_ENTRY_KEYS)
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
