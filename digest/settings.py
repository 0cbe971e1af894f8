"""The validated, frozen settings every stage reads (built by `digest.config`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.headerregistry import AddressHeader, HeaderRegistry
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo


class SmtpMode(StrEnum):
    """Where mail goes: the built-in local capture server, or a relay over SMTP or SMTPS."""

    CAPTURE = "capture"
    SMTP = "smtp"
    SMTPS = "smtps"


@dataclass(frozen=True)
class ExcerptBudget:
    """How long an excerpt may be: aim for `target_words`, never exceed the maxima."""

    target_words: int = 70
    max_words: int = 100
    max_chars: int = 700


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes, and how many connections may carry it."""

    mode: SmtpMode = SmtpMode.CAPTURE
    host: str = "127.0.0.1"
    port: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    verify_tls: bool = True
    connections: int = 3
    timeout: float = 30.0
    final_reply_timeout: float = 600.0  # RFC 5321 allows ten minutes for the reply to DATA
    allow_plaintext_auth: bool = False  # AUTH without TLS: only for a relay on localhost

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class DeliverySettings:
    """How a run paces and retries (`delivery:` in digest.yaml); short values suit tests."""

    rate: float = 0.0  # messages per second over all connections; 0 means unlimited
    burst: int = 1  # messages the rate limiter lets through back to back
    hourly_cap: int = 0  # messages per rolling hour; 0 means no cap
    retry_base: float = 60.0  # first backoff after a 4xx, doubled per attempt, with jitter
    retry_cap: float = 3600.0  # longest backoff
    max_attempts: int = 8  # a row still refused with 4xx after this many tries fails
    retry_window: float = 900.0  # how long one run keeps waiting for deferred rows
    pause_after_failures: int = 25  # consecutive failed/deferred outcomes that pause the run
    senders: int = 1  # senders sharing one edition (shared ledger): each takes 1/N of the rate
    lease: float = 60.0  # seconds a claim holds on a shared ledger unless its sender renews it


@dataclass(frozen=True)
class DkimKeySettings:
    """One signing key: a PEM file (RSA or Ed25519) and the selector its DNS record is under."""

    selector: str
    key: Path


@dataclass(frozen=True)
class DkimSettings:
    """Optional DKIM signing (`dkim:` in digest.yaml): one key, or several (an RSA and an
    Ed25519 key give every message two signatures)."""

    domain: str
    keys: tuple[DkimKeySettings, ...]


@dataclass(frozen=True)
class Mailbox:
    """One address with an optional display name, as From and Reply-To carry it."""

    name: str
    address: str


# Header values must stay on one line: a CR or LF would start a header of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# What a mail reader shrugs off but a mailbox setting must not have: obsolete syntax such
# as a full stop in an unquoted name ("Jo Q. Public") is fine, and sending quotes it.
_HARMLESS_DEFECTS = ("ObsoleteHeaderDefect", "NonASCIILocalPartDefect")


def parse_mailbox(value: str) -> Mailbox:
    """`Name <editor@example.org>` or `editor@example.org`, read by Python's strict header
    parser; ValueError says what is wrong. `digest.config` validates `newsletter.from` and
    `reply_to` with it when settings load, and the message headers are built from it."""
    if _CONTROL.search(value):
        raise ValueError("holds a line break or control character")
    parsed = HeaderRegistry()("from", value.strip())
    assert isinstance(parsed, AddressHeader)  # the registry's class for From
    defects = [d for d in parsed.defects if type(d).__name__ not in _HARMLESS_DEFECTS]
    addresses = parsed.addresses
    if len(parsed.groups) != 1 or parsed.groups[0].display_name is not None \
            or len(addresses) != 1 or defects:
        raise ValueError("is not one address such as 'Name <editor@example.org>'; put a name "
                         "holding , ; : @ < > or quotes in double quotes: "
                         "'\"Notes, Weekly\" <editor@example.org>'")
    if not addresses[0].username or not addresses[0].domain:
        raise ValueError("needs an address with a local part and a domain, "
                         "such as editor@example.org")
    return Mailbox(addresses[0].display_name, addresses[0].addr_spec)


@dataclass(frozen=True)
class NewsletterSettings:
    name: str
    list_id: str
    sender: str
    reply_to: str | None = None
    language: str = "en"
    timezone: str = "UTC"
    public_url: str = "https://newsletter.example/digest"
    unsubscribe_mailto: str | None = None
    postal_address: str = ""


