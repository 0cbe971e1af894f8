"""`digest check`: validate config, content, authors, subscribers and templates."""

from __future__ import annotations

import argparse
from datetime import datetime

from digest.cli import output
from digest.cli.commands.common import add_workspace, settings_from, warn
from digest.errors import DigestError, ExitCode
from digest.weeks import week_of


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate config, content, authors, subscribers and templates",
        description="Read everything the weekly run reads and report every problem found, "
        "each with its file (and line where there is one). Sends nothing. Exit 1 on problems. "
        "Also warns of what a real send refuses without --force: placeholders `digest init` "
        "wrote, an http public_url, no DKIM key for a real relay, an author without a bio.",
    )
    add_workspace(parser)
    parser.add_argument("--json", action="store_true",
                        help="print the counts, problems and warnings as JSON on standard "
                        "output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.audience.lists import stage_lists
    from digest.cli.readiness import readiness_findings
    from digest.cli.schedule_config import read_schedule
    from digest.editorial.authors import AuthorRegistry, load_authors
    from digest.editorial.editions import build_edition
    from digest.models import Edition
    from digest.rendering.compose import render_edition
    from digest.rendering.messages import MessageFactory
    from digest.sources import load_articles

    settings = settings_from(args)  # a broken digest.yaml stops here: nothing else can be read
    problems: list[str] = []
    warnings: list[str] = []
    try:
        read_schedule(settings)
    except DigestError as error:
        problems.append(str(error))
    loaded = load_articles(settings.path("content"), settings.tz)
    problems += [str(error) for error in loaded.errors]
    warnings += loaded.warnings
    registry = AuthorRegistry()
    try:
        registry = load_authors(settings.path("authors.yaml"))
    except DigestError as error:
        problems.append(str(error))
    with stage_lists(settings.path("subscribers")) as listed:
        problems += [str(error) for error in listed.errors]
        warnings += listed.warnings()
        subscribers = listed.recipients
    # Render the newest week that has articles, so templates meet real content.
    newest = max((a.published for a in loaded.articles), default=datetime.now(settings.tz))
    edition: Edition | None = None
    try:
        edition = build_edition(loaded.articles, week_of(newest.astimezone(settings.tz)),
                                settings, registry)
        rendered = render_edition(edition, settings)
        warnings += rendered.warnings
        # Build its messages' parts once: headers that cannot be sent, HTML Gmail would clip.
        MessageFactory(rendered, settings, settings.secret or "check-only")
    except DigestError as error:
        problems.append(str(error))
    not_ready = readiness_findings(settings, edition)
    warn(warnings)
    warn(not_ready)
    for problem in problems:
        output.problem(problem)
    if not_ready:
        output.info(f"not ready for real readers: {len(not_ready)} warning(s) above; a send "
                    "through a real relay refuses them without --force")
    code = ExitCode.PROBLEMS if problems else ExitCode.OK
    output.outcome(f"checked {len(loaded.articles)} article(s), {len(registry)} author(s), "
                   f"{subscribers} subscriber(s): {len(problems) or 'no'} problem(s)",
                   ok=code == ExitCode.OK)
    if args.json:
        output.emit_json({"command": "check", "articles": len(loaded.articles),
                          "authors": len(registry), "subscribers": subscribers,
                          "problems": problems, "warnings": warnings, "not_ready": not_ready,
                          "exit_code": int(code)})
    return code
