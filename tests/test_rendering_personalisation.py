"""Personalisation that is honest: what works per subscriber works for every one of them, and
what cannot (a condition decided once for all, a field no list has) stops the render with
the template's file and line, in `digest check` as in every other command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.errors import TemplateError
from digest.models import Subscriber
from digest.rendering.compose import render_edition
from digest.rendering.slots import escape_html, one_line
from digest.settings import Settings
from tests.support.rendering import make_edition
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

LISTS = ("email,name,city\n"
         "ottilie.brand@example.org,Ottilie Brand,bristol\n"
         "wren@example.net,,\n")
OTTILIE = Subscriber("ottilie.brand@example.org", "Ottilie Brand", {"city": "bristol"})
NAMELESS = Subscriber("wren@example.net", "", {"city": ""})
LINE = 3  # where `footer()` puts the line under test


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering", subscribers=LISTS)


def footer(settings: Settings, line: str, text_line: str = "") -> Path:
    """Override the footer (and the text part, when given) with `line` on line 3."""
    path = settings.workspace / "templates" / "partials" / "footer.mjml.j2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<mj-section><mj-column>\n<mj-text>\n" + line + "\n"
                    '<a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>\n'
                    "</mj-column></mj-section>\n", encoding="utf-8")
    if text_line:
        (path.parent.parent / "email.txt.j2").write_text(
            "Hello\n\n" + text_line + "\nUnsubscribe:\n{{ unsubscribe_url }}\n",
            encoding="utf-8")
    return path


def filled(settings: Settings, subscriber: Subscriber) -> tuple[str, str]:
    rendered = render_edition(make_edition(), settings)
    values = {**subscriber.fields, "name": subscriber.name, "email": subscriber.email}
    return rendered.html.fill(values, escape_html), rendered.text.fill(values, one_line)


def refused(settings: Settings, path: Path, line: int = LINE) -> str:
    with pytest.raises(TemplateError) as caught:
        render_edition(make_edition(), settings)
    assert (caught.value.path, caught.value.line) == (path, line), str(caught.value)
    return str(caught.value)


def test_case_filters_apply_to_each_subscriber(settings: Settings) -> None:
    footer(settings, "<p>Dear {{ subscriber.name | upper }}</p>",
           "Dear {{ subscriber.name | upper }}")
    html, text = filled(settings, OTTILIE)
    assert "Dear OTTILIE BRAND" in html and "Dear OTTILIE BRAND" in text
    assert "DIGEST" not in html.replace("digest-", "") and "%%" not in text


def test_defaults_and_filters_chain_in_order(settings: Settings) -> None:
    footer(settings, '<p>News for {{ subscriber.city | default("your town") | title }}, '
           '{{ subscriber.name.otherwise("friend") | upper }}.</p>')
    assert "News for Bristol, OTTILIE BRAND." in filled(settings, OTTILIE)[0]
    assert "News for Your Town, FRIEND." in filled(settings, NAMELESS)[0]


def test_a_list_column_is_filled_per_subscriber(settings: Settings) -> None:
    footer(settings, "<p>From {{ subscriber.city }}.</p>")
    assert "From bristol." in filled(settings, OTTILIE)[0]
    assert "From ." in filled(settings, NAMELESS)[0]


def test_a_comparison_with_a_subscriber_value_is_refused(settings: Settings) -> None:
    path = footer(settings, '{% if subscriber.city == "Bristol" %}<p>Hi, Bristol</p>{% endif %}')
    message = refused(settings, path)
    assert "a condition on subscriber.city is not supported" in message
    assert "rendered once for all subscribers" in message and "upper, lower" in message


def test_a_test_of_a_subscriber_value_is_refused(settings: Settings) -> None:
    path = footer(settings, "{% if subscriber.name %}<p>Hi {{ subscriber.name }}</p>{% endif %}")
    assert "a condition on subscriber.name is not supported" in refused(settings, path)


def test_a_condition_in_a_branch_not_taken_is_refused_too(settings: Settings) -> None:
    path = footer(settings, "{% if edition.number == 99 %}{% if subscriber.name is defined %}"
                  "<p>x</p>{% endif %}{% endif %}")
    assert "is not supported" in refused(settings, path)


def test_a_condition_through_a_variable_is_refused(settings: Settings) -> None:
    path = footer(settings, "{% set who = subscriber.name %}{% if who %}<p>x</p>{% endif %}")
    assert "a condition, comparison or calculation on subscriber.name" in refused(settings, path)


def test_another_filter_on_a_subscriber_value_is_refused(settings: Settings) -> None:
    path = footer(settings, "<p>{{ subscriber.name | truncate(3) }}</p>")
    assert "the filter `truncate` on subscriber.name is not supported" in refused(settings, path)


def test_a_filter_on_text_around_a_value_is_refused(settings: Settings) -> None:
    path = footer(settings, '<p>{{ ("Dear " ~ subscriber.name) | upper }}</p>')
    assert "the filter `upper` on subscriber.name" in refused(settings, path)


def test_a_value_changed_through_a_variable_is_refused(settings: Settings) -> None:
    path = footer(settings, '<p>{% set dear = "Dear " ~ subscriber.name %}{{ dear | lower }}</p>')
    assert "a subscriber value was changed while rendering" in refused(settings, path)


def test_subscriber_on_its_own_is_refused(settings: Settings) -> None:
    path = footer(settings, "<p>{{ subscriber }}</p>")
    assert "`subscriber` on its own (write subscriber.<column>)" in refused(settings, path)


def test_a_misspelled_field_is_an_error_not_an_empty_value(settings: Settings) -> None:
    path = footer(settings, "<p>Hello {{ subscriber.nmae }}</p>")
    message = refused(settings, path)
    assert "subscriber.nmae is not a column of any list in subscribers/" in message
    assert "(columns: city, email, name)" in message


def test_a_misspelled_field_in_a_branch_not_taken_is_an_error(settings: Settings) -> None:
    path = footer(settings, "{% if not edition.intro %}<p>{{ subscriber.ctiy }}</p>{% endif %}")
    assert "subscriber.ctiy is not a column" in refused(settings, path)


def test_fields_are_the_union_of_every_list(tmp_path: Path,
                                            make_workspace: WorkspaceFactory) -> None:
    settings = make_workspace.settings(tmp_path / "ws", "rendering", subscribers=LISTS)
    (settings.workspace / "subscribers" / "extra.yaml").write_text(
        "- email: kit@example.org\n- email: lou@example.org\n  plan: gold\n", encoding="utf-8")
    footer(settings, "<p>{{ subscriber.plan }} in {{ subscriber.city }}</p>")
    assert "gold in" in filled(settings, Subscriber("lou@example.org", "", {"plan": "gold"}))[0]


def test_explicit_fields_are_checked_where_there_are_no_lists(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    settings = make_workspace.settings(tmp_path / "ws", "rendering")
    path = footer(settings, "<p>{{ subscriber.city }}</p>")
    render_edition(make_edition(), settings, subscriber_fields=["city"])
    with pytest.raises(TemplateError, match=r"subscriber\.city is not a column") as caught:
        render_edition(make_edition(), settings, subscriber_fields=[])
    assert (caught.value.path, caught.value.line) == (path, LINE)


def test_check_refuses_with_template_and_line(workspace: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = workspace / "templates" / "partials" / "masthead.mjml.j2"
    path.parent.mkdir(parents=True)
    path.write_text("<mj-section><mj-column><mj-text>\n"
                    "{% if subscriber.city == 'York' %}Hello York{% endif %}\n"
                    "</mj-text></mj-column></mj-section>\n", encoding="utf-8")
    assert main(["check", "--workspace", str(workspace)]) == 1
    error = capsys.readouterr().err
    assert f"{path}:2: a condition on subscriber.city is not supported" in error
    path.write_text("<mj-section><mj-column><mj-text>\n{{ subscriber.town }}\n"
                    "</mj-text></mj-column></mj-section>\n", encoding="utf-8")
    assert main(["check", "--workspace", str(workspace)]) == 1
    assert f"{path}:2: subscriber.town is not a column" in capsys.readouterr().err
    path.write_text("<mj-section><mj-column><mj-text>\n{{ subscriber.city | upper }}\n"
                    "</mj-text></mj-column></mj-section>\n", encoding="utf-8")
    assert main(["check", "--workspace", str(workspace)]) == 0


def test_escaping_and_joining_keep_the_value(settings: Settings) -> None:
    footer(settings, '<p>{{ subscriber.name | e }}; {{ ("Dear " ~ subscriber.name) | attr }}</p>',
           '{{ ("Dear " ~ subscriber.name.otherwise("reader") ~ ", welcome") | wrap }}')
    html, text = filled(settings, OTTILIE)
    assert "<p>Ottilie Brand; Dear Ottilie Brand</p>" in html
    assert "Dear Ottilie Brand, welcome" in text
    assert "Dear reader, welcome" in filled(settings, NAMELESS)[1]


def test_weekly_refuses_before_sending_anything(workspace: Path, smtp_server: SmtpServer) -> None:
    path = workspace / "templates" / "email.txt.j2"
    path.parent.mkdir(parents=True)
    path.write_text("Hello\n{{ subscriber.name | truncate(5) }}\n{{ unsubscribe_url }}\n",
                    encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "digest", "weekly", "--week", "2026-W48", "--workspace",
         str(workspace)], capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, DIGEST_SMTP_URL=smtp_server.url, DIGEST_SECRET="s" * 32))
    assert result.returncode != 0
    assert f"{path}:2: the filter `truncate` on subscriber.name is not supported" in result.stderr
    assert smtp_server.handler.messages_to("ava@example.org") == []
