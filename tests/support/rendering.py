"""A fixed edition and the `rendering` workspace preset (only a digest.yaml, whose `extra`
field adds lines to its theme: block) for the rendering, message, preview and browser tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser

from digest.models import Article, Author, Edition, EditionItem, Subscriber

CONFIG = """\
newsletter:
  name: The Weir Gazette
  id: weir-gazette
  from: "The Weir Gazette <post@weir-gazette.example>"
  language: en-GB
  timezone: UTC
  public_url: https://weir-gazette.example/letters
  postal_address: "The Weir Gazette, 9 Sluice Row, Millbeck MB4 7QT"
theme:
  accent_color: "#7a2e8f"
  font_family: "Verdana, Geneva, sans-serif"
  logo_url: https://weir-gazette.example/logo.png
  logo_alt: The Weir Gazette heron logo
  first_week: 2026-W40
{extra}
"""

READER = Subscriber(email="ottilie.brand@example.org", name="Ottilie Brand")

STORIES = [
    ("Millbeck Weir Gets a Fish Pass", "https://weir-gazette.example/2026/fish-pass",
     "Work began on Tuesday on a stepped channel beside the old weir, so that salmon and "
     "eels can climb past it for the first time since 1862. The contractor expects the "
     "pass to open before the spring run.",
     Author("Hollis Fenwright", "Hollis Fenwright covers the river and everything that "
            "lives in it.", "https://weir-gazette.example/people/hollis.jpg")),
    ("The Bakery That Opens at Four", "https://weir-gazette.example/2026/four-am",
     "Before the first bus, a queue forms outside the bakery on Tanner Lane. Its owner "
     "says the secret is a sourdough starter older than she is, and an alarm clock she "
     "has never once switched off.",
     Author("Juno Abernathy", "Writes about food and the night shift.", None)),
    ("Allotment Waiting List Falls", "https://weir-gazette.example/2026/allotments",
     "The waiting list for a council allotment has fallen below two hundred names for "
     "the first time in a decade, after the town split its largest plots in half.",
     Author("Pell Osgood", "Pell Osgood reports on the council.",
            "https://weir-gazette.example/people/pell.jpg")),
]


def make_item(title: str, url: str | None, excerpt: str, author: Author,
              featured: bool = False, image: str | None = None) -> EditionItem:
    article = Article(title=title, body=excerpt, source="fixture",
                      published=datetime(2026, 11, 24, 9, tzinfo=UTC), authors=(author.name,),
                      url=url, image=image)
    return EditionItem(article=article, excerpt=excerpt, authors=(author,), featured=featured)


def make_edition(items: list[EditionItem] | None = None, intro: str = "") -> Edition:
    if items is None:
        items = [make_item(*story, featured=index == 0,
                           image="https://weir-gazette.example/img/weir.jpg" if index == 0
                           else None)
                 for index, story in enumerate(STORIES)]
    return Edition(
        week="2026-W48",
        newsletter="The Weir Gazette",
        subject="The Weir Gazette: 23 November 2026",
        date=datetime(2026, 11, 23, tzinfo=UTC),
        items=tuple(items),
        intro=intro or "A short week on the river: three stories, one of them about bread.",
    )


def with_title(edition: Edition, index: int, title: str) -> Edition:
    items = list(edition.items)
    items[index] = replace(items[index], article=replace(items[index].article, title=title))
    return replace(edition, items=tuple(items))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags_of(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every start tag a browser's parser would see, with its attributes decoded."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags
