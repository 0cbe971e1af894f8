"""`digest excerpt`: print the excerpt of article files, or of JSON lines.

digest excerpt content/*.md
digest excerpt saved-page.html feed.rss     # a feed prints one excerpt per entry
digest excerpt --jsonl articles.jsonl      # {"id", "text", "title"?} per line
cat articles.jsonl | digest excerpt --jsonl -
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from digest.cli.commands.common import add_workspace, settings_from
from digest.config import CONFIG_NAME
from digest.errors import ExitCode, InputLineError
from digest.models import Article
from digest.settings import ExcerptBudget

# Feeds hold many articles: each entry's excerpt is printed under its own heading.
_FEED_SUFFIXES = frozenset({".rss", ".atom", ".xml"})


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = ExcerptBudget()
    parser = subparsers.add_parser(
        "excerpt",
        help="print the extractive excerpt of articles",
        description="Print the excerpt of each article file, or of JSON lines with --jsonl.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="article files")
    parser.add_argument(
        "--jsonl", metavar="IN", help='JSON lines with "id", "text", optional "title" ("-": stdin)'
    )
    add_workspace(parser)
    parser.add_argument("--target-words", type=int, metavar="N",
                        help="words to aim for (default: excerpts.target_words in digest.yaml, "
                        f"else {defaults.target_words})")
    parser.add_argument("--max-words", type=int, metavar="N",
                        help=f"most words (default: excerpts.max_words, else {defaults.max_words})")
    parser.add_argument("--max-chars", type=int, metavar="N",
                        help="most characters (default: excerpts.max_chars, else "
                        f"{defaults.max_chars})")
    parser.set_defaults(handler=run)


def _budget(args: argparse.Namespace) -> ExcerptBudget:
    """The workspace's budget where there is a digest.yaml, with flags taking precedence."""
    base = ExcerptBudget()
    if (Path(args.workspace) / CONFIG_NAME).is_file():
        base = settings_from(args).excerpt_budget
    return ExcerptBudget(
        target_words=args.target_words or base.target_words,
        max_words=args.max_words or base.max_words,
        max_chars=args.max_chars or base.max_chars,
    )


def run(args: argparse.Namespace) -> int:
    from digest.editorial.excerpts import excerpt_of  # the engine only when it is used

    budget = _budget(args)
    files: list[Path] = list(args.files or [])
    if not files and not args.jsonl:
        print("digest excerpt: give article files or --jsonl IN", file=sys.stderr)
        return ExitCode.USAGE
    if args.jsonl:
        if args.jsonl == "-":
            _excerpt_lines(sys.stdin, "<stdin>", budget)
        else:
            path = Path(args.jsonl)
            try:
                with path.open(encoding="utf-8") as handle:
                    _excerpt_lines(handle, str(path), budget)
            except OSError as error:
                raise InputLineError(path, error.strerror or "cannot read") from None
    if files:
        printed = 0
        for path in files:
            articles = _read_file(path)
            for number, article in enumerate(articles, 1):
                if len(files) > 1 or len(articles) > 1:
                    label = f"{path}#{number}: {article.title}" if len(articles) > 1 else path
                    print(f"{chr(10) if printed else ''}== {label} ==")
                print(excerpt_of(article, budget))
                printed += 1
    return ExitCode.OK


def _read_file(path: Path) -> list[Article]:
    """The article of a file, or every entry of a feed (its warnings go to stderr)."""
    # Imported here: the readers pull in optional parsing dependencies.
    from datetime import UTC

    from digest.sources import THIRD_PARTY, read_article_file

    if path.suffix.lower() not in _FEED_SUFFIXES:
        return [read_article_file(path)]
    articles, warnings = THIRD_PARTY[path.suffix.lower()](path, UTC)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return articles


def _excerpt_lines(lines: TextIO, name: str, budget: ExcerptBudget) -> None:
    """Write {"id", "excerpt"} for each input line, flushing as it goes (pipes stay live)."""
    from digest.editorial.excerpts import make_excerpt

    for number, row in _read_rows(lines, name):
        excerpt = make_excerpt(row["text"], title=row.get("title"), budget=budget)
        record = {"id": row.get("id", number), "excerpt": excerpt}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _read_rows(lines: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputLineError(name, f"bad JSON: {error.msg}", line=number) from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputLineError(name, 'each line needs an object with a "text" string',
                                 line=number)
        title = row.get("title")
        if title is not None and not isinstance(title, str):
            raise InputLineError(name, '"title" must be a string or null', line=number)
        yield number, row
