"""Read YAML strictly and safely, keeping line numbers for error messages."""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from digest.errors import ConfigError, LocatedError
from digest.links import split_url

E = TypeVar("E", bound=LocatedError)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def unknown_key(key: object, known: Collection[str], what: str = "key") -> str:
    """"unknown key 'autor' (did you mean 'author'?)", else with the known keys: a typo in
    a key must never pass for a key left out."""
    close = difflib.get_close_matches(str(key), sorted(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
    return f"unknown {what} {str(key)!r} ({hint})"


class YamlDocument:
    """A parsed YAML file plus its node tree, so any key path can be traced to a line.
    `first_line` is the file's line of the YAML's first line (front matter starts on 2)."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None,
                 first_line: int = 1) -> None:
        self.path = path
        self.data = data
        self._root = root
        self._first_line = first_line

    def node_of(self, *keys: str | int) -> yaml.Node | None:
        node = self._root
        for key in keys:
            node = _child(node, key)
        return node

    def line_of(self, *keys: str | int) -> int | None:
        node = self.node_of(*keys)
        return node.start_mark.line + self._first_line if node is not None else None

    def key_line(self, *keys: str | int) -> int | None:
        """The line of the last key itself, not of its value (which may start below it)."""
        parent = self.node_of(*keys[:-1])
        for key, _ in parent.value if isinstance(parent, yaml.MappingNode) else ():
            if getattr(key, "value", None) == keys[-1]:
                return int(key.start_mark.line) + self._first_line
        return None


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        return next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    return None


def read_yaml(path: Path, error: type[LocatedError]) -> YamlDocument:
    """Safe loading only: `!!python/...` tags and the like, anchors and aliases, and dates
    no calendar has are refused with file:line (`load_yaml_text`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return load_yaml_text(text, path, error, where=path.name)


def load_yaml_text(text: str, path: Path, error: type[LocatedError], where: str,
                   what: str = "invalid YAML", first_line: int = 1) -> YamlDocument:
    """`text` (from `path`, starting at its line `first_line`) as a document. Anchors and
    aliases are refused (a few lines of them expand to gigabytes), and so is a date the
    calendar lacks (2026-13-45), each with its line."""
    refuse_anchors(text, path, error, where, what=what, first_line=first_line)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise located_yaml_error(exc, path, error, what, first_line) from None
    except (ValueError, OverflowError):  # only timestamps raise these while constructing
        raise _bad_date(root, path, error, first_line) from None
    finally:
        loader.dispose()
    return YamlDocument(path, data, root, first_line)


def _bad_date(root: yaml.Node | None, path: Path, error: type[E], first_line: int) -> E:
    """The first scalar that YAML reads as a date but no calendar has."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop(0)
        if isinstance(node, yaml.MappingNode):
            stack += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(node)
            except (ValueError, OverflowError) as exc:
                return error(path, f"{node.value!r} is not a real date ({exc}); write dates "
                             "as YYYY-MM-DD", node.start_mark.line + first_line)
    return error(path, "holds a value YAML cannot read", first_line)


def refuse_anchors(text: str, path: Path, error: type[LocatedError], where: str,
                   advice: str = "write each value out", what: str = "invalid YAML",
                   first_line: int = 1, allowed_tags: Collection[str] | None = None) -> None:
    """Anchors and aliases (and, given `allowed_tags`, any other tag) are refused with
    file:line, before anything is built from the text: no editor needs them, and an alias
    bomb of ten lines takes minutes and all the memory to expand."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + first_line if event.start_mark else None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise error(path, f"anchors and aliases (&name, *name) are not allowed in "
                            f"{where}; {advice}", line)
            tag = getattr(event, "tag", None)
            if allowed_tags is not None and tag and tag not in allowed_tags:
                raise error(path, f"YAML tag {tag} is not allowed in {where}", line)
    except yaml.YAMLError as exc:
        raise located_yaml_error(exc, path, error, what, first_line) from None


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
    file and line.

    `known` declares every section and key the code reads, in one place: a key the file
    holds that is not declared is an error (`refuse_unknown`), and reading a key that is not
    declared is a bug (AssertionError), so the declaration and the reads cannot drift apart.
    """

    def __init__(self, doc: YamlDocument, known: Mapping[str, Collection[str]]) -> None:
        self.doc = doc
        self.known = known

    def fail(self, keys: tuple[str | int, ...], message: str) -> ConfigError:
        where = ".".join(str(key) for key in keys)
        return ConfigError(self.doc.path, f"{where}: {message}", self.doc.line_of(*keys))

    def refuse_unknown(self) -> None:
        """Every section and key in the file is one the code reads: `audiance:` must not
        quietly leave the audience at its default (everyone)."""
        for section, value in (self.doc.data or {}).items():
            if str(section) not in self.known:
                raise ConfigError(self.doc.path, unknown_key(section, self.known, "section"),
                                  self.doc.key_line(str(section)))
            for key in value if isinstance(value, dict) else ():
                self.refuse_unknown_keys((str(section),), key, self.known[str(section)])

    def refuse_unknown_keys(self, where: tuple[str | int, ...], key: object,
                            known: Collection[str]) -> None:
        if str(key) not in known:
            parent = ".".join(map(str, where))
            raise ConfigError(self.doc.path, f"{parent}: {unknown_key(key, known)}",
                              self.doc.key_line(*where, str(key)))

    def section(self, key: str) -> dict[str, Any]:
        if key not in self.known:
            raise AssertionError(f"section {key!r} is read but not declared")
        value = (self.doc.data or {}).get(key) or {}
        if not isinstance(value, dict):
            raise self.fail((key,), "must be a mapping")
        return value

    def value(self, section: str, key: str, default: Any = None) -> Any:
        """The raw value of `section.key`, which must be declared."""
        if key not in self.known.get(section, ()):
            raise AssertionError(f"{section}.{key} is read but not declared")
        return self.section(section).get(key, default)

    def text(self, section: str, key: str, default: str | None = None) -> str | None:
        value = self.value(section, key, default)
        if value is None:
            return None
        if isinstance(value, bool | list | dict):
            raise self.fail((section, key), f"must be text, not {type(value).__name__}")
        return str(value)

    def number(self, section: str, key: str, default: float, minimum: float = 0) -> float:
        value = self.value(section, key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value < minimum:  # .nan passes `< minimum`
            raise self.fail((section, key), f"must be a number >= {minimum}, not {value!r}")
        return float(value)

    def flag(self, section: str, key: str, default: bool) -> bool:
        value = self.value(section, key, default)
        if not isinstance(value, bool):
            raise self.fail((section, key), "must be true or false")
        return value

    def names(self, section: str, key: str, what: str = "") -> tuple[str, ...]:
        """A list of plain names (one name alone is a list of one); `what`, when given,
        says the names are of files inside a folder, so a path is refused."""
        value = self.value(section, key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail((section, key), "must be a list of names")
        names = []
        for index, item in enumerate(value):
            name = item.strip() if isinstance(item, str) else ""
            if not name or (what and ("/" in name or "\\" in name or name.startswith("."))):
                raise ConfigError(self.doc.path, f"{section}.{key}: {item!r} must be a name"
                                  + (f" of {what}, not a path" if what else ""),
                                  self.doc.line_of(section, key, index))
            names.append(name)
        return tuple(names)

    def url_list(self, section: str, key: str) -> tuple[str, ...]:
        """A list of absolute http(s) URLs; a bad entry is named by its own line."""
        value = self.value(section, key) or []
        if not isinstance(value, list):
            raise self.fail((section, key), "must be a list of http(s) URLs")
        urls = []
        for index, item in enumerate(value):
            url = item.strip() if isinstance(item, str) else ""
            try:
                parts = split_url(url)
            except ValueError:
                parts = None
            if parts is None or parts.scheme.lower() not in ("http", "https") \
                    or not parts.netloc or any(ch.isspace() for ch in url):
                shown = url if isinstance(item, str) else item
                raise ConfigError(self.doc.path, f"{section}.{key}: {shown!r} is not an "
                                  "absolute http(s) URL", self.doc.line_of(section, key, index))
            urls.append(url)
        return tuple(urls)
