"""What templates may do with subscriber values, checked in every branch before anything is sent.

The edition is rendered once for everyone and each subscriber's values are filled in later
(slots.py), so a template can print a value, give it a default, change its case or put it in
a URL, but not test, compare or otherwise transform it: that would be decided once, for all.
Rendering refuses such uses as it meets them; this module finds them in branches the week's
content did not take (an `{% if %}` that was false), and names fields no list has.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jinja2
from jinja2 import nodes

from digest.audience.csv_lists import open_csv
from digest.audience.list_files import list_files, read_list
from digest.errors import DigestError, TemplateError
from digest.rendering.slots import (
    CASE_FILTERS,
    DEFAULT_FILTERS,
    SUPPORTED,
    SlotMarker,
    refuse,
    unknown_field,
)

ALWAYS_KNOWN = frozenset({"email", "name"})
# Filters that may take text holding a marker without changing the marker. Not `safe_url`:
# it would check the marker, not the subscriber's link.
_PASSING_FILTERS = frozenset({"wrap", "attr", "e", "escape", "string", "safe"})
_CONDITIONS = (nodes.If, nodes.CondExpr, nodes.Test, nodes.Compare, nodes.Operand, nodes.And,
               nodes.Or, nodes.Not)


@dataclass(frozen=True)
class FieldUse:
    """`subscriber.<field>` at one place in a template."""

    field: str
    template: str  # the file
    line: int


def subscriber_columns(folder: Path) -> frozenset[str] | None:
    """Every field some subscriber list has (`email`, `name` and the other columns), or None
    when there are no lists to ask. Broken files are skipped: the lists' own check reports
    them."""
    if not folder.is_dir() or not (paths := list_files(folder)):
        return None
    columns = set(ALWAYS_KNOWN)
    for path in paths:
        try:
            if path.suffix == ".csv":  # the header says it all
                columns.update(name for name in open_csv(path)[0] if name)
            else:  # a YAML record may carry fields the others lack
                for entry in read_list(path):
                    if not isinstance(entry, DigestError):
                        columns.update(entry.fields)
        except DigestError:
            continue
    return frozenset(columns)


def guard_filters(env: jinja2.Environment) -> None:
    """Make every filter and test refuse a subscriber value it would read while rendering;
    the case filters and `default` instead become steps of the value's slot."""
    for name, function in list(env.filters.items()):
        env.filters[name] = _guarded(name, function, "filter")
    for name, test in list(env.tests.items()):
        env.tests[name] = _guarded(name, cast(Callable[..., Any], test), "test")


def _guarded(name: str, function: Callable[..., Any], kind: str) -> Callable[..., Any]:
    # Filters marked pass_context (or eval context, environment) get that first.
    first = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > first and isinstance(args[first], SlotMarker):
            if kind == "filter" and (name in CASE_FILTERS or name in DEFAULT_FILTERS):
                return args[first].then(name, *args[first + 1:first + 2])
            if kind != "filter" or name not in _PASSING_FILTERS:
                refuse(f"the {kind} `{name}` on a subscriber value")
        return function(*args, **kwargs)
    return guarded


def check_templates(env: jinja2.Environment, roots: Iterable[str],
                    known: Collection[str] | None) -> None:
    """Every template reachable from `roots` by name (include, import, extends): refuse
    unsupported uses of subscriber values, and fields that are not in `known`."""
    for use in field_uses(env, roots):
        if known is not None and use.field not in known:
            raise TemplateError(use.template, unknown_field(use.field, known), use.line)


def field_uses(env: jinja2.Environment, roots: Iterable[str]) -> Iterator[FieldUse]:
    """Every `subscriber.<field>` in the templates reachable from `roots` by a name written
    out (a name computed while rendering is left to the render's own checks); a use that
    is not supported raises TemplateError."""
    pending, seen = list(roots), set()
    while pending and env.loader is not None:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        source, filename, _ = env.loader.get_source(env, name)
        tree = env.parse(source, name, filename)
        yield from _uses(tree, [], filename or name)
        for reference in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport,
                                        nodes.Extends)):
            target = getattr(reference, "template", None)
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                pending.append(target.value)


def _uses(node: nodes.Node, parents: list[nodes.Node], template: str) -> Iterator[FieldUse]:
    if isinstance(node, nodes.Name) and node.name == "subscriber" and node.ctx == "load":
        used = _judge(node, parents[::-1], template)
        if used:
            yield used
    parents.append(node)
    for child in node.iter_child_nodes():
        yield from _uses(child, parents, template)
    parents.pop()


def _judge(name: nodes.Name, up: list[nodes.Node], template: str) -> FieldUse | None:
    """`up` runs from the parent outwards. Returns the field used, or raises."""
    def fail(what: str) -> TemplateError:
        return TemplateError(template, f"{what} is not supported: {SUPPORTED}", name.lineno)

    if not up or not (isinstance(up[0], nodes.Getattr) and up[0].node is name):
        if up and isinstance(up[0], nodes.Call | nodes.Keyword | nodes.Assign):
            return None  # handed on whole, to a macro or a variable: rendering checks its use
        raise fail("`subscriber` on its own (write subscriber.<column>)")
    field = up[0].attr
    value: nodes.Node = up[0]
    rest = up[1:]
    while rest:  # the supported steps: .in_url, .otherwise("x"), | upper, | default("x")
        step = rest[0]
        if isinstance(step, nodes.Getattr) and step.node is value and step.attr == "in_url":
            value, rest = step, rest[1:]
        elif (isinstance(step, nodes.Getattr) and step.node is value
              and step.attr == "otherwise" and len(rest) > 1
              and isinstance(rest[1], nodes.Call) and rest[1].node is step):
            value, rest = rest[1], rest[2:]
        elif (isinstance(step, nodes.Filter) and step.node is value
              and (step.name in CASE_FILTERS or step.name in DEFAULT_FILTERS)):
            value, rest = step, rest[1:]
        else:
            break
    for outer in rest:  # text around the value may be joined and escaped, nothing more
        if isinstance(outer, nodes.Concat) or (isinstance(outer, nodes.Filter)
                                               and outer.name in _PASSING_FILTERS):
            value = outer
            continue
        if isinstance(outer, _CONDITIONS):
            raise fail(f"a condition on subscriber.{field}")
        if isinstance(outer, nodes.Filter) and outer.node is value:
            raise fail(f"the filter `{outer.name}` on subscriber.{field}")
        if isinstance(outer, nodes.Getattr | nodes.Getitem | nodes.Slice) or (
                isinstance(outer, nodes.Call) and outer.node is value):
            raise fail(f"reading into subscriber.{field}")
        if isinstance(outer, nodes.For | nodes.BinExpr | nodes.UnaryExpr):
            raise fail(f"a loop or calculation on subscriber.{field}")
        break
    return FieldUse(field, template, name.lineno)
