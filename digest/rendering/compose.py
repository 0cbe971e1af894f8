"""Jinja2 + MJML -> HTML and plain text, compiled once per edition.

Templates are looked up in the edition's folder, then the workspace's `templates/`, then
the packaged defaults, so an editor overrides one file at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import mjml

from digest.errors import RenderError, TemplateError
from digest.models import Edition
from digest.rendering.filters import (
    attr,
    local_date,
    reading_minutes,
    safe_url,
    source_site,
    wrap_text,
)
from digest.rendering.intro import with_rendered_note
from digest.rendering.mjml_errors import LineMarks, MarkingLoader, find_fault
from digest.rendering.personalisation import (
    ALWAYS_KNOWN,
    check_templates,
    guard_filters,
    subscriber_columns,
)
from digest.rendering.slots import SUPPORTED, Personalisable, SlotTable, SubscriberSlots
from digest.resources import default_templates_dir, template_environment
from digest.settings import Settings
from digest.weeks import parse_week

__all__ = ["RenderedEdition", "attr", "render_edition", "safe_url", "wrap_text"]

HTML_TEMPLATE = "email.mjml.j2"
TEXT_TEMPLATE = "email.txt.j2"
# select_autoescape() does not know .mjml: name every suffix that produces markup.
_MARKUP_SUFFIXES = (".mjml.j2", ".mjml", ".html.j2", ".html")
SIZE_WARN = 80_000
SIZE_LIMIT = 100_000  # Gmail clips messages near 102 KB
# MRML writes `\n`, `\"` or `\u{a0}` into attributes it failed to normalise.
_ESCAPED_IN_ATTRIBUTE = re.compile(r'=\s*"[^"<>]*\\(?:n|t|r|"|u\{)[^"<>]*"')
_ATTR_SPACE = re.compile(r"[\s\u00a0\u2028\u2029]+")
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_ATTR_VALUE = re.compile(r'="([^"]*)"')


@dataclass(frozen=True)
class RenderedEdition:
    edition: Edition
    subject: str
    html: Personalisable
    text: Personalisable
    mjml_source: str
    warnings: tuple[str, ...] = ()


def normalise_attributes(source: str) -> str:
    """Make every double-quoted attribute value one line MRML passes through unharmed.

    Whitespace runs (newline, tab, NBSP) become one space; a backslash becomes `&#92;`,
    which browsers read back as a backslash.
    """
    def fix_tag(tag: re.Match[str]) -> str:
        return _ATTR_VALUE.sub(lambda v: '="' + _ATTR_SPACE.sub(" ", v.group(1))
                               .replace("\\", "&#92;") + '"', tag.group(0))
    return _TAG.sub(fix_tag, source)


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith(_MARKUP_SUFFIXES)


def template_dirs(settings: Settings, week: str | None = None) -> list[Path]:
    dirs = []
    if week:
        dirs.append(settings.path("editions") / week / "templates")
    dirs.append(settings.path("templates"))
    dirs.append(default_templates_dir())
    return [d for d in dirs if d.is_dir()]


def make_environment(settings: Settings, week: str | None = None,
                     marks: LineMarks | None = None) -> jinja2.Environment:
    loader: jinja2.BaseLoader = jinja2.FileSystemLoader(
        [str(d) for d in template_dirs(settings, week)])
    if marks is not None:
        loader = MarkingLoader(loader, marks, _autoescape)
    env = template_environment(loader, _autoescape)
    env.filters.update(
        safe_url=safe_url, attr=attr, wrap=wrap_text, reading_minutes=reading_minutes,
        source_site=lambda article: source_site(article, settings.newsletter.public_url),
        local_date=lambda moment, pattern="%-d %B %Y": local_date(moment, settings.tz, pattern),
    )
    guard_filters(env)
    return env


def template_context(edition: Edition, settings: Settings, subscriber: object,
                     unsubscribe_url: str, view_url: str) -> dict[str, Any]:
    """The names the email templates see (docs/TEMPLATES.md)."""
    return {
        "newsletter": settings.newsletter,
        "theme": settings.theme,
        "display": settings.display,
        "show_contents": settings.display.shows_contents(len(edition.items)),
        "edition": with_rendered_note(edition),  # the intro's Markdown, as HTML and as text
        "edition_number": edition_number(edition, settings),
        "view_in_browser": settings.theme.view_in_browser,
        "items": edition.items,
        "subscriber": subscriber,
        "unsubscribe_url": unsubscribe_url,
        "view_url": view_url,
    }


def _context(edition: Edition, settings: Settings, table: SlotTable,
             known: Collection[str] | None) -> dict[str, Any]:
    return template_context(edition, settings, SubscriberSlots(table, known),
                            table.marker("unsubscribe_url"), table.marker("view_url"))


def edition_number(edition: Edition, settings: Settings) -> int | None:
    """The edition file's number, else weeks counted from `theme.first_week` (no. 1)."""
    if edition.number is not None:
        return edition.number
    if not settings.theme.first_week:
        return None
    first = parse_week(settings.theme.first_week).monday
    number = (parse_week(edition.week).monday - first).days // 7 + 1
    return number if number >= 1 else None


