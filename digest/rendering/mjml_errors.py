"""Point an MJML compile error at the template line that caused it.

MRML's errors carry at best a character offset into the rendered MJML, often nothing. So
on failure we (1) find the fault in the rendered MJML ourselves with a tag-balance check,
and (2) render again with a marker at the start of every template line, which maps any
offset in the output back to the template and line that produced it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import jinja2

# Elements HTML never closes; MRML accepts them bare inside mj-text and mj-raw.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "param", "source", "track", "wbr"}
_OFFSET = re.compile(r"position (\d+)")
_OPENERS = ("{{", "{%", "{#")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


@dataclass(frozen=True)
class Fault:
    offset: int
    message: str


class _Balance(HTMLParser):
    """Every tag opened is closed in order, and every tag is well formed."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._starts = [0]
        for line in source.splitlines(keepends=True):
            self._starts.append(self._starts[-1] + len(line))
        self.stack: list[tuple[str, int]] = []
        self.fault: Fault | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.fault:
            return
        unquoted = [name for name, value in attrs if value is not None
                    and not re.search(rf"{re.escape(name)}\s*=\s*[\"']",
                                      self.get_starttag_text() or "")]
        if unquoted:
            self.fault = Fault(self._offset(), f"<{tag}> has an unquoted attribute "
                               f"{unquoted[0]!r}; MJML needs quotes")
        elif tag not in _VOID:
            self.stack.append((tag, self._offset()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <x /> opens and closes at once

    def handle_endtag(self, tag: str) -> None:
        if self.fault or tag in _VOID:
            return
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()
            return
        if self.stack:
            message = f"</{tag}> comes while <{self.stack[-1][0]}> is still open; close it first"
        else:
            message = f"</{tag}> closes nothing: no <{tag}> is open here"
        self.fault = Fault(self._offset(), message)

    def handle_data(self, data: str) -> None:
        # An unterminated quote turns the rest of a start tag into text.
        if not self.fault and data.lstrip().startswith("<") and len(data.strip()) > 1:
            self.fault = Fault(self._offset(), "a tag is not closed properly (check its quotes "
                               "and the closing `>`)")


def find_fault(source: str, error: str) -> Fault | None:
    """Where the rendered MJML goes wrong: our own check first, else MRML's offset."""
    checker = _Balance(source)
    checker.feed(source)
    checker.close()
    if checker.fault:
        return checker.fault
    if checker.stack:
        tag, offset = checker.stack[-1]
        return Fault(offset, f"<{tag}> is never closed")
    match = _OFFSET.search(error)
    if match:
        return Fault(min(int(match.group(1)), len(source)), error)
    return None


@dataclass
class LineMarks:
    """Hands out one marker per template line while loading, and reads them back."""

    prefix: str
    places: list[tuple[str, int]] = field(default_factory=list)

    def mark(self, source: str, name: str) -> str:
        out: list[str] = []
        inside: str | None = None  # the Jinja delimiter still open at the end of a line
        for number, line in enumerate(source.splitlines(keepends=True), start=1):
            stripped = line.lstrip()
            # A marker must not split a Jinja tag, nor sit before a block tag
            # (lstrip_blocks would keep the indentation then).
            if inside is None and stripped.strip() and not stripped.startswith(("{%", "{#")):
                self.places.append((name, number))
                out.append(f"{self.prefix}{len(self.places) - 1}@@-->")
            out.append(line)
            inside = _open_delimiter(line, inside)
        return "".join(out)

    def unmarked(self, marked: str) -> str:
        """The output as it is without markers."""
        return re.sub(re.escape(self.prefix) + r"\d+@@-->", "", marked)

    def locate(self, marked: str, offset: int) -> tuple[str, int] | None:
        """Template and line for `offset` in the output without markers."""
        pattern = re.compile(re.escape(self.prefix) + r"(\d+)@@-->")
        removed = 0
        found: tuple[str, int, int] | None = None  # (template, line, clean offset of marker)
        for match in pattern.finditer(marked):
            clean = match.start() - removed
            if clean > offset:
                break
            name, line = self.places[int(match.group(1))]
            found = (name, line, clean)
            removed += match.end() - match.start()
        if found is None:
            return None
        name, line, start = found
        clean_text = pattern.sub("", marked)
        return name, line + clean_text.count("\n", start, offset)


def _open_delimiter(line: str, inside: str | None) -> str | None:
    position = 0
    while True:
        if inside:
            end = line.find(_CLOSERS[inside], position)
            if end < 0:
                return inside
            position, inside = end + 2, None
        starts = [(line.find(o, position), o) for o in _OPENERS if line.find(o, position) >= 0]
        if not starts:
            return None
        position, inside = min(starts)
        position += 2


class MarkingLoader(jinja2.BaseLoader):
    """Wraps a loader so markup templates come back with a marker on every line."""

    def __init__(self, inner: jinja2.BaseLoader, marks: LineMarks,
                 is_markup: Callable[[str], bool]) -> None:
        self.inner = inner
        self.marks = marks
        self.is_markup = is_markup

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        if self.is_markup(template):
            source = self.marks.mark(source, filename or template)
        return source, filename, uptodate
