"""Arguments and helpers several commands share."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from digest.cli import output
from digest.config import load_settings
from digest.settings import Settings
from digest.weeks import IsoWeek, parse_week, week_of


def add_workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", "-w", type=Path, default=Path("."), metavar="DIR",
                        help="newsletter folder holding digest.yaml (default: current folder)")


def add_week(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--week", metavar="YYYY-Www",
                        help="ISO week of the edition, e.g. 2026-W48 (default: this week)")


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(Path(args.workspace).resolve())


def chosen_week(args: argparse.Namespace, settings: Settings) -> IsoWeek:
    if getattr(args, "week", None):
        return parse_week(args.week)
    return week_of(datetime.now(settings.tz))


def warn(lines: list[str]) -> None:
    for line in lines:
        output.warning(line)
