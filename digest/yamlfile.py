"""Read YAML strictly and safely, keeping line numbers for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from digest.errors import LocatedError


class YamlDocument:
    """A parsed YAML file plus its node tree, so any key path can be traced to a line."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None) -> None:
        self.path = path
        self.data = data
        self._root = root

    def line_of(self, *keys: str | int) -> int | None:
        node = self._root
        for key in keys:
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                node = node.value[key] if key < len(node.value) else None
            else:
                node = None
            if node is None:
                return None
        return node.start_mark.line + 1 if node is not None else None


def read_yaml(path: Path, error: type[LocatedError]) -> YamlDocument:
    """safe_load only: `!!python/...` tags and the like are refused with file:line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"{context}: {problem}" if context else str(problem)
        raise error(path, f"invalid YAML: {message}", line=line) from None
    return YamlDocument(path, data, root)
