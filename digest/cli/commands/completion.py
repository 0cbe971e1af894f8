"""`digest completion bash|zsh`: print a shell completion script made from the parser."""

from __future__ import annotations

import argparse

from digest.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description="Print a completion script for every command, option and choice. Load it "
        "in your shell's start-up file: `source <(digest completion bash)` in ~/.bashrc, or "
        "`source <(digest completion zsh)` after compinit in ~/.zshrc.",
    )
    parser.add_argument("shell", choices=("bash", "zsh"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from digest.cli.completion import bash_script, zsh_script

    root: argparse.ArgumentParser = args.root_parser  # set by digest.cli.main
    print(bash_script(root) if args.shell == "bash" else zsh_script(root), end="")
    return ExitCode.OK
