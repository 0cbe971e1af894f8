"""`digest articles`: list what the sources hold, and what the week's edition selects."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.cli.commands.common import add_workspace, chosen_week, settings_from, warn
from digest.errors import DigestError, ExitCode
from digest.weeks import IsoWeek, week_of

if TYPE_CHECKING:
    from digest.models import Article
    from digest.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "articles",
        help="list the articles found in content/, feeds and URLs",
        description="List every article the sources hold: source file or feed, title, "
        "author, date, URL, word count, and whether the week's edition selects it. "
        "Fetches configured feeds and URLs (cached under .digest/cache/). Sends nothing.",
    )
    add_workspace(parser)
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--week", metavar="YYYY-Www",
                       help="list the articles published in this ISO week (default: this week)")
    scope.add_argument("--all", action="store_true",
                       help="list every article; `selected` then means selected for the "
                       "edition of the article's own week")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON array of objects (title, author, published, url, "
                        "site_name, source, words, selected, ...)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: registering the command must not load the readers (pages, feeds, HTTP).
    from digest.cli.gathering import gather_articles

    settings = settings_from(args)
    week = None if args.all else chosen_week(args, settings)
    loaded = gather_articles(settings, week)
    warn(loaded.warnings)
    rows = describe(loaded.articles, settings, week, loaded.errors)
    for error in dict.fromkeys(map(str, loaded.errors)):  # an edition file's error once
        print(f"error: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print_table(rows)
    print(f"{len(rows)} article(s), {sum(r['selected'] for r in rows)} selected",
          file=sys.stderr)
    return ExitCode.PROBLEMS if loaded.errors else ExitCode.OK


def describe(articles: list[Article], settings: Settings, week: IsoWeek | None,
             errors: list[DigestError] | None = None) -> list[dict[str, Any]]:
    """One record per article found; duplicates point at the version that is kept. An
    edition file that cannot be followed adds its error to `errors`."""
    from digest.editorial.dedupe import deduplicate

    _, dropped = deduplicate(articles)
    selected = _selected_keys(articles, settings, week, [] if errors is None else errors)
    rows = []
    for index, article in enumerate(articles):
        article_week = week_of(article.published.astimezone(settings.tz))
        if week is not None and article_week != week:
            continue
        duplicate_of = dropped.get(index)
        rows.append({
            "title": article.title,
            "author": ", ".join(article.authors) or None,
            "authors": list(article.authors),
            "published": article.published.isoformat(),
            "date_from_file": article.date_from_file,
            "week": str(article_week),
            "url": article.url,
            "site_name": article.site_name,
            "source": _shown(article.source, settings.workspace),
            "words": article.words,
            "selected": duplicate_of is None and _key(article) in selected,
            "duplicate_of": _shown(duplicate_of.source, settings.workspace)
            if duplicate_of is not None else None,
        })
    rows.sort(key=lambda r: (r["published"], r["title"]), reverse=True)
    return rows


def _selected_keys(articles: list[Article], settings: Settings, week: IsoWeek | None,
                   errors: list[DigestError]) -> set[tuple[str, str]]:
    from digest.editorial.editions import choose_articles
    from digest.editorial.plan import load_plan

    weeks = {week} if week is not None else {
        week_of(a.published.astimezone(settings.tz)) for a in articles}
    keys: set[tuple[str, str]] = set()
    for each in sorted(weeks, key=str):
        try:
            plan = load_plan(settings.workspace, each)
            keys |= {_key(c.article) for c in choose_articles(articles, each, settings, plan)}
        except DigestError as error:
            errors.append(error)
    return keys


def _key(article: Article) -> tuple[str, str]:
    return str(article.source), article.title


def _shown(source: Path | str, workspace: Path) -> str:
    if isinstance(source, Path):
        try:
            return str(source.resolve().relative_to(workspace.resolve()))
        except ValueError:
            return str(source)
    return source


def print_table(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        mark = "*" if row["selected"] else ("=" if row["duplicate_of"] else " ")
        print(f"{mark} {row['published'][:10]}  {row['words']:>5}w  {row['title']}")
        by = f"by {row['author']}" if row["author"] else "no author"
        print(f"      {by} · {row['source']}" + (f" · {row['url']}" if row["url"] else ""))
    if rows:
        print("(* selected for the edition, = duplicate of another source)", file=sys.stderr)
