"""HTML fragments (feed summaries, entry content) to plain text paragraphs.

Feed HTML is third-party markup: it is parsed, never passed through. Scripts, styles, forms
and embedded media are dropped; block elements become paragraphs separated by blank lines.
"""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

_DROP = {"script", "style", "noscript", "iframe", "object", "embed", "form", "button",
         "svg", "template", "head", "figure", "figcaption", "nav", "aside", "footer"}
_BLOCK = {"p", "div", "section", "article", "blockquote", "li", "ul", "ol", "h1", "h2", "h3",
          "h4", "h5", "h6", "pre", "table", "tr", "dd", "dt", "header", "main"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment, paragraphs separated by blank lines."""
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:  # plain text, possibly with entities
        return _tidy(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    parts: list[str] = []
    _walk(root, parts)
    return _tidy("".join(parts))


def _walk(element: lxml.html.HtmlElement, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROP:
        if element.tail:
            parts.append(element.tail)
        return
    block = tag in _BLOCK
    if block:
        parts.append("\n\n")
    if tag == "br":
        parts.append("\n")
    if element.text and isinstance(element.tag, str):
        parts.append(element.text)
    for child in element:
        _walk(child, parts)
    if block:
        parts.append("\n\n")
    if element.tail:
        parts.append(element.tail)


def _tidy(text: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        line = " ".join(_SPACES.sub(" ", block).split())
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)
