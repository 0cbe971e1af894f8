"""What the commands say on standard error, how much of it (--quiet, --verbose), in colour
or not (--color, NO_COLOR). Results a script reads (paths, tables, --json) go to standard
output and never pass through here.

main() configures it once per invocation; everything else only calls the functions.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from enum import IntEnum
from typing import TextIO


class Verbosity(IntEnum):
    QUIET = 0  # warnings, errors and what went wrong; nothing when all is well
    NORMAL = 1
    VERBOSE = 2  # also the details: relay, ledger, readiness checks passed


COLOR_CHOICES = ("auto", "always", "never")

# SGR codes: bold, and foreground colours.
_STYLES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "dim": "2"}


@dataclass
class _State:
    verbosity: Verbosity = Verbosity.NORMAL
    color: str = "auto"


_state = _State()


def configure(verbosity: Verbosity = Verbosity.NORMAL, color: str = "auto") -> None:
    _state.verbosity, _state.color = verbosity, color


def verbosity() -> Verbosity:
    return _state.verbosity


def colored(stream: TextIO) -> bool:
    """--color always, or on a terminal unless NO_COLOR is set (https://no-color.org) or
    the terminal is dumb; an explicit --color wins over NO_COLOR, as that convention asks."""
    if _state.color != "auto":
        return _state.color == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str, stream: TextIO | None = None) -> str:
    if not colored(stream or sys.stderr):
        return text
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def info(text: str) -> None:
    """A line of what is happening: shown unless --quiet."""
    if _state.verbosity >= Verbosity.NORMAL:
        print(text, file=sys.stderr, flush=True)


def detail(text: str) -> None:
    """A line only --verbose shows."""
    if _state.verbosity >= Verbosity.VERBOSE:
        print(paint(text, "dim"), file=sys.stderr, flush=True)


def warning(text: str) -> None:
    """Always shown, even with --quiet: something the editor should look at."""
    print(f"{paint('warning:', 'yellow')} {text}", file=sys.stderr, flush=True)


def error(text: str) -> None:
    print(f"{paint('error:', 'red')} {text}", file=sys.stderr, flush=True)


def problem(text: str) -> None:
    """A line of a problem report (file:line: what): shown even with --quiet."""
    print(text, file=sys.stderr, flush=True)


def outcome(text: str, ok: bool) -> None:
    """The closing line of a run: green when all went well, red when not; --quiet shows it
    only when something went wrong."""
    if ok and _state.verbosity < Verbosity.NORMAL:
        return
    print(paint(text, "green" if ok else "red"), file=sys.stderr, flush=True)


def emit_json(summary: object) -> None:
    """A --json summary: one JSON document on standard output."""
    json.dump(summary, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()
