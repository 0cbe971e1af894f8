"""Read one YAML subscriber list: a list of records with the same fields as the CSV columns.

The file is never constructed into Python objects: its node tree is read directly, so
`!!python/...` tags cannot run, aliases cannot multiply (alias bombs), and every value
keeps the exact text the editor wrote. Where text belongs (address, name, status, tags), a
bare `no`, `on`, `1e3` or `~` is an error: YAML readers disagree on what such words mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import get_close_matches
from pathlib import Path
from typing import cast

import yaml
from yaml.error import Mark

from digest.audience.csv_lists import decode_utf8
from digest.audience.records import TAG_COLUMNS, Entry, make_entry, normalise_column, split_tags
from digest.errors import RecordProblem, SubscriberError
from digest.yamlfile import located_yaml_error, refuse_anchors, unknown_key

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {f"{_CORE}{name}" for name in
                 ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}
TEXT_KEYS = ("email", "name", "status")
KNOWN_FIELDS = (*TEXT_KEYS, *TAG_COLUMNS)
# Plain words that YAML 1.1 or 1.2 reads as booleans, nulls or numbers.
_NOT_TEXT = re.compile(
    r"""^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
        |~|null|Null|NULL|[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
        |[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+)
        |(?=[-+]?[._]*[0-9])[-+]?[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9]+)?)$""",
    re.VERBOSE,
)


def _kind(node: yaml.ScalarNode) -> str:
    """How a YAML reader may take a plain scalar: boolean, null, number, date or text."""
    if node.style is None:
        if node.tag == f"{_CORE}bool" or node.value.lower() in {
                "y", "n", "yes", "no", "on", "off", "true", "false"}:
            return "a boolean"
        if node.tag == f"{_CORE}null" or node.value in ("", "~") or node.value.lower() == "null":
            return "empty (null)"
        if node.tag == f"{_CORE}timestamp":
            return "a date"
        if node.tag in (f"{_CORE}int", f"{_CORE}float") or (
                node.value and _NOT_TEXT.match(node.value)):
            return "a number"
    if node.tag != f"{_CORE}str":
        return f"tagged {node.tag}"
    return "text"


def looks_misspelt(field: str) -> bool:
    """Any field is the editor's own (`city`, `fname`, `email2`, for templates), unless it
    looks like a field digest reads, misspelt: close to it, with its first letter and no
    digit (`stauts`, `emial`, `tgas`). `stauts: unsubscribed` must not leave a reader
    subscribed without a word."""
    close = get_close_matches(field, KNOWN_FIELDS, 1, 0.75)
    return field not in KNOWN_FIELDS and bool(close) and close[0][0] == field[:1] \
        and not any(char.isdigit() for char in field)


def refuse_tricks(path: Path, text: str) -> None:
    """Anchors, aliases and explicit tags are never needed in a subscriber list."""
    refuse_anchors(text, path, SubscriberError, "subscriber lists",
                   advice="write each record out", allowed_tags=_ALLOWED_TAGS)


def _text(key: str, node: yaml.Node, strict: bool) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise RecordProblem(f"{key}: must be a single value, not a list or mapping")
    kind = _kind(node)
    if strict and kind != "text":
        raise RecordProblem(f"{key}: {node.value!r} is read as {kind} in YAML; "
                            f"put it in quotes if it is meant as text")
    return "" if kind == "empty (null)" else str(node.value)


def _tags(key: str, node: yaml.Node) -> set[str]:
    if isinstance(node, yaml.SequenceNode):
        tags: set[str] = set()
        for item in node.value:
            tags |= split_tags(_text(key, item, strict=True))
        return tags
    return split_tags(_text(key, node, strict=True))


def read_record(node: yaml.Node) -> tuple[dict[str, str], set[str]]:
    if not isinstance(node, yaml.MappingNode):
        raise RecordProblem("must be a mapping such as `- email: reader@example.org`")
    values: dict[str, str] = {}
    tags: set[str] = set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or _kind(key_node) != "text":
            raise RecordProblem(f"field name {getattr(key_node, 'value', '?')!r} must be text")
        key = normalise_column(key_node.value)
        if looks_misspelt(key):
            raise RecordProblem(f"{unknown_key(key, KNOWN_FIELDS, 'field')}; a field of "
                                "your own needs a name unlike the ones digest reads")
        if key in values:
            raise RecordProblem(f"field {key} appears twice")
        if key in TAG_COLUMNS:
            tags |= _tags(key, value_node)
            values[key] = ";".join(sorted(_tags(key, value_node)))
        else:
            # Custom fields keep the text as written: a ZIP code 01234 stays "01234".
            values[key] = _text(key, value_node, strict=key in TEXT_KEYS)
    return values, tags


def read_yaml_list(path: Path) -> Iterator[Entry | SubscriberError]:
    """An entry for each good record and an error for each bad one, in file order. The
    text is checked for tricks whole, then composed one record at a time (a node tree of
    the whole file would take ten times its size). A problem with the file itself is
    raised as SubscriberError, possibly after some records."""
    text = decode_utf8(path)
    refuse_tricks(path, text)
    loader = yaml.SafeLoader(text)
    try:
        yield from _records(path, loader)
    except yaml.YAMLError as error:  # e.g. two documents in one file
        raise located_yaml_error(error, path, SubscriberError) from None
    finally:
        loader.dispose()


def _records(path: Path, loader: yaml.SafeLoader) -> Iterator[Entry | SubscriberError]:
    """What yaml.compose would check of the document, without holding the whole tree."""
    _next_event(loader)  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return  # an empty file is an empty list
    _next_event(loader)  # document start
    if not loader.check_event(yaml.SequenceStartEvent):
        raise SubscriberError(path, "must be a list of records, each starting with "
                              "`- email: ...`", _compose(loader, 0).start_mark.line + 1)
    start = _next_event(loader)
    number = 0
    while not loader.check_event(yaml.SequenceEndEvent):
        node = _compose(loader, number)
        number += 1
        line = node.start_mark.line + 1
        try:
            values, tags = read_record(node)
            yield make_entry(values, tags, path.stem, f"{path.parent.name}/{path.name}:{line}")
        except RecordProblem as problem:
            yield SubscriberError(path, f"record {number}: {problem}", line)
    _next_event(loader)  # sequence end
    _next_event(loader)  # document end
    if not loader.check_event(yaml.StreamEndEvent):  # what yaml.compose says of it
        raise yaml.composer.ComposerError(
            "expected a single document in the stream", cast(Mark, start.start_mark),
            "but found another document", cast(Mark, _next_event(loader).start_mark))


def _next_event(loader: yaml.SafeLoader) -> yaml.Event:
    event: yaml.Event = loader.get_event()  # type: ignore[no-untyped-call]
    return event


def _compose(loader: yaml.SafeLoader, index: int) -> yaml.Node:
    node = loader.compose_node(None, index)
    assert node is not None  # there is an event to compose: checked by the caller
    return node
