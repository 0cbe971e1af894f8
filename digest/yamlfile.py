"""Read YAML strictly and safely, keeping line numbers for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml

from digest.errors import LocatedError

E = TypeVar("E", bound=LocatedError)


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
        raise located_yaml_error(exc, path, error) from None
    return YamlDocument(path, data, root)


def located_yaml_error(exc: yaml.YAMLError, path: Path, error: type[E],
                       what: str = "invalid YAML", first_line: int = 1) -> E:
    """The parser's complaint as `error` at `path:line`: "<what>: <problem>".

    `first_line` is the file's line number of the YAML text's first line (front matter
    starts below its `---`). A context that only says what the parser was doing ("while
    scanning a quoted scalar") is left out; one that is half the sentence is kept
    ("expected a single document in the stream, but found another document").
    """
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + first_line if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if context and not context.startswith("while "):
        problem = f"{context}, {problem}"
    return error(path, f"{what}: {problem}", line=line)
