"""`digest preview`: render the edition and write previews only; sends nothing."""

from __future__ import annotations

import argparse
import webbrowser

from digest.commands.common import add_week, add_workspace, chosen_week, settings_from, warn
from digest.messages import MessageFactory
from digest.pipeline import prepare_edition
from digest.previews import write_previews


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="write the edition's previews (HTML, text, .eml) without sending",
        description="Render the week's edition and write out/<week>/index.html, index.txt "
        "and message.eml; print their paths. Connects to nothing.",
    )
    add_workspace(parser)
    add_week(parser)
    parser.add_argument("--open", action="store_true",
                        help="open the HTML preview in the default browser")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    week = chosen_week(args, settings)
    prepared = prepare_edition(settings, week, with_subscribers=False)
    warn(prepared.warnings)
    if not prepared.edition.items:
        warn([f"no articles published in week {week}; the preview is empty"])
    # Previews are never sent, so a one-off secret is fine when DIGEST_SECRET is unset.
    factory = MessageFactory(prepared.rendered, settings, settings.secret or "preview-only")
    files = write_previews(factory, settings)
    for path in (files.html, files.text, files.eml):
        print(path)
    if args.open:
        webbrowser.open(files.html.as_uri())
    return 0
