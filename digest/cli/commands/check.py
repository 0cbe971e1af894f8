"""`digest check`: validate config, content, authors, subscribers and templates."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from digest.cli.commands.common import add_workspace, settings_from, warn
from digest.errors import DigestError, ExitCode
from digest.weeks import week_of


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate config, content, authors, subscribers and templates",
        description="Read everything the weekly run reads and report every problem found, "
        "each with its file (and line where there is one). Sends nothing. Exit 1 on problems.",
    )
    add_workspace(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.audience.lists import stage_lists
    from digest.editorial.authors import AuthorRegistry, load_authors
    from digest.editorial.editions import build_edition
    from digest.rendering.compose import render_edition
    from digest.rendering.messages import MessageFactory
    from digest.sources import load_articles

    settings = settings_from(args)  # a broken digest.yaml stops here: nothing else can be read
    problems: list[str] = []
    loaded = load_articles(settings.path("content"), settings.tz)
    problems += [str(error) for error in loaded.errors]
    warn(loaded.warnings)
    registry = AuthorRegistry()
    try:
        registry = load_authors(settings.path("authors.yaml"))
    except DigestError as error:
        problems.append(str(error))
    with stage_lists(settings.path("subscribers")) as listed:
        problems += [str(error) for error in listed.errors]
        warn(listed.warnings())
        subscribers = listed.recipients
    # Render the newest week that has articles, so templates meet real content.
    newest = max((a.published for a in loaded.articles), default=datetime.now(settings.tz))
    try:
        edition = build_edition(loaded.articles, week_of(newest.astimezone(settings.tz)),
                                settings, registry)
        rendered = render_edition(edition, settings)
        warn(list(rendered.warnings))
        # Build its messages' parts once: headers that cannot be sent, HTML Gmail would clip.
        MessageFactory(rendered, settings, settings.secret or "check-only")
    except DigestError as error:
        problems.append(str(error))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"checked {len(loaded.articles)} article(s), {len(registry)} author(s), "
          f"{subscribers} subscriber(s): "
          f"{len(problems) or 'no'} problem(s)", file=sys.stderr)
    return ExitCode.PROBLEMS if problems else ExitCode.OK
