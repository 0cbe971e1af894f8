"""Choose the week's articles, in order, and give each its excerpt and authors.

The editor's plan (`editions/<week>.yaml`, see edition_plan.py) decides when it exists;
otherwise the week's articles are chosen automatically: published in the week in the
newsletter's time zone, newest first, at most `selection.max_articles`. Either way the
same story from several sources appears once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from digest.editorial.authors import AuthorRegistry, authors_for
from digest.editorial.dedupe import deduplicate, normalise_url
from digest.editorial.excerpts import excerpt_of
from digest.editorial.plan import EditionPlan, PlanEntry, load_plan
from digest.errors import ContentError
from digest.links import slugify
from digest.models import Article, Edition, EditionItem
from digest.settings import Settings
from digest.weeks import IsoWeek


@dataclass(frozen=True)
class Choice:
    article: Article
    entry: PlanEntry | None = None  # the plan's entry with its overrides, if any
    featured: bool = False


def select_articles(articles: list[Article], week: IsoWeek, settings: Settings) -> list[Article]:
    """Published in the week (in the newsletter's time zone), newest first, capped."""
    chosen = [a for a in articles if week.contains(a.published, settings.tz)]
    chosen.sort(key=lambda a: (a.published, a.title), reverse=True)
    return chosen[: settings.max_articles]


def matches(entry: PlanEntry, article: Article, workspace: Path) -> bool:
    """Does the editor's reference (path, URL or slug) name this article?"""
    if entry.is_url:
        wanted = normalise_url(entry.ref)
        return any(normalise_url(u) == wanted for u in (article.url, str(article.source))
                   if u and "://" in u)
    if isinstance(article.source, Path):
        source = article.source.resolve()
        for base in (workspace, workspace / "content"):
            if (base / entry.ref).resolve() == source:
                return True
    return entry.ref in (article.slug, slugify(article.title))


def _find(entry: PlanEntry, articles: list[Article], workspace: Path) -> Article | None:
    return next((a for a in articles if matches(entry, a, workspace)), None)


def _missing(plan: EditionPlan, entry: PlanEntry) -> ContentError:
    return ContentError(plan.path or "edition file",
                        f"no article matches {entry.ref!r} (give a path, URL or slug; "
                        "`digest articles --all` lists them)", line=entry.line)


def choose_articles(articles: list[Article], week: IsoWeek, settings: Settings,
                    plan: EditionPlan) -> list[Choice]:
    """The edition's articles in order, duplicates merged, the featured one first."""
    unique, _ = deduplicate(articles)
    workspace = settings.workspace
    excluded = {id(a) for e in plan.exclude for a in unique if matches(e, a, workspace)}
    candidates = [a for a in unique if id(a) not in excluded]
    choices: list[Choice] = []
    if plan.articles is not None:
        for entry in plan.articles:
            found = _find(entry, candidates, workspace)
            if found is None and not entry.is_url:  # a URL that failed to fetch was warned
                raise _missing(plan, entry)
            if found is not None and all(c.article is not found for c in choices):
                choices.append(Choice(found, entry))
    else:
        overrides = {id(a): e for e in plan.overrides for a in candidates
                     if matches(e, a, workspace)}
        choices = [Choice(a, overrides.get(id(a)))
                   for a in select_articles(candidates, week, settings)]
    if plan.featured is not None:
        lead = _find(plan.featured, candidates, workspace)
        if lead is None:
            if not plan.featured.is_url:
                raise _missing(plan, plan.featured)
        else:
            existing = next((c for c in choices if c.article is lead), Choice(lead))
            choices = [replace(existing, featured=True),
                       *(c for c in choices if c.article is not lead)]
    elif choices:
        choices[0] = replace(choices[0], featured=True)
    return choices



def build_edition(
    articles: list[Article], week: IsoWeek, settings: Settings, registry: AuthorRegistry,
    plan: EditionPlan | None = None,
) -> Edition:
    """`plan` defaults to the week's edition file, when there is one."""
    if plan is None:
        plan = load_plan(settings.workspace, week)
    items = []
    for choice in choose_articles(articles, week, settings, plan):
        entry = choice.entry
        article = choice.article
        if entry is not None and entry.excerpt:
            article = replace(article, excerpt=entry.excerpt)
        items.append(EditionItem(
            article=article,
            excerpt=excerpt_of(article, settings.excerpt_budget),
            authors=authors_for(article, registry, settings.blurb_max_chars,
                                blurb=entry.blurb if entry else None),
            featured=choice.featured,
        ))
    monday = week.monday
    date = datetime(monday.year, monday.month, monday.day, tzinfo=settings.tz)
    subject = plan.subject or f"{settings.newsletter.name}: {date:%-d %B %Y}"
    return Edition(
        week=str(week),
        newsletter=settings.newsletter.name,
        subject=subject,
        date=date,
        items=tuple(items),
        intro=plan.intro,
    )
