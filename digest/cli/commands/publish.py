"""`digest publish DIR`: the public archive as a static site of anonymous web copies."""

from __future__ import annotations

import argparse
from pathlib import Path

from digest.cli.commands.common import add_workspace, settings_from
from digest.errors import DigestError, ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="write the public archive: an index and one anonymous page per edition",
        description="Write DIR/index.html, listing every edition in DIR newest first, and "
        "DIR/<week>/index.html for each edition sent so far (or each --week): the email as "
        "anyone may see it, with no reader's name, address or unsubscribe link. Serve DIR at "
        "newsletter.public_url/archive/, where the emails' 'View in browser' links point, or "
        "run `digest serve --site DIR`. DIR must be a folder of its own, not out/ (previews "
        "and captured mail) and not the workspace.",
    )
    add_workspace(parser)
    parser.add_argument("folder", metavar="DIR", type=Path, help="folder to write the site to")
    parser.add_argument("--week", action="append", metavar="YYYY-Www", default=[],
                        help="publish this edition, sent or not (repeat for several; "
                        "default: every edition the ledger shows sent)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.archive import EditionArchive
    from digest.rendering.web_copy import write_site
    from digest.weeks import parse_week

    settings = settings_from(args)
    folder = _own_folder(args.folder, settings.workspace, settings.out_dir)
    archive = EditionArchive(settings)
    weeks = [str(parse_week(week)) for week in args.week] or archive.sent_weeks()
    if not weeks:
        print("no edition has been sent yet: publishing an empty archive "
              "(name one with --week)")
    for path in write_site(folder, settings, {week: archive.render(week) for week in weeks}):
        print(path)
    return ExitCode.OK


def _own_folder(folder: Path, workspace: Path, out_dir: Path) -> Path:
    """The site goes where nothing private is: not into out/, beside previews (one reader's
    copy), .eml files and captured mail, nor around the workspace and its lists."""
    target = folder.resolve()
    if target == out_dir.resolve() or out_dir.resolve() in target.parents:
        raise DigestError(f"{folder}: inside out/, beside previews, .eml files and captured "
                          "mail; publish to a folder of its own")
    if target == workspace.resolve() or target in workspace.resolve().parents:
        raise DigestError(f"{folder}: holds the workspace (subscribers/, digest.db); "
                          "publish to a folder of its own")
    private = next((p for pattern in ("*.eml", "cur", "new") for p in target.rglob(pattern)),
                   None) if target.is_dir() else None
    if private is not None:
        raise DigestError(f"{folder}: holds {private.relative_to(target)} (mail); publish to "
                          "a folder of its own")
    return target