@dataclass(frozen=True)
class ThemeSettings:
    """The email's look: colours, fonts, logo, and how editions are numbered."""

    accent_color: str = "#0b5cad"
    background_color: str = "#f3f1ec"
    paper_color: str = "#ffffff"
    text_color: str = "#1f2328"
    muted_color: str = "#57606a"
    # Dark mode keeps the hierarchy: body text, muted text (dates, blurbs, footer), links
    # and the footer's background each have their own dark colour.
    dark_background_color: str = "#0f1216"
    dark_paper_color: str = "#1a1e23"
    dark_text_color: str = "#e8e6e3"
    dark_muted_color: str = "#a3acb7"
    dark_accent_color: str = "#8cc4ff"
    font_family: str = "Georgia, 'Times New Roman', serif"
    heading_font_family: str = "'Helvetica Neue', Helvetica, Arial, sans-serif"
    logo_url: str | None = None
    logo_alt: str = ""
    logo_width: int = 120
    first_week: str | None = None  # ISO week of edition no. 1; None: editions are not numbered
    view_in_browser: bool = True


CONTENTS_AUTO_MIN = 5  # `contents: auto` lists the articles from this many on


@dataclass(frozen=True)
class DisplaySettings:
    """What each card shows besides title, excerpt and authors (`display:` in digest.yaml)."""

    date: bool = True
    reading_time: bool = True
    source: bool = True
    author_links: bool = True
    contents: bool | None = None  # a table of contents: always, never, or None for auto

    def shows_contents(self, articles: int) -> bool:
        return articles >= CONTENTS_AUTO_MIN if self.contents is None else self.contents


@dataclass(frozen=True)
class SourceSettings:
    """Articles from outside content/: feeds and pages by URL, fetched within these limits."""

    feeds: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    timeout: float = 15.0  # seconds per request
    max_bytes: int = 5_000_000  # larger responses are skipped with a warning
    feed_max_age: float = 1800.0  # seconds a fetched feed is reused before revalidating


@dataclass(frozen=True)
class AudienceSettings:
    """Who receives an edition: list files in subscribers/ (none: all), and tags within them."""

    lists: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class ScheduleSettings:
    """When the weekly run goes out (`schedule:` in digest.yaml, read by the command line;
    `digest schedule` turns it into a systemd timer or a crontab line)."""

    weekday: str  # one of WEEKDAYS
    hour: int
    minute: int
    timezone: str  # IANA zone; default newsletter.timezone

    @property
    def isoweekday(self) -> int:
        return WEEKDAYS.index(self.weekday) + 1

    @property
    def time(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class BounceSettings:
    """Where bounces come back, and when soft bounces stop mail to an address."""

    domain: str | None = None  # return path bounces+<token>@domain; None: newsletter.from's
    local_part: str = "bounces"
    soft_limit: int = 3  # soft bounces of one address within the window that suppress it
    soft_window_days: float = 30.0
    mailbox: str | None = None  # what `digest bounces` reads by default: a path or imap(s)://


@dataclass(frozen=True)
class Settings:
    workspace: Path
    newsletter: NewsletterSettings
    smtp: SmtpSettings
    excerpt_budget: ExcerptBudget = field(default_factory=ExcerptBudget)
    blurb_max_chars: int = 280
    max_articles: int = 10  # well inside Gmail's clip (docs/RENDERING.md, "Size")
    database: Path = Path("digest.db")
    # storage.database as written: a path or a postgresql:// URL (digest/storage/locations.py)
    database_location: str = "digest.db"
    secret: str | None = field(default=None, repr=False)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    dkim: DkimSettings | None = None
    dkim_by_relay: bool = False  # `dkim.relay_signs`: the relay signs for our domain
    theme: ThemeSettings = ThemeSettings()
    display: DisplaySettings = DisplaySettings()
    sources: SourceSettings = SourceSettings()
    audience: AudienceSettings = AudienceSettings()
    bounces: BounceSettings = BounceSettings()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.newsletter.timezone)

    def path(self, name: str | Path) -> Path:
        return self.workspace / name

    @property
    def out_dir(self) -> Path:
        return self.workspace / "out"

    @property
    def db_path(self) -> Path:
        return self.database if self.database.is_absolute() else self.workspace / self.database
