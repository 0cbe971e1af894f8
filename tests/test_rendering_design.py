"""The email as designed: what every edition must carry, in HTML and in plain text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.errors import RenderError
from digest.rendering.compose import check_compiled, render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import escape_html, one_line
from digest.settings import Settings
from tests.support.rendering import (
    READER,
    STORIES,
    make_edition,
    make_item,
    make_long_edition,
    tags_of,
)
from tests.support.workspaces import WorkspaceFactory


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering")


def filled(settings: Settings) -> tuple[str, str]:
    rendered = render_edition(make_edition(), settings)
    values = MessageFactory(rendered, settings, "s3cret").values_for(READER)
    return rendered.html.fill(values, escape_html), rendered.text.fill(values, one_line)


def test_html_carries_masthead_cards_and_footer(settings: Settings) -> None:
    html, _ = filled(settings)
    tags = tags_of(html)
    assert any(t == "html" and a.get("lang") == "en-GB" for t, a in tags)
    metas = {a.get("name"): a.get("content") for t, a in tags if t == "meta"}
    assert metas["color-scheme"] == "light dark"
    assert metas["supported-color-schemes"] == "light dark"
    assert "prefers-color-scheme: dark" in html
    images = [a for t, a in tags if t == "img"]
    assert images and all("alt" in a for a in images)
    hrefs = [a.get("href", "") for t, a in tags if t == "a"]
    for _, url, _, _ in STORIES:
        assert hrefs.count(url) >= 2  # the title and "Read more"
    assert "No. 9" in html  # 2026-W48 is the ninth week from theme.first_week 2026-W40
    assert "#7a2e8f" in html and "Verdana" in html
    assert "9 Sluice Row, Millbeck" in html
    assert "Hello Ottilie Brand" in html
    assert "subscribed as ottilie.brand@example.org" in html
    assert any(h.startswith("https://weir-gazette.example/letters/unsubscribe/") for h in hrefs)
    assert "https://weir-gazette.example/letters/archive/2026-W48/" in hrefs
    assert "FEATURED" in html


def test_alt_text_never_repeats_the_text_beside_it(settings: Settings) -> None:
    html, _ = filled(settings)
    alts = {a["src"]: a["alt"] for t, a in tags_of(html) if t == "img"}
    assert alts["https://weir-gazette.example/logo.png"] == "The Weir Gazette heron logo"
    # The featured image has no image_alt, so it decorates: the title is right beside it.
    assert alts["https://weir-gazette.example/img/weir.jpg"] == ""
    # Author photos sit next to the author's name.
    assert alts["https://weir-gazette.example/people/hollis.jpg"] == ""
    assert alts["https://weir-gazette.example/people/pell.jpg"] == ""
    titles_and_names = {title for title, _, _, _ in STORIES} | {a.name for *_, a in STORIES}
    assert not titles_and_names & set(alts.values())


def test_logo_alt_is_empty_unless_set(tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    config = make_workspace.presets["rendering"].config_text()
    config = config.replace("  logo_alt: The Weir Gazette heron logo\n", "")
    settings = make_workspace.settings(tmp_path / "ws", "rendering", config=config)
    assert settings.theme.logo_alt == ""
    html, _ = filled(settings)
    assert [a["alt"] for t, a in tags_of(html) if t == "img" and "logo" in a["src"]] == [""]


def test_preheader_is_hidden_without_colour_and_padded(settings: Settings) -> None:
    html, _ = filled(settings)
    found = re.search(r'<div class="digest-preheader" style="([^"]*)">'
                      r"A short week on the river[^<]*?((?:&#847;&zwnj;&nbsp;)+)</div>", html)
    assert found, "preheader missing"
    style = found.group(1)
    for rule in ("display:none", "max-height:0", "opacity:0", "mso-hide:all"):
        assert rule in style
    assert "color" not in style and "font-size" not in style
    assert found.group(2).count("&zwnj;") >= 40  # clients show padding, not the masthead
    # MJML's own <mj-preview> (white text on white) is gone.
    assert not re.search(r"[^-]color:#ffffff", html)


def test_every_card_can_have_a_thumbnail(settings: Settings) -> None:
    rendered = render_edition(make_long_edition(), settings)
    html = rendered.html.fill({}, escape_html)
    images = {a["src"]: a for t, a in tags_of(html) if t == "img"}
    described = images["https://weir-gazette.example/img/thumb-0.jpg"]
    assert described["alt"] == "Stalls under the new glass roof of the covered market"
    assert images["https://weir-gazette.example/img/thumb-1.jpg"]["alt"] == ""
    # Two columns: the thumbnail's and the text's, side by side at 600 px (a table for
    # Outlook), each as wide as a phone allows.
    assert html.count("max-width:160px") == 2 and html.count("max-width:370px") == 2
    assert html.count('<td width="176" valign="top">') == 2


def test_an_article_in_another_language_says_so_on_its_card(settings: Settings) -> None:
    html = render_edition(make_long_edition(), settings).html.fill({}, escape_html)
    cards = [a for t, a in tags_of(html) if t == "div" and "digest-card" in a.get("class", "")]
    assert [a.get("lang") for a in cards] == [None, None, None, "fr", None, None]
    assert html.count('lang="en-GB"') == 2  # <html> and MJML's wrapper; cards inherit it


def test_view_in_browser_link_can_be_turned_off(tmp_path: Path,
                                                make_workspace: WorkspaceFactory) -> None:
    settings = make_workspace.settings(tmp_path / "ws", "rendering",
                                       extra="  view_in_browser: false")
    html, text = filled(settings)
    assert "View in browser" not in html and "View in browser" not in text
    assert "/archive/" not in html


def test_text_part_is_wrapped_and_lists_links(settings: Settings) -> None:
    _, text = filled(settings)
    long_lines = [line for line in text.splitlines()
                  if len(line) > 72 and not re.fullmatch(r"(\[\d+\] )?https?://\S+", line)]
    assert long_lines == []
    for number, (title, url, _, author) in enumerate(STORIES, start=1):
        assert title in text
        assert f"[{number}] {url}" in text
        assert author.name in text
    assert "From the editor" in text
    assert "9 Sluice Row" in text
    assert "<" not in text.replace("<-", "")  # no markup in plain text


def test_text_part_puts_footer_links_under_their_labels(settings: Settings) -> None:
    _, text = filled(settings)
    lines = text.splitlines()
    unsubscribe = lines[lines.index("Unsubscribe:") + 1]
    assert unsubscribe.startswith("https://weir-gazette.example/letters/unsubscribe/")
    assert lines[lines.index("View in browser:") + 1] == \
        "https://weir-gazette.example/letters/archive/2026-W48/"
    assert all(len(line) <= 72 for line in lines if not line.startswith("https://"))


def test_size_budget_warns_then_refuses() -> None:
    edition = make_edition()
    assert check_compiled("x" * 50_000, edition) == []
    warnings = check_compiled("x" * 85_000, edition)
    assert warnings and "Millbeck Weir Gets a Fish Pass" in warnings[0]
    with pytest.raises(RenderError, match=r"101 KB, over the 100 KB limit.*max_articles"):
        check_compiled("x" * 101_000, edition)


def test_large_edition_is_refused_naming_the_longest_article(settings: Settings) -> None:
    edition = make_edition()
    long_excerpt = "A sentence about the weir that goes on and on. " * 60
    items = [edition.items[0]] + [
        type(edition.items[1])(article=edition.items[1].article, excerpt=long_excerpt,
                               authors=edition.items[1].authors) for _ in range(30)]
    with pytest.raises(RenderError, match="The Bakery That Opens at Four"):
        render_edition(make_edition(items), settings)


def test_mrml_attribute_escapes_are_refused() -> None:
    with pytest.raises(RenderError, match="backslash escape inside an attribute"):
        check_compiled('<div style="color:red;\\n font-size:2px">x</div>')
    assert check_compiled('<div style="color:red">a\\nb</div>') == []


def test_workspace_and_edition_templates_override_the_defaults(settings: Settings) -> None:
    footer = settings.workspace / "templates" / "partials" / "footer.mjml.j2"
    footer.parent.mkdir(parents=True)
    footer.write_text('<mj-section><mj-column><mj-text>Workspace footer '
                      '<a href="{{ unsubscribe_url }}">Leave</a></mj-text></mj-column>'
                      '</mj-section>\n', encoding="utf-8")
    html = render_edition(make_edition(), settings).html.fill({}, escape_html)
    assert "Workspace footer" in html
    edition_footer = settings.workspace / "editions" / "2026-W48" / "templates" / "partials"
    edition_footer.mkdir(parents=True)
    (edition_footer / "footer.mjml.j2").write_text(
        "<mj-section><mj-column><mj-text>Edition footer</mj-text></mj-column></mj-section>\n",
        encoding="utf-8")
    html = render_edition(make_edition(), settings).html.fill({}, escape_html)
    assert "Edition footer" in html and "Workspace footer" not in html


@pytest.mark.parametrize(("setting", "words"), [
    ('  accent_color: "red; background:url(x)"', "accent_color: must be a colour"),
    ('  font_family: "Arial\\"; color: red"', "font_family: must be a font list"),
    ("  logo_url: javascript:alert(1)", "logo_url: must be an http(s) URL"),
    ("  first_week: week one", "first_week: must be an ISO week"),
])
def test_bad_theme_settings_name_file_and_line(tmp_path: Path, setting: str, words: str,
                                              make_workspace: WorkspaceFactory) -> None:
    from digest.config import load_settings
    from digest.errors import ConfigError

    key = setting.split(":")[0]
    config = make_workspace.presets["rendering"].config_text()
    lines = [line for line in config.splitlines() if not line.startswith(key)]
    lines.append(setting)
    make_workspace(tmp_path, "rendering", config="\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=re.escape(words)) as caught:
        load_settings(tmp_path, env={})
    assert caught.value.path.name == "digest.yaml"
    assert caught.value.line == len(lines)


def test_a_card_costs_its_text_and_little_markup(settings: Settings) -> None:
    """Cards are HTML inside one mj-text, styled by class: about 3.4 KB each before, when
    every card was an MJML section of its own (docs/RENDERING.md has the figures)."""
    def size(extra: int) -> int:
        items = list(make_edition().items) + [make_item(*STORIES[1 + n % 2]) for n in range(extra)]
        html = render_edition(make_edition(items), settings).html.fill({}, escape_html)
        return len(html.encode("utf-8"))
    per_card = (size(10) - size(0)) / 10
    assert per_card < 1_200, per_card
