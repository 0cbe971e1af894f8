"""The editorial review set: an editor's grades of real excerpts, and what can be re-checked.

    python benchmarks/review.py [--part dev|heldout|all] [--show] [--out docs/EXCERPTS.md]

Every page, scraped op-ed and the first `ENTRIES_PER_FEED` entries of every feed in
`benchmarks/data/review/<part>/` are read with the project's own readers and excerpted with
the default budget. `grades.csv` beside the data
holds the editor's grade of each excerpt (A ship it, B acceptable, C misleading, mid-thought,
off the point or carrying boilerplate, F empty or garbage; the checklist is in
docs/EXCERPTS.md) with the excerpt's hash, per grading round. This script

- reports the grades of each round, and which current excerpts differ from the graded text
  (those need grading again: a grade belongs to one text);
- re-grades mechanically what a program can check (`audit_excerpt`: length, a repeated
  sentence or title, an opening inside a list item, a pronoun after a gap, boilerplate and
  other furniture, budget) and lists where that verdict and the editor's disagree: a C or F
  the audit passes (a miss), or an A or B it flags (a false alarm).

`--show` prints every excerpt with its hash, to be read and graded.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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
from digest.sources import READERS, THIRD_PARTY  # noqa: E402

DATA = ROOT / "benchmarks/data/review"
PARTS = ("dev", "heldout")
GRADES = DATA / "grades.csv"
FIELDS = ("part", "item", "round", "excerpt_hash", "grade", "note")
# A feed holds many entries of one kind: its first few stand for it.
ENTRIES_PER_FEED = 3


@dataclass(frozen=True)
class Item:
    part: str
    name: str
    title: str
    excerpt: str
    flags: tuple[str, ...]

    @property
    def digest(self) -> str:
        return excerpt_hash(self.excerpt)


def excerpt_hash(excerpt: str) -> str:
    return hashlib.sha256(excerpt.encode("utf-8")).hexdigest()[:12]


def read_part(folder: Path) -> list[tuple[str, Article]]:
    """(item name, article) for every page, feed entry and scraped text in `folder`."""
    found: list[tuple[str, Article]] = []
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        try:
            if suffix in THIRD_PARTY:
                articles, _ = THIRD_PARTY[suffix](path, UTC)
            elif suffix in READERS:
                articles = [READERS[suffix](path, UTC)]
            else:
                continue
        except DigestError as error:
            print(f"skipped {path.name}: {getattr(error, 'detail', error)}")
            continue
        for index, article in enumerate(articles[:ENTRIES_PER_FEED]):
            found.append((path.name if len(articles) == 1 else f"{path.name}#{index + 1}", article))
    return found


def excerpt_items(part: str, budget: ExcerptBudget) -> list[Item]:
    items = []
    for name, article in read_part(DATA / part):
        excerpt, _ = explain_excerpt(article, budget)
        flags = audit_excerpt(
            excerpt,
            body=article.body,
            description=article.description,
            title=article.title,
            bio=article.bio,
            publication=article.site_name,
            budget=budget,
        )
        items.append(Item(part, name, article.title, excerpt, tuple(flags or ([] if excerpt
                                                                          else ["empty"]))))
    return items


def read_grades() -> list[dict[str, str]]:
    if not GRADES.exists():
        return []
    with GRADES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def report(items: list[Item], grades: list[dict[str, str]], part: str) -> list[str]:
    """Grades per round, stale grades, and where the mechanical verdict disagrees."""
    mine = [g for g in grades if g["part"] == part]
    lines = [f"**{part}** ({len(items)} excerpts)", ""]
    for round_name in dict.fromkeys(g["round"] for g in mine):
        counted = Counter(g["grade"] for g in mine if g["round"] == round_name)
        total = sum(counted.values())
        good = counted["A"] + counted["B"]
        lines.append(
            f"- {round_name}: " + ", ".join(f"{grade} {counted[grade]}" for grade in "ABCF")
            + f" (A/B {good}/{total} = {100 * good / max(total, 1):.0f}%)"
        )
    # The grade of each item's current text: its latest round with the same hash.
    current: dict[str, dict[str, str]] = {}
    for grade in mine:
        current[f"{grade['item']}@{grade['excerpt_hash']}"] = grade
    ungraded, misses, alarms = [], [], []
    for item in items:
        grade = current.get(f"{item.name}@{item.digest}")
        if grade is None:
            ungraded.append(item.name)
            continue
        rejected = grade["grade"] in ("C", "F")
        if rejected and not item.flags:
            misses.append(f"{item.name} ({grade['grade']}: {grade['note']})")
        if not rejected and item.flags:
            alarms.append(f"{item.name} ({grade['grade']}; audit: {', '.join(item.flags)})")
    flagged = sum(1 for item in items if item.flags)
    lines.append(f"- Audit flags now: {flagged} of {len(items)} excerpts")
    lines.append(f"- Not graded in their current text: {len(ungraded)}"
                 + (f" ({', '.join(ungraded)})" if ungraded else ""))
    lines.append(f"- Editor rejects, audit passes (misses): {len(misses)}"
                 + "".join(f"\n  - {m}" for m in misses))
    lines.append(f"- Editor accepts, audit flags (false alarms): {len(alarms)}"
                 + "".join(f"\n  - {a}" for a in alarms))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--show", action="store_true", help="print every excerpt to grade")
    parser.add_argument("--out", type=Path, help="also write the report into this markdown file")
    args = parser.parse_args(argv)
    budget = ExcerptBudget()
    grades = read_grades()
    lines: list[str] = []
    for part in PARTS if args.part == "all" else (args.part,):
        if not (DATA / part).is_dir():
            print(f"review folder not found: {DATA / part}")
            continue
        items = excerpt_items(part, budget)
        if args.show:
            for item in items:
                flags = f" AUDIT: {', '.join(item.flags)}" if item.flags else ""
                print(f"== {part}/{item.name} {item.digest}{flags}\n   title: {item.title}")
                print(f"   {item.excerpt or '(EMPTY)'}\n")
        lines += [*report(items, grades, part), ""]
    text = "\n".join(lines).rstrip()
    print(text)
    if args.out:
        write_markdown(args.out, text)
        print(f"wrote {args.out}")
    return 0


def write_markdown(path: Path, text: str) -> None:
    """Replace the review section between its markers, keeping the hand-written text."""
    start, end = "<!-- review:start -->", "<!-- review:end -->"
    block = f"{start}\n{text}\n{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in current and end in current:
        current = current[: current.index(start)] + block + current[current.index(end) + len(end) :]
    else:
        current += "\n" + block + "\n"
    path.write_text(current, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
