"""Command line: parse arguments, call one use case, turn DigestError into message + exit code."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from digest import __version__
from digest.cli import commands, output
from digest.cli.output import COLOR_CHOICES, Verbosity
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
    parser.add_argument("--workspace", "-w", type=Path, default=Path("."), metavar="DIR",
                        help="newsletter folder holding digest.yaml (default: current folder)")
    add_global_options(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in command_modules():
        module = importlib.import_module(f"digest.cli.commands.{name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    for command in _subcommand_parsers(parser):
        add_global_options(command, top_level=False)
        for action in command._actions:
            if action.dest == "workspace":  # `digest -w DIR status` must keep its DIR
                action.default = argparse.SUPPRESS
    parser.set_defaults(root_parser=parser)  # `digest completion` walks the whole tree
    return parser


def add_global_options(parser: argparse.ArgumentParser, top_level: bool) -> None:
    """Options every command takes, before or after its name. After it they default to
    SUPPRESS, so that a value given before the name is not overwritten."""
    def default(value: object) -> object:
        return value if top_level else argparse.SUPPRESS

    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("--quiet", "-q", action="store_true", default=default(False),
                          help="say only what went wrong: warnings, errors, failures")
    loudness.add_argument("--verbose", "-v", action="store_true", default=default(False),
                          help="say more: the relay, the ledger, each readiness check")
    parser.add_argument("--color", choices=COLOR_CHOICES, default=default("auto"),
                        metavar="WHEN", help="colour on standard error: auto (on a terminal, "
                        "unless NO_COLOR is set), always or never (default: auto)")


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser below `parser`, nested ones (`subscribers count`) included."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                found += [child, *_subcommand_parsers(child)]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet and args.verbose:  # one before the command's name, one after
        parser.error("--quiet and --verbose do not go together")
    output.configure(Verbosity.QUIET if args.quiet else
                     Verbosity.VERBOSE if args.verbose else Verbosity.NORMAL, args.color)
    try:
        code: int = args.handler(args)
        sys.stdout.flush()  # a reader that went away shows here, not as a traceback at exit
        return int(code)
    except BrokenPipeError:
        # `digest status | head`: stop quietly, as Unix tools do; nothing more is written.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.BROKEN_PIPE)
    except DigestError as error:
        output.error(str(error))
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
