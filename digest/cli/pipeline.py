"""The weekly use case, stage by stage: load -> select -> render -> (preview | send)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest.audience.lists import Audience, load_subscribers
from digest.cli.gathering import gather_articles
from digest.editorial.authors import AuthorRegistry, load_authors
from digest.editorial.editions import build_edition
from digest.errors import ConfigError, DigestError, ProblemsFound
from digest.models import Edition, Subscriber
from digest.rendering.compose import RenderedEdition, render_edition
from digest.settings import Settings, SmtpMode
from digest.weeks import IsoWeek


@dataclass
class Prepared:
    edition: Edition
    rendered: RenderedEdition
    subscribers: list[Subscriber]
    warnings: list[str] = field(default_factory=list)


def prepare_edition(settings: Settings, week: IsoWeek,
                    with_subscribers: bool = True, lists: Sequence[str] = (),
                    tags: Sequence[str] = ()) -> Prepared:
    """Read and check everything the edition needs; any problem stops here, before sending."""
    problems: list[str] = []
    warnings: list[str] = []
    loaded = gather_articles(settings, week)  # content/, feeds, URLs, edition file's URLs
    problems += [str(e) for e in loaded.errors]
    warnings += loaded.warnings
    try:
        registry = load_authors(settings.path("authors.yaml"))
    except DigestError as error:
        problems.append(str(error))
        registry = AuthorRegistry()
    subscribers: list[Subscriber] = []
    if with_subscribers:
        # audience: in digest.yaml, narrowed by --list/--tag (never widened)
        audience = Audience(settings.audience.lists,
                            (settings.audience.tags,) if settings.audience.tags else ())
        listed = load_subscribers(settings.path("subscribers"), audience.narrowed(lists, tags))
        problems += [str(e) for e in listed.errors]
        warnings += listed.warnings
        subscribers = listed.subscribers
    if problems:
        raise ProblemsFound(problems)
    edition = build_edition(loaded.articles, week, settings, registry)
    rendered = render_edition(edition, settings)
    warnings += rendered.warnings
    return Prepared(edition, rendered, subscribers, warnings)


def unsubscribe_secret(settings: Settings) -> str:
    """DIGEST_SECRET signs unsubscribe links. Only local capture runs may do without it."""
    if settings.secret:
        return settings.secret
    if settings.smtp.mode is not SmtpMode.CAPTURE:
        raise ConfigError(
            "DIGEST_SECRET",
            "not set: unsubscribe links must be signed with a secret from the environment "
            "(e.g. export DIGEST_SECRET=$(python -c "
            "'import secrets; print(secrets.token_hex(32))'))",
        )
    print("note: DIGEST_SECRET is not set; using a one-off secret, so the unsubscribe links in "
          "this local run cannot be verified later", file=sys.stderr)
    return secrets.token_hex(32)
