"""`digest preview`: render the edition and write previews only; sends nothing."""

from __future__ import annotations

import argparse
import webbrowser
from typing import TYPE_CHECKING

from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from, warn
from digest.errors import ExitCode
from digest.models import Subscriber

if TYPE_CHECKING:
    from digest.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="write the edition's previews (HTML, text, .eml) without sending",
        description="Render the week's edition and write out/<week>/index.html, index.txt "
        "and message.eml, and the archive page out/index.html listing every edition; "
        "print their paths. Connects to nothing.",
    )
    add_workspace(parser)
    add_week(parser)
    parser.add_argument("--as", dest="as_email", metavar="EMAIL",
                        help="preview as this subscriber from subscribers/ (default: a sample "
                        "subscriber, reader@example.org)")
    parser.add_argument("--screenshots", action="store_true",
                        help="also write out/<week>/mobile.png (375 px) and desktop.png "
                        "with headless Chromium")
    parser.add_argument("--open", action="store_true",
                        help="open the HTML preview in the default browser")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.pipeline import prepare_edition
    from digest.rendering.messages import MessageFactory
    from digest.rendering.previews import write_previews

    settings = settings_from(args)
    week = chosen_week(args, settings)
    prepared = prepare_edition(settings, week, with_subscribers=False)
    warn(prepared.warnings)
    if not prepared.edition.items:
        warn([f"no articles published in week {week}; the preview is empty"])
    subscriber = choose_subscriber(settings, args.as_email)
    # Previews are never sent, so a one-off secret is fine when DIGEST_SECRET is unset.
    factory = MessageFactory(prepared.rendered, settings, settings.secret or "preview-only")
    files = write_previews(factory, settings, subscriber, screenshots=args.screenshots)
    for path in (files.html, files.text, files.eml, *files.screenshots, files.archive):
        print(path)
    if args.open:
        webbrowser.open(files.html.as_uri())
    return ExitCode.OK


def choose_subscriber(settings: Settings, email: str | None) -> Subscriber:
    """The listed subscriber with this address; an unlisted address gets a sample one."""
    from digest.cli.subscriber_lookup import listed_subscriber
    from digest.rendering.previews import SAMPLE_SUBSCRIBER

    if not email:
        return SAMPLE_SUBSCRIBER
    address, subscriber = listed_subscriber(settings, email)
    if subscriber is not None:
        return subscriber
    warn([f"--as {address}: not on any list in subscribers/; previewing as an unnamed "
          "subscriber with that address"])
    return Subscriber(email=address)
