"""The web pages are Jinja2 templates in templates/web/: packaged, overridable, escaped."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from starlette.testclient import TestClient

from digest.audience.unsubscribe_tokens import make_token
from digest.audience.web import create_app
from digest.config import load_settings
from digest.models import Author
from digest.rendering.previews import write_archive
from digest.resources import default_templates_dir, web_pages
from digest.settings import Settings

SECRET = "web-templates-secret"
CONFIG = """\
newsletter:
  name: "Harbour <Notes>"
  id: harbour-notes
  from: "Harbour Notes <notes@harbour.example>"
  language: cy
  timezone: UTC
  public_url: https://harbour.example/notes
  postal_address: "1 Quay Street, Porth"
"""
PAGES = ("archive", "bad_link", "resubscribe_confirm", "resubscribe_refused", "resubscribed",
         "unsubscribe_confirm", "unsubscribe_not_asked", "unsubscribed")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "digest.yaml").write_text(CONFIG, encoding="utf-8")
    return load_settings(root, env={"DIGEST_SECRET": SECRET})


def override(settings: Settings, name: str, text: str) -> None:
    page = settings.path("templates") / "web" / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text, encoding="utf-8")


def token_url(action: str, address: str = "ann@example.org") -> str:
    return f"/notes/{action}/{make_token(SECRET, 'harbour-notes', address)}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_a_packaged_template(page: str) -> None:
    assert (default_templates_dir() / "web" / f"{page}.html.j2").is_file()
    assert web_pages().get_template(f"web/{page}.html.j2").name == f"web/{page}.html.j2"


def test_pages_come_from_the_templates_with_language_and_escaping(settings: Settings) -> None:
    client = TestClient(create_app(settings, SECRET), base_url="https://harbour.example")
    page = client.get(token_url("unsubscribe", "a<b>@example.org")).text
    assert page.startswith('<!doctype html>\n<html lang="cy">')
    assert "<title>Unsubscribe? · Harbour &lt;Notes&gt;</title>" in page
    assert "Stop sending Harbour &lt;Notes&gt; to a&lt;b&gt;@example.org?" in page
    assert '<button type="submit">Unsubscribe</button></form>\n</body></html>' in page


def test_a_workspace_page_wins_and_is_still_escaped(settings: Settings) -> None:
    override(settings, "unsubscribed.html.j2",
             '{% extends "web/page.html.j2" %}{% block title %}Hwyl fawr{% endblock %}'
             "{% block message %}{{ email }} is off the list.{% endblock %}"
             "{% block button %}Dewch yn ôl{% endblock %}")
    client = TestClient(create_app(settings, SECRET), base_url="https://harbour.example")
    page = client.post(token_url("unsubscribe", "a<b>@example.org"),
                       data={"List-Unsubscribe": "One-Click"}).text
    assert "<h1>Hwyl fawr</h1><p>a&lt;b&gt;@example.org is off the list.</p>" in page
    assert f'action="{token_url("resubscribe", "a<b>@example.org")}"' in page
    assert "Dewch yn ôl</button>" in page
    # pages the workspace does not override still come from the package
    assert "<h1>Subscribe again?</h1>" in client.get(token_url("resubscribe")).text


def test_archive_page_can_be_overridden(settings: Settings) -> None:
    out = settings.out_dir / "2026-W10"
    out.mkdir(parents=True)
    (out / "index.html").write_text("<title>Tides &amp; <i>gulls</i></title>", encoding="utf-8")
    packaged = write_archive(settings.out_dir, settings.newsletter.name).read_text()
    assert "<title>Harbour &lt;Notes&gt;: archive</title>" in packaged
    assert '<a href="2026-W10/index.html">Tides &amp; &lt;i&gt;gulls&lt;/i&gt;</a>' in packaged
    override(settings, "archive.html.j2",
             "{% for e in editions %}{{ e.week }}={{ e.title }};{% endfor %}")
    own = write_archive(settings.out_dir, settings.newsletter.name, settings.path("templates"))
    assert own.read_text() == "2026-W10=Tides &amp; &lt;i&gt;gulls&lt;/i&gt;;"


def test_author_bio_is_a_deprecated_alias_of_blurb_in_templates() -> None:
    author = Author("Ann Pike", blurb="Ann Pike rows <fast>.")
    template = jinja2.Environment(autoescape=True).from_string("{{ author.bio }}")
    with pytest.warns(DeprecationWarning, match=r"author\.blurb"):
        assert template.render(author=author) == "Ann Pike rows &lt;fast&gt;."
