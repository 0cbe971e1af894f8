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


# A long edition (six articles: the contents list shows) with every card detail: thumbnails
# with and without alt text, an article in French, a source site, an author's page, bodies
# long enough for a reading time.
LONG_STORIES = [
    ("Le marché aux poissons rouvre", "https://journal.example/fr/marche", "fr",
     "Après deux ans de travaux, le marché couvert rouvre ses portes samedi avec trente "
     "étals et une halle neuve.", "Le Journal du Port"),
    ("Night Ferry Timetable Changes", "https://weir-gazette.example/2026/night-ferry", None,
     "From January the last ferry leaves the Ropewalk pier at half past eleven, an hour "
     "later than now, on Fridays and Saturdays.", None),
    ("A Heron Nests on the Town Hall", "https://birds.example/heron", None,
     "For the first time anyone can remember, a grey heron has built a nest on the town "
     "hall roof, between the clock and the flagpole.", "Birds of the Estuary"),
]
WRITER = Author("Marit Quayle", "Marit Quayle edits the weekend pages.",
                "https://weir-gazette.example/people/marit.jpg",
                links=("https://weir-gazette.example/people/marit-quayle",))


def make_long_edition() -> Edition:
    """Six cards: the three STORIES (one featured, with an image) and LONG_STORIES, two of
    them with thumbnails (one described by `image_alt`, one decorative)."""
    items = list(make_edition().items)
    for index, (title, url, lang, excerpt, site) in enumerate(LONG_STORIES):
        article = Article(
            title=title, body=" ".join([excerpt] * 12), source="fixture",
            published=datetime(2026, 11, 25 - index, 18, tzinfo=UTC), authors=(WRITER.name,),
            url=url, site_name=site, lang=lang,
            image=f"https://weir-gazette.example/img/thumb-{index}.jpg" if index < 2 else None,
            image_alt="Stalls under the new glass roof of the covered market" if index == 0
            else None)
        items.append(EditionItem(article=article, excerpt=excerpt, authors=(WRITER,)))
    return make_edition(items)


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
