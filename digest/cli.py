"""Command line: parse arguments, call one use case, turn DigestError into message + exit code."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from digest import __version__
from digest.errors import DigestError

# Each command module has register(subparsers) and a run(args) -> int handler.
COMMANDS = ("init", "weekly", "preview", "check", "excerpt")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Gather the week's articles, write excerpts, render one email, preview it "
        "and send it to your subscribers.",
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"digest.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except DigestError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted; rerun the same command to continue where it stopped",
              file=sys.stderr)
        return 130
