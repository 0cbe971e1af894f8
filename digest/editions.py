"""Choose the week's articles, in order, and give each its excerpt and authors."""

from __future__ import annotations

from datetime import datetime

from digest.authors import AuthorRegistry, authors_for
from digest.config import Settings
from digest.excerpts import make_excerpt
from digest.models import Article, Edition, EditionItem
from digest.weeks import IsoWeek


def select_articles(articles: list[Article], week: IsoWeek, settings: Settings) -> list[Article]:
    """Published in the week (in the newsletter's time zone), newest first, capped."""
    chosen = [a for a in articles if week.contains(a.published, settings.tz)]
    chosen.sort(key=lambda a: (a.published, a.title), reverse=True)
    return chosen[: settings.max_articles]


def excerpt_for(article: Article, settings: Settings) -> str:
    excerpt = make_excerpt(
        article.body,
        title=article.title,
        bio=article.bio,
        publication=article.site_name,
        description=article.description,
        editor_excerpt=article.excerpt,
        budget=settings.excerpt_budget,
    )
    return excerpt


def build_edition(
    articles: list[Article], week: IsoWeek, settings: Settings, registry: AuthorRegistry
) -> Edition:
    items = tuple(
        EditionItem(
            article=article,
            excerpt=excerpt_for(article, settings),
            authors=authors_for(article, registry, settings.blurb_max_chars),
            featured=index == 0,
        )
        for index, article in enumerate(select_articles(articles, week, settings))
    )
    monday = week.monday
    date = datetime(monday.year, monday.month, monday.day, tzinfo=settings.tz)
    subject = f"{settings.newsletter.name}: {date:%-d %B %Y}"
    return Edition(
        week=str(week),
        newsletter=settings.newsletter.name,
        subject=subject,
        date=date,
        items=items,
    )
