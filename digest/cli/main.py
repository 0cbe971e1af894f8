"""Command line: parse arguments, call one use case, turn DigestError into message + exit code."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Sequence

from digest import __version__
from digest.cli import commands
from digest.errors import DigestError, ExitCode


def command_modules() -> list[str]:
    """Every module in digest.cli.commands with a register(subparsers) is a command.
    Importing one is cheap: `register` needs only argparse, and each handler imports what
    it runs when it runs (tests/test_command_imports.py keeps it so)."""
    names = [info.name for info in pkgutil.iter_modules(commands.__path__)]
    return sorted(name for name in names if name != "common")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Gather the week's articles, write excerpts, render one email, preview it "
        "and send it to your subscribers.",
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in command_modules():
        module = importlib.import_module(f"digest.cli.commands.{name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return int(code)
    except DigestError as error:
        print(f"error: {error}", file=sys.stderr)
        if os.environ.get("DIGEST_DEBUG") == "1":
            print_cause_chain(error)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("interrupted; rerun the same command to continue where it stopped",
              file=sys.stderr)
        return int(ExitCode.INTERRUPTED)


def print_cause_chain(error: BaseException) -> None:
    """DIGEST_DEBUG=1: the traceback of the error and of every cause behind it, including
    the ones `raise ... from None` hides from users."""
    link: BaseException | None = error
    seen: set[int] = set()
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        lines = traceback.format_exception(type(link), link, link.__traceback__, chain=False)
        print("".join(lines), end="", file=sys.stderr)
        link = link.__cause__ or link.__context__
        if link is not None:
            print("caused by:", file=sys.stderr)
