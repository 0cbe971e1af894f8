"""`digest init DIR`: a new newsletter workspace with commented config and samples."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from digest.cli import output
from digest.cli.commands.common import add_workspace
from digest.errors import DigestError, ExitCode

# Skeleton files stored under another name: a dot file may not survive packaging.
RENAMED = {"gitignore": ".gitignore"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "init",
        help="create a new newsletter workspace",
        description="Create DIR with digest.yaml (commented), content/ with a sample article, "
        "subscribers/ with a sample list, authors.yaml, an example edition file "
        "(editions/example.yaml) and a .gitignore that keeps the ledger, captured mail and "
        "keys out of git. Templates are not copied unless asked for (--template): the "
        "packaged ones are used, and later fixes to them keep reaching you. Existing files "
        "are never overwritten.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR", nargs="?",
                        help="folder to create (default: --workspace, else the current folder)")
    add_workspace(parser)
    parser.add_argument("--template", action="append", default=[], metavar="NAME",
                        dest="templates",
                        help="also copy this packaged template into templates/ to edit, e.g. "
                        "email.mjml.j2 or partials/footer.mjml.j2 (repeatable; `digest "
                        "templates list` shows them, `digest templates copy` copies later)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.template_files import copy_templates, template_name
    from digest.resources import skeleton_dir

    target: Path = args.directory or args.workspace
    if (target / "digest.yaml").exists():
        raise DigestError(f"{target / 'digest.yaml'}: already a workspace; nothing changed")
    for name in args.templates:
        template_name(name)  # a wrong name stops here, before anything is written
    created = []
    root = skeleton_dir()
    for source in sorted(root.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(root)
        destination = target / relative.parent / RENAMED.get(relative.name, relative.name)
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        created.append(destination)
    copied, _ = copy_templates(args.templates, target)
    for path in [*created, *copied]:
        output.info(f"  created {path}")
    output.info(f"workspace ready: cd {target} && digest check && digest preview")
    return ExitCode.OK
