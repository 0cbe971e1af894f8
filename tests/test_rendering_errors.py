"""Template and MJML errors name the template file and the line to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import TemplateError
from digest.rendering.compose import check_compiled, render_edition
from digest.rendering.mjml_errors import find_fault
from digest.rendering.slots import escape_html
from digest.settings import Settings
from tests.support.rendering import make_edition
from tests.support.workspaces import WorkspaceFactory


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering")


def override(settings: Settings, name: str, text: str) -> Path:
    path = settings.workspace / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


FOOTER_UNCLOSED = """\
{#- a footer with a mistake on line 4 -#}
    <mj-section>
      <mj-column>
        <mj-text>Goodbye <p>and thanks</mj-text>
      </mj-column>
    </mj-section>
"""

FOOTER_BAD_CLOSE = """\
    <mj-section>
      <mj-column>
{% if newsletter.postal_address %}
        <mj-text>{{ newsletter.postal_address }}</mj-text>
{% endif %}
        <mj-text>Unsubscribe</mj-column>
    </mj-section>
"""


def test_unclosed_tag_in_a_partial_names_it_and_its_line(settings: Settings) -> None:
    path = override(settings, "partials/footer.mjml.j2", FOOTER_UNCLOSED)
    with pytest.raises(TemplateError) as caught:
        render_edition(make_edition(), settings)
    assert caught.value.path == path
    assert caught.value.line == 4
    assert "<p> is still open" in caught.value.detail and "MRML says" in caught.value.detail
    assert str(caught.value).startswith(f"{path}:4: MJML could not compile")


def test_wrong_closing_tag_after_a_block_tag_names_the_line(settings: Settings) -> None:
    path = override(settings, "partials/footer.mjml.j2", FOOTER_BAD_CLOSE)
    with pytest.raises(TemplateError) as caught:
        render_edition(make_edition(), settings)
    assert (caught.value.path, caught.value.line) == (path, 6)
    assert "</mj-column> comes while <mj-text> is still open" in caught.value.detail


def test_error_in_a_macro_names_the_macro_file(settings: Settings) -> None:
    from digest.resources import default_templates_dir

    cards = (default_templates_dir() / "partials" / "cards.mjml.j2").read_text()
    lines = cards.splitlines()
    target = next(i for i, line in enumerate(lines) if "<p>{{ item.excerpt }}</p>" in line)
    lines[target] = lines[target].replace("<p>{{ item.excerpt }}", "<p><b>{{ item.excerpt }}")
    path = override(settings, "partials/cards.mjml.j2", "\n".join(lines) + "\n")
    with pytest.raises(TemplateError) as caught:
        render_edition(make_edition(), settings)
    assert (caught.value.path, caught.value.line) == (path, target + 1)


def test_jinja_errors_name_template_and_line(settings: Settings) -> None:
    path = override(settings, "partials/footer.mjml.j2", "<mj-section>\n{{ nope.at_all }}\n")
    with pytest.raises(TemplateError) as caught:
        render_edition(make_edition(), settings)
    assert (caught.value.path, caught.value.line) == (path, 2)
    assert "nope" in caught.value.detail


def test_multiline_attributes_are_normalised_before_compiling(settings: Settings) -> None:
    override(settings, "partials/footer.mjml.j2",
             '<mj-section><mj-column><mj-text css-class="a\n b"><a title="one\n\ttwo\u00a0'
             'three" href="https://x.example/a\\b">x</a></mj-text></mj-column></mj-section>\n')
    html = render_edition(make_edition(), settings).html.fill({}, escape_html)
    assert 'title="one two three"' in html
    assert 'href="https://x.example/a&#92;b"' in html
    assert check_compiled(html) == []


@pytest.mark.parametrize(("source", "line", "words"), [
    ("<mjml>\n<mj-body>\n<mj-text a=\"b>x</mj-text></mj-body></mjml>", 3, "quotes"),
    ("<mjml>\n<mj-body>\n<mj-raw><meta name=x></mj-raw></mj-body></mjml>", 3, "unquoted"),
    ("<mjml>\n<mj-body>\n</mj-body>\n", 1, "<mjml> is never closed"),
])
def test_find_fault_points_at_the_line(source: str, line: int, words: str) -> None:
    fault = find_fault(source, "unexpected end of stream in root template")
    assert fault is not None
    assert source.count("\n", 0, fault.offset) + 1 == line
    assert words in fault.message
