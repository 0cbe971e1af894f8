"""Title and author accuracy of `digest articles --all --json` on saved pages and feeds.

    python benchmarks/sources_accuracy.py                      # both sets below
    python benchmarks/sources_accuracy.py --folder DIR --expected expected.json

expected.json is a list of {"source": file name, "title": ..., "author": "A, B" | null};
an entry with "article": false names a file that must be skipped (not an article).

Sets measured by default:
- "trafilatura": the real pages and feeds shipped in trafilatura's source distribution
  (tests/resources, Apache-2.0), downloaded with `pip download`; the labels below were
  read off each page by hand.
- "fixtures": this project's own test fixtures (tests/fixtures/sources).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.sources import load_articles  # noqa: E402

TRAFILATURA = "trafilatura==2.3.1"
TRAFILATURA_LABELS: list[dict[str, Any]] = [
    {"source": "webpage.html", "title": "Could Manchin Actually Leave The Democratic Party?",
     "author": "Geoffrey Skelley"},
    {"source": "mozilla.org.firefox.developer.html",
     "title": "Welcome to Firefox Developer Edition", "author": None},
    {"source": "http_sample.html", "title": "Herman Melville - Moby-Dick",
     "author": "Herman Melville"},
    {"source": "httpbin_sample.html", "title": "Herman Melville - Moby-Dick", "author": None},
    {"source": "feed1.atom", "title": "Atom-Powered Robots Run Amok", "author": "John Doe"},
    {"source": "feed2.rss", "title": "Example entry", "author": None},
    {"source": "apache.html", "article": False},  # a server status page
    {"source": "utf8.html", "article": False},  # a character table
]
FIXTURE_LABELS: list[dict[str, Any]] = [
    {"source": "article.html", "title": "How the Marsh Town Rebuilt Its Sea Wall",
     "author": "Halina Ferreira-Stott"},
    {"source": "cp1252.html", "title": "Les cafés du quai ferment plus tôt cet hiver",
     "author": "Amélie Durand-Lévesque"},
    {"source": "truncated.html", "title": "How the Marsh Town Rebuilt Its Sea Wall",
     "author": "Halina Ferreira-Stott"},
    {"source": "not-an-article.html", "article": False},
    {"source": "broken.rss", "article": False},
    {"source": "harbour.rss", "title": "Harbour master retires after 31 years",
     "author": "Benedikt Aalto"},
    {"source": "harbour.rss", "title": "Crab season opens with record catch",
     "author": "Mirela Okonkwo, Sam Fairweather"},
    {"source": "estuary.atom", "title": "Eelgrass meadows return to the mudflats",
     "author": "Wen Hollis, Ada Nwachukwu"},
]


def fetch_trafilatura_set(into: Path) -> Path:
    """Download trafilatura's sdist and copy its saved pages and feeds into `into`."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", TRAFILATURA, "-d", str(into / "sdist")], check=True)
    archive = next((into / "sdist").glob("trafilatura-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(into / "src", filter="data")
    resources = next((into / "src").glob("trafilatura-*/tests/resources"))
    folder = into / "pages"
    folder.mkdir()
    for label in TRAFILATURA_LABELS:
        name = label["source"]
        if (resources / name).is_file():
            shutil.copy(resources / name, folder / name)
        else:  # stored gzipped in the sdist
            (folder / name).write_bytes(gzip.decompress((resources / f"{name}.gz").read_bytes()))
    return folder


def names(text: str | None) -> set[str]:
    return {" ".join(n.casefold().split()) for n in (text or "").split(",") if n.strip()}


def measure(folder: Path, labels: list[dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    loaded = load_articles(folder, ZoneInfo("UTC"))
    seconds = time.perf_counter() - started
    found: dict[str, list[dict[str, Any]]] = {}
    for article in loaded.articles:
        found.setdefault(Path(str(article.source)).name, []).append(
            {"title": article.title, "author": ", ".join(article.authors) or None})
    titles = authors = skipped = 0
    misses = []
    articles = [lab for lab in labels if lab.get("article", True)]
    for label in labels:
        got = found.get(label["source"], [])
        if not label.get("article", True):
            skipped += not got
            if got:
                misses.append(f"{label['source']}: read as an article {got[0]['title']!r}")
            continue
        match = next((g for g in got if " ".join(g["title"].split()) == label["title"]), None)
        if match is None:
            misses.append(f"{label['source']}: title {label['title']!r} not found in "
                          f"{[g['title'] for g in got]}")
            continue
        titles += 1
        if names(match["author"]) == names(label["author"]):
            authors += 1
        else:
            misses.append(f"{label['source']}: author {match['author']!r}, "
                          f"expected {label['author']!r}")
    non_articles = len(labels) - len(articles)
    return {"articles": len(articles), "title_correct": titles, "author_correct": authors,
            "non_articles": non_articles, "non_articles_skipped": skipped,
            "seconds": round(seconds, 3), "misses": misses}


def report(name: str, result: dict[str, Any]) -> None:
    n = result["articles"]
    print(f"{name}: {n} articles, title {result['title_correct']}/{n}, "
          f"author {result['author_correct']}/{n}, non-articles skipped "
          f"{result['non_articles_skipped']}/{result['non_articles']} "
          f"({result['seconds']:.2f} s)")
    for miss in result["misses"]:
        print(f"  miss: {miss}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="saved pages and feeds to measure")
    parser.add_argument("--expected", type=Path, help="labels for --folder (JSON list)")
    args = parser.parse_args()
    if args.folder:
        labels = json.loads(args.expected.read_text(encoding="utf-8"))
        report(str(args.folder), measure(args.folder, labels))
        return 0
    report("fixtures", measure(ROOT / "tests" / "fixtures" / "sources", FIXTURE_LABELS))
    with tempfile.TemporaryDirectory() as temp:
        report(f"trafilatura sdist ({TRAFILATURA})",
               measure(fetch_trafilatura_set(Path(temp)), TRAFILATURA_LABELS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
