"""Read YAML strictly and safely, keeping line numbers for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml

from digest.errors import ConfigError, LocatedError

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


class SectionReader:
    """Typed access to a settings file's sections (`section.key`), with errors that name
    file and line."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc

    def fail(self, keys: tuple[str | int, ...], message: str) -> ConfigError:
        where = ".".join(str(key) for key in keys)
        return ConfigError(self.doc.path, f"{where}: {message}", self.doc.line_of(*keys))

    def section(self, key: str) -> dict[str, Any]:
        value = (self.doc.data or {}).get(key) or {}
        if not isinstance(value, dict):
            raise self.fail((key,), "must be a mapping")
        return value

    def text(self, section: str, key: str, default: str | None = None) -> str | None:
        value = self.section(section).get(key, default)
        if value is None:
            return None
        if isinstance(value, bool | list | dict):
            raise self.fail((section, key), f"must be text, not {type(value).__name__}")
        return str(value)

    def number(self, section: str, key: str, default: float, minimum: float = 0) -> float:
        value = self.section(section).get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail((section, key), f"must be a number >= {minimum}, not {value!r}")
        return float(value)

    def url_list(self, section: str, key: str) -> tuple[str, ...]:
        """A list of absolute http(s) URLs; a bad entry is named by its own line."""
        value = self.section(section).get(key) or []
        if not isinstance(value, list):
            raise self.fail((section, key), "must be a list of http(s) URLs")
        urls = []
        for index, item in enumerate(value):
            url = str(item).strip()
            parts = urlsplit(url)
            if isinstance(item, dict | list) or parts.scheme.lower() not in ("http", "https") \
                    or not parts.netloc or any(ch.isspace() for ch in url):
                raise ConfigError(self.doc.path, f"{section}.{key}: {url!r} is not an absolute "
                                  "http(s) URL", self.doc.line_of(section, key, index))
            urls.append(url)
        return tuple(urls)
