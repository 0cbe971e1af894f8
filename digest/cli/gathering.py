"""Everything the week can draw on: content/ files, configured feeds and pages, and the
pages an edition file names by URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.editorial.plan import load_plan
from digest.errors import DigestError
from digest.settings import Settings
from digest.sources import LoadResult, load_articles
from digest.weeks import IsoWeek

if TYPE_CHECKING:
    import httpx


def gather_articles(settings: Settings, week: IsoWeek | None = None,
                    transport: httpx.BaseTransport | None = None) -> LoadResult:
    result = load_articles(settings.path("content"), settings.tz)
    extra: tuple[str, ...] = ()
    if week is not None:
        try:
            extra = load_plan(settings.workspace, week).urls
        except DigestError as error:
            result.errors.append(error)
    known = {a.url for a in result.articles if a.url}
    urls = [u for u in extra if u not in known]
    if not (settings.sources.feeds or settings.sources.urls or urls):
        return result  # nothing to fetch: the HTTP client and parsers are not even imported
    from digest.sources.remote import CACHE_DIR, load_remote

    articles, warnings = load_remote(settings.sources, settings.path(CACHE_DIR), settings.tz,
                                     urls, transport)
    result.articles += articles
    result.warnings += warnings
    return result
