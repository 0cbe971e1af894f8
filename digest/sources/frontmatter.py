"""Split YAML front matter from a Markdown file and read it safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from digest.errors import ContentError
from digest.yamlfile import located_yaml_error


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int]:
    """Return (metadata, body, line where the body starts). No front matter: ({}, text, 1)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            raw = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            return _load_yaml(raw, path), body, index + 2
    raise ContentError(path, "front matter opened with '---' is never closed", line=1)


def _load_yaml(raw: str, path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        # The YAML starts on line 2, below the opening '---'.
        raise located_yaml_error(error, path, ContentError, "front matter is not valid YAML",
                                 first_line=2) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContentError(path, "front matter must be a mapping of keys to values", line=2)
    return data
