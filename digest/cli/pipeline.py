"""The weekly use case, stage by stage: load -> select -> render -> (preview | send)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest.audience.lists import Audience, StagedAudience, check_audience, stage_lists
from digest.cli.gathering import gather_articles
from digest.editorial.authors import AuthorRegistry, load_authors
from digest.editorial.editions import build_edition
from digest.errors import ConfigError, DigestError, ProblemsFound
from digest.models import Edition
from digest.rendering.compose import RenderedEdition, render_edition
from digest.settings import Settings, SmtpMode
from digest.weeks import IsoWeek


@dataclass
class Prepared:
    edition: Edition
    rendered: RenderedEdition
    audience: StagedAudience | None  # the lists, staged on disk; None when not asked for
    warnings: list[str] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return self.audience.recipients if self.audience else 0

    def close(self) -> None:
        """Delete the staged lists (a temporary file)."""
        if self.audience:
            self.audience.close()

    def __enter__(self) -> Prepared:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def prepare_edition(settings: Settings, week: IsoWeek,
                    with_subscribers: bool = True, lists: Sequence[str] = (),
                    tags: Sequence[str] = ()) -> Prepared:
    """Read and check everything the edition needs; any problem stops here, before sending.
    The subscriber lists are staged in a temporary file (audience/staging.py), not held in
    memory; close the result (or use it in `with`) to delete it."""
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
    staged: StagedAudience | None = None
    if with_subscribers:
        # audience: in digest.yaml, narrowed by --list/--tag (never widened)
        audience = Audience(settings.audience.lists,
                            (settings.audience.tags,) if settings.audience.tags else ()
                            ).narrowed(lists, tags)
        check_audience(settings.path("subscribers"), audience)
        staged = stage_lists(settings.path("subscribers"), audience)
        problems += [str(e) for e in staged.errors]
        warnings += staged.warnings()
    try:
        if problems:
            raise ProblemsFound(problems)
        edition = build_edition(loaded.articles, week, settings, registry)
        rendered = render_edition(edition, settings)
    except BaseException:
        if staged:
            staged.close()
        raise
    warnings += rendered.warnings
    return Prepared(edition, rendered, staged, warnings)


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
