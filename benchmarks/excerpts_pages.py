"""Audit the excerpt engine on real saved pages and feeds, and print every excerpt to read.

    python benchmarks/excerpts_pages.py [--pages DIR] [--quiet] [--out docs/EXCERPTS.md]

Every page (.html/.htm) and every feed entry (.rss/.atom/.xml) in DIR is read with the
project's own readers (`digest.sources`), as `digest build` would, and excerpted with the
default budget. Reports, per article, where the excerpt came from (body, description, a
whole paragraph, or nothing), the audited rule violations, and the excerpt itself; then the
totals. Files the readers reject (front pages, non-article pages) are listed as skipped.
There is no reference summary for these pages, so there is no ROUGE here: the numbers are
empty excerpts and audited violations, and the printed excerpts are for a human to read.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.editorial.excerpts import audit_excerpt, explain_excerpt  # noqa: E402
from digest.errors import DigestError  # noqa: E402
from digest.models import Article  # noqa: E402
from digest.settings import ExcerptBudget  # noqa: E402
from digest.sources import THIRD_PARTY  # noqa: E402

DEFAULT_PAGES = ROOT / "benchmarks/data/realworld"


@dataclass(frozen=True)
class Row:
    name: str
    title: str
    excerpt: str
    origin: str
    violations: tuple[str, ...]


def read_dir(pages: Path) -> tuple[list[tuple[str, Article]], list[str]]:
    """(file name, article) for every readable page and feed entry; and the skipped files."""
    articles: list[tuple[str, Article]] = []
    skipped: list[str] = []
    for path in sorted(pages.iterdir()):
        reader = THIRD_PARTY.get(path.suffix.lower())
        if reader is None or not path.is_file():
            continue
        try:
            found, _ = reader(path, UTC)
        except DigestError as error:
            skipped.append(f"{path.name}: {getattr(error, 'detail', error)}")
            continue
        except Exception as error:  # third-party markup: report, never stop the audit
            skipped.append(f"{path.name}: {type(error).__name__}: {error}")
            continue
        if not found:
            skipped.append(f"{path.name}: no articles")
        for index, article in enumerate(found):
            name = path.name if len(found) == 1 else f"{path.name}#{index + 1}"
            articles.append((name, article))
    return articles, skipped


def audit(articles: list[tuple[str, Article]], budget: ExcerptBudget) -> list[Row]:
    rows = []
    for name, article in articles:
        excerpt, origin = explain_excerpt(article, budget)
        violations = audit_excerpt(
            excerpt,
            body=article.body,
            description=article.description,
            title=article.title,
            bio=article.bio,
            publication=article.site_name,
            budget=budget,
        )
        rows.append(Row(name, article.title, excerpt, origin, tuple(violations)))
    return rows


def summary(rows: list[Row], skipped: list[str], pages: Path) -> str:
    origins = Counter(row.origin for row in rows)
    violations: Counter[str] = Counter()
    for row in rows:
        violations.update(row.violations)
    files = len({row.name.split("#")[0] for row in rows})
    empty = [row.name for row in rows if not row.excerpt]
    lines = [
        f"- Articles: {len(rows)} from {files} files in `{pages.name}/` "
        f"({len(skipped)} files skipped by the readers as not articles)",
        "- Excerpt source: "
        + ", ".join(f"{origin}: {origins[origin]}" for origin in sorted(origins)),
        f"- Empty excerpts: {len(empty)}" + (f" ({', '.join(empty)})" if empty else ""),
        "- Audited rule violations: "
        + (", ".join(f"{rule}: {count}" for rule, count in sorted(violations.items())) or "0"),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="folder of pages/feeds")
    parser.add_argument("--quiet", action="store_true", help="totals only, no excerpts")
    parser.add_argument("--out", type=Path, help="also write the totals into this markdown file")
    args = parser.parse_args(argv)
    if not args.pages.is_dir():
        print(f"pages folder not found: {args.pages} (nothing measured)")
        return 0
    budget = ExcerptBudget()
    articles, skipped = read_dir(args.pages)
    rows = audit(articles, budget)
    if not args.quiet:
        for row in rows:
            flags = f" VIOLATIONS: {', '.join(row.violations)}" if row.violations else ""
            print(f"== {row.name} [{row.origin}]{flags}\n   title: {row.title}")
            print(f"   {row.excerpt or '(EMPTY)'}\n")
        for line in skipped:
            print(f"skipped {line}")
        print()
    text = summary(rows, skipped, args.pages)
    print(text)
    if args.out:
        write_markdown(args.out, text)
        print(f"wrote {args.out}")
    return 0


def write_markdown(path: Path, text: str) -> None:
    """Replace the real-page section between its markers, keeping the hand-written text."""
    start, end = "<!-- pages:start -->", "<!-- pages:end -->"
    block = f"{start}\n{text}\n{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in current and end in current:
        current = current[: current.index(start)] + block + current[current.index(end) + len(end) :]
    else:
        current += "\n" + block + "\n"
    path.write_text(current, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
