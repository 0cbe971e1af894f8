"""`digest init DIR`: a new newsletter workspace with commented config and samples."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from digest.cli.commands.common import add_workspace
from digest.errors import DigestError, ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "init",
        help="create a new newsletter workspace",
        description="Create DIR with digest.yaml (commented), content/ with a sample article, "
        "subscribers/ with a sample list, authors.yaml and a copy of the default templates "
        "to edit. Existing files are never overwritten.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR", nargs="?",
                        help="folder to create (default: --workspace, else the current folder)")
    add_workspace(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from digest.resources import default_templates_dir, skeleton_dir  # not for registering

    target: Path = args.directory or args.workspace
    if (target / "digest.yaml").exists():
        raise DigestError(f"{target / 'digest.yaml'}: already a workspace; nothing changed")
    created = []
    for source_root, destination_root in ((skeleton_dir(), target),
                                          (default_templates_dir(), target / "templates")):
        for source in sorted(source_root.rglob("*")):
            if source.is_dir() or "__pycache__" in source.parts:
                continue
            destination = destination_root / source.relative_to(source_root)
            if destination.exists():
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            created.append(destination)
    for path in created:
        print(f"  created {path}", file=sys.stderr)
    print(f"workspace ready: cd {target} && digest preview", file=sys.stderr)
    return ExitCode.OK
