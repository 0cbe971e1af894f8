"""`digest templates list | copy NAME...`: the packaged templates, and copying the few an
editor wants to change into the workspace."""

from __future__ import annotations

import argparse

from digest.cli import output
from digest.cli.commands.common import add_workspace
from digest.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "templates",
        help="list the packaged templates; copy one into the workspace to change it",
        description="A template in the workspace's templates/ overrides the packaged one of "
        "the same name; every other template stays the packaged one, so later fixes to it "
        "still reach your newsletter. Copy only what you change.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the packaged templates, and which ones the workspace "
                       "overrides")
    copy = actions.add_parser("copy", help="copy packaged templates into templates/ to edit",
                              description="Copy each NAME (a path under templates/ such as "
                              "partials/footer.mjml.j2, or a file name only one template has) "
                              "into the workspace's templates/. Existing files are kept.")
    copy.add_argument("names", nargs="+", metavar="NAME")
    for action in (parser, *actions.choices.values()):
        add_workspace(action)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from digest.cli.template_files import copy_templates, packaged_templates

    if args.action == "list":
        for name in packaged_templates():
            overridden = (args.workspace / "templates" / name).is_file()
            print(f"{name}{'  (overridden in templates/)' if overridden else ''}")
        return ExitCode.OK
    copied, kept = copy_templates(args.names, args.workspace)
    for path in copied:
        output.info(f"  copied {path}")
    for path in kept:
        output.warning(f"{path}: already there; left as it is")
    return ExitCode.OK
