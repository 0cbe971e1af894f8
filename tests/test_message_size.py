"""The 100 KB budget is checked on the HTML part as it travels (quoted-printable), not on
the decoded HTML, and the default number of articles stays well inside it."""

from __future__ import annotations

import random
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.errors import RenderError
from digest.models import Author, Edition, Subscriber
from digest.rendering.compose import SIZE_LIMIT, render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import escape_html
from digest.settings import Settings
from tests.support.rendering import make_edition, make_item
from tests.support.workspaces import WorkspaceFactory

LATIN = "The river rose again overnight and the weir held. "
GREEK = "Ο ποταμός ανέβηκε ξανά τη νύχτα και το φράγμα άντεξε. "  # 2 bytes a letter


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering")


def longest_edition(articles: int, prose: str, settings: Settings) -> Edition:
    """Every article at its longest: excerpt and blurb at their budgets, photo and image."""
    excerpt = (prose * 40)[: settings.excerpt_budget.max_chars]
    blurb = (prose * 10)[: settings.blurb_max_chars]
    items = [make_item((prose * 3)[:140], f"https://weir-gazette.example/2026/story-{i}",
                       excerpt, Author(f"Author {i}", blurb,
                                       f"https://weir-gazette.example/people/{i}.jpg"),
                       featured=i == 0, image=f"https://weir-gazette.example/img/{i}.jpg")
             for i in range(articles)]
    return make_edition(items)


def greek_title(number: int) -> str:
    """Titles far enough apart that no two are taken for the same story."""
    letters = random.Random(number).choices("αβγδεζηθικλμνξοπρστυφχψω", k=18)
    return "".join(letters)


def html_part_as_sent(message: bytes) -> int:
    """Octets between the HTML part's headers and its closing boundary."""
    boundary = re.search(rb'boundary="([^"]+)"', message)
    assert boundary is not None
    html_part = next(part for part in message.split(b"--" + boundary.group(1))
                     if b"Content-Type: text/html" in part)
    return len(html_part.split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n"))


@pytest.mark.parametrize(("articles", "prose", "encoding"), [
    (32, LATIN, "quoted-printable"),  # soft line breaks and =3D add about 8%
    (18, GREEK, "base64"),  # shorter than quoted-printable for Greek, still a third more
])
def test_the_budget_counts_the_part_as_sent(settings: Settings, articles: int, prose: str,
                                            encoding: str) -> None:
    rendered = render_edition(longest_edition(articles, prose, settings), settings)
    decoded = len(rendered.html.fill({}, escape_html).encode("utf-8"))
    assert decoded < SIZE_LIMIT  # the decoded HTML alone would pass
    with pytest.raises(RenderError, match=rf"HTML part is 1\d\d KB as sent \({encoding}\), "
                                          r"over the 100 KB limit .*selection\.max_articles"):
        MessageFactory(rendered, settings, "s3cret")


@pytest.mark.parametrize("prose", [LATIN, GREEK])
def test_the_default_number_of_articles_stays_well_inside(settings: Settings,
                                                          prose: str) -> None:
    edition = longest_edition(settings.max_articles, prose, settings)
    factory = MessageFactory(render_edition(edition, settings), settings, "s3cret")
    message = factory.build(Subscriber("ottilie.brand@example.org", "Ottilie Brand"))
    assert html_part_as_sent(message) == factory.html_part_size(
        Subscriber("ottilie.brand@example.org", "Ottilie Brand"))
    assert html_part_as_sent(message) < 0.8 * SIZE_LIMIT
    parsed = message_from_bytes(message, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    html = parsed.get_body(("html",))
    assert html is not None and html["Content-Transfer-Encoding"] == (
        "base64" if prose == GREEK else "quoted-printable")
    assert prose.strip() in html.get_content()  # either way it decodes to the text


def test_check_refuses_an_edition_gmail_would_clip(tmp_path: Path,
                                                  make_workspace: WorkspaceFactory,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    excerpt = (GREEK * 40)[:700]
    articles = {f"story-{i}.md": f'---\ntitle: "{greek_title(i)}"\ndate: 2026-11-24\n'
                f'author: Άννα Παππά\nurl: https://weir-gazette.example/{i}\n'
                f'excerpt: "{excerpt}"\n---\n{GREEK * 20}\n' for i in range(40)}
    root = make_workspace(tmp_path / "ws", "rendering", articles=articles,
                          extra="selection:\n  max_articles: 40")
    (root / "subscribers").mkdir()
    assert main(["check", "-w", str(root)]) == 1
    err = capsys.readouterr().err
    assert "KB as sent (base64), over the 100 KB limit" in err
