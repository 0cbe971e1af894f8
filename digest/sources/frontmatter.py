"""Split YAML front matter from a Markdown file and read it safely."""

from __future__ import annotations

from pathlib import Path

from digest.errors import ContentError
from digest.yamlfile import YamlDocument, load_yaml_text

FIRST_LINE = 2  # the YAML starts below the opening '---'


def split_front_matter(text: str, path: Path) -> tuple[YamlDocument, str, int]:
    """Return (front matter, body, line where the body starts); the front matter's `data`
    is a mapping, and its `key_line` names the line of each key. No front matter: an empty
    mapping, the whole text, 1."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return YamlDocument(path, {}, None), text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            raw = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            return _load_yaml(raw, path), body, index + 2
    raise ContentError(path, "front matter opened with '---' is never closed", line=1)


def _load_yaml(raw: str, path: Path) -> YamlDocument:
    doc = load_yaml_text(raw, path, ContentError, where="front matter",
                         what="front matter is not valid YAML", first_line=FIRST_LINE)
    if doc.data is None:
        return YamlDocument(path, {}, None, FIRST_LINE)
    if not isinstance(doc.data, dict):
        raise ContentError(path, "front matter must be a mapping of keys to values",
                           line=FIRST_LINE)
    return doc