def _render(env: jinja2.Environment, name: str, context: dict[str, Any] | None = None,
            known: Collection[str] | None = None) -> str:
    """Render template `name`; without a context, only check its subscriber uses, and those
    of every template it names, against the `known` fields (personalisation.py)."""
    try:
        if context is None:
            check_templates(env, (name,), known)
            return ""
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(error.filename or name, error.message or "syntax error",
                            error.lineno) from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(name, f"template {error.name!r} not found") from None
    except jinja2.TemplateRuntimeError as error:  # undefined names, refused subscriber uses
        filename, line = _template_frame(error)
        raise TemplateError(filename or name, str(error.message), line) from None


def _template_frame(error: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback (Jinja rewrites frames to them)."""
    found: tuple[str | None, int | None] = (None, None)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((*_MARKUP_SUFFIXES, ".j2")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def compile_mjml(source: str, template: str,
                 locate: Callable[[int], tuple[str, int] | None] | None = None) -> str:
    """MJML -> HTML; on failure, name the template and line that produced the fault."""
    try:
        return str(mjml.mjml2html(source, disable_comments=True, fonts={}))
    except ValueError as error:
        fault = find_fault(source, str(error))
        if fault is None:
            raise TemplateError(template, f"MJML could not compile: {error}") from None
        place = locate(fault.offset) if locate else None
        if place is None:
            line = source.count("\n", 0, fault.offset) + 1
            raise TemplateError(template, f"MJML could not compile: {fault.message} "
                                f"(line {line} of the rendered MJML; MRML says: {error})") from None
        raise TemplateError(place[0], f"MJML could not compile: {fault.message} "
                            f"(MRML says: {error})", place[1]) from None


Locate = Callable[[int | Callable[[str], int | None]], tuple[str, int] | None]


def _locator(edition: Edition, settings: Settings, nonce: str, known: Collection[str] | None,
             template: str = HTML_TEMPLATE) -> Locate:
    """Render again with line markers (same slot nonce) to map output offsets to templates.
    `locate` takes an offset, or a function that finds it in the output rendered again
    (offsets can shift by a few characters where whitespace control meets a marker)."""
    def locate(offset: int | Callable[[str], int | None]) -> tuple[str, int] | None:
        marks = LineMarks(prefix=f"<!--@@mark-{nonce}-")
        env = make_environment(settings, edition.week, marks)
        if template != HTML_TEMPLATE:  # the text part is not markup, but is marked all the same
            env.loader = MarkingLoader(make_environment(settings, edition.week).loader
                                       or jinja2.DictLoader({}), marks, lambda _: True)
        try:
            marked = _render(env, template, _context(edition, settings, SlotTable(nonce), known))
        except TemplateError:
            return None
        if callable(offset):
            found = offset(marks.unmarked(marked))
            if found is None:
                return None
            offset = found
        return marks.locate(marked, offset)
    return locate


def _refuse_damaged_slots(table: SlotTable, rendered: str, template: str,
                          locate: Locate) -> None:
    """A slot marker that something changed while rendering (say `("Hi " ~ subscriber.name)
    | upper`) could never be filled: name the template line that did it."""
    if table.damaged(rendered) is None:
        return
    place: tuple[str, int | None] = locate(table.damaged) or (template, None)
    raise TemplateError(place[0], "a subscriber value was changed while rendering (a filter "
                        f"applied to text around it): {SUPPORTED}", place[1])


def check_compiled(html: str, edition: Edition | None = None) -> list[str]:
    """Refuse what MRML broke or what mail clients will clip; return warnings."""
    bad = _ESCAPED_IN_ATTRIBUTE.search(html)
    if bad:
        raise RenderError(
            f"compiled HTML has a backslash escape inside an attribute ({bad.group(0)[:80]!r}); "
            "keep template attributes on one line and pass content through the `attr` filter"
        )
    size = len(html.encode("utf-8"))
    if size > SIZE_LIMIT:
        raise RenderError(
            f"email HTML is {size // 1000} KB, over the {SIZE_LIMIT // 1000} KB limit "
            f"(Gmail clips near 102 KB): {_what_to_cut(edition)}"
        )
    if size > SIZE_WARN:
        return [f"email HTML is {size // 1000} KB, near Gmail's 102 KB clipping point: "
                f"{_what_to_cut(edition)}"]
    return []


def _what_to_cut(edition: Edition | None) -> str:
    """Name the longest articles: each costs its text plus ~5 KB of MJML tables."""
    if edition is None or not edition.items:
        return "cut articles or shorten excerpts"
    def weight(index: int) -> int:
        item = edition.items[index]
        return len(item.excerpt) + sum(len(a.blurb) for a in item.authors) + len(item.article.title)
    order = sorted(range(len(edition.items)), key=weight, reverse=True)[:3]
    names = ", ".join(f"#{i + 1} {edition.items[i].article.title!r} ({weight(i)} chars)"
                      for i in order)
    return (f"the edition has {len(edition.items)} articles; drop some (lower "
            f"selection.max_articles) or shorten the longest: {names}")


def render_edition(edition: Edition, settings: Settings,
                   subscriber_fields: Collection[str] | None = None) -> RenderedEdition:
    """Render and compile the edition once. `subscriber_fields` are the columns templates may
    use as `subscriber.<column>`; by default those of the lists in subscribers/ (any, when
    there are none)."""
    known = (ALWAYS_KNOWN | frozenset(subscriber_fields) if subscriber_fields is not None
             else subscriber_columns(settings.path("subscribers")))
    env = make_environment(settings, edition.week)
    table = SlotTable()
    for template in (HTML_TEMPLATE, TEXT_TEMPLATE):  # every branch, taken or not
        _render(env, template, known=known)
    context = _context(edition, settings, table, known)
    raw = _render(env, HTML_TEMPLATE, context)
    text = _render(env, TEXT_TEMPLATE, context)
    for template, rendered in ((HTML_TEMPLATE, raw), (TEXT_TEMPLATE, text)):
        _refuse_damaged_slots(table, rendered, template,
                              _locator(edition, settings, table.nonce, known, template))
    source = normalise_attributes(raw)
    html = compile_mjml(source, HTML_TEMPLATE, _locator(edition, settings, table.nonce, known))
    warnings = check_compiled(html, edition)
    return RenderedEdition(
        edition=edition,
        subject=edition.subject,
        html=table.split(html),
        text=table.split(text),
        mjml_source=source,
        warnings=tuple(warnings),
    )
