"""The editor's note (`intro:` in an edition file), written in Markdown: HTML for the email's
HTML part, plain text for its text part and the preheader.

`EditorsNote` is a str holding the plain text, so `wrap`, the preheader and any filter see
text, and it carries its HTML in `__html__`, which autoescaping templates use in place of
escaping it: `{{ edition.intro }}` shows the rendered note in the HTML part and the text in
the text part, in the packaged templates and in templates copied before notes were Markdown.
Raw HTML in the note is shown as text, and only http(s) links become links.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from digest.models import Edition

PARAGRAPH_GAP = "margin:0 0 12px"  # inside the note's mj-text, which has no margins of its own


class _NoteMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # markdown-it's hook, by its name
        """Only absolute http(s) links: no javascript:, data:, mailto: or relative ones."""
        return url.strip().lower().startswith(("http://", "https://"))


# CommonMark without raw HTML (it is escaped) and without images (a note is text).
_MARKDOWN = _NoteMarkdown("commonmark", {"html": False}).disable("image")


class EditorsNote(str):
    """The note as plain text, with its HTML for autoescaping templates."""

    html: str

    def __new__(cls, markdown: str) -> EditorsNote:
        tokens = _MARKDOWN.parse(markdown)
        note = super().__new__(cls, _plain(tokens))
        note.html = _html(tokens)
        return note

    def __html__(self) -> str:
        return self.html


def with_rendered_note(edition: Edition) -> Edition:
    """The edition with its intro as an `EditorsNote` (once: a note is not read again)."""
    if not edition.intro or isinstance(edition.intro, EditorsNote):
        return edition
    return dataclasses.replace(edition, intro=EditorsNote(edition.intro))


def _html(tokens: list[Token]) -> str:
    if [token.type for token in tokens] == ["paragraph_open", "inline", "paragraph_close"]:
        tokens = tokens[1:2]  # one paragraph: no <p>, as the note always looked
    blocks = [token for token in tokens if token.level == 0 and token.nesting == 1]
    for token in blocks:  # paragraphs, lists, headings: apart, and none after the last
        token.attrSet("style", PARAGRAPH_GAP if token is not blocks[-1] else "margin:0")
    html: str = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return html.strip()


def _plain(tokens: Sequence[Token]) -> str:
    """Paragraphs apart by blank lines, list items as paragraphs of their own marked "-"
    or "1.", links as "text (https://...)"."""
    paragraphs: list[str] = []
    numbers: list[int | None] = []  # per open list: the next item's number, None if bulleted
    marker = ""
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            numbers.append(int(token.attrGet("start") or 1)
                           if token.type == "ordered_list_open" else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif token.type == "list_item_open":
            number = numbers[-1]
            marker = "- " if number is None else f"{number}. "
            numbers[-1] = None if number is None else number + 1
        elif token.type == "inline":
            paragraphs.append(marker + _inline_text(token.children or []))
            marker = ""
        elif token.type in ("fence", "code_block"):
            paragraphs.append(token.content.rstrip("\n"))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph.strip())


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # href, where its text starts in `parts`
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            if "".join(parts[start:]).strip() != href:
                parts.append(f" ({href})")
    return "".join(parts)
