"""`digest schedule`: print, or install, the systemd timer or crontab line that runs
`digest weekly --yes` at the time `schedule:` in digest.yaml sets."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from digest.cli import output
from digest.cli.commands.common import add_workspace, settings_from
from digest.errors import ConfigError, DigestError, ExitCode

if TYPE_CHECKING:
    from digest.cli.schedule_units import WeeklyJob

USER_UNITS = Path("~/.config/systemd/user")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="print or install the timer that runs `digest weekly --yes` every week",
        description="Print a systemd service and timer (where systemd runs, else a crontab "
        "line) that run `digest weekly --yes` for this workspace at schedule.weekday, "
        "schedule.time and schedule.timezone (default: newsletter.timezone) from "
        "digest.yaml. With --install, write them: the units to ~/.config/systemd/user (or "
        "--dir), the line into your crontab (or --crontab FILE). Secrets go in "
        "~/.config/digest/<unit>.env, which both read.",
    )
    add_workspace(parser)
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--systemd", action="store_const", const="systemd", dest="kind",
                      help="a systemd timer (default where systemd is running)")
    kind.add_argument("--cron", action="store_const", const="cron", dest="kind",
                      help="a crontab line (default where systemd is not running)")
    parser.add_argument("--install", action="store_true",
                        help="write the units or the crontab line instead of printing them")
    parser.add_argument("--dir", type=Path, metavar="DIR",
                        help=f"folder for the units (default: {USER_UNITS})")
    parser.add_argument("--crontab", type=Path, metavar="FILE",
                        help="with --cron --install: write into this crontab file (load it "
                        "with `crontab FILE`) instead of your crontab")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.schedule_config import EXAMPLE, read_schedule
    from digest.cli.schedule_units import WeeklyJob

    settings = settings_from(args)
    schedule = read_schedule(settings)
    if schedule is None:
        raise ConfigError(settings.path("digest.yaml"), f"no schedule: section; add one, "
                          f"e.g. {EXAMPLE}")
    # --dir names units, --crontab a crontab; else what this machine runs (sd_booted's test).
    kind = args.kind or ("systemd" if args.dir else "cron" if args.crontab else
                         "systemd" if Path("/run/systemd/system").is_dir() else "cron")
    program = (sys.executable, "-m", "digest", "weekly", "--yes")
    workspace = ("--workspace", str(settings.workspace))
    # Cron mails whatever a job prints: --quiet keeps that to what went wrong.
    command = (*program, "--quiet", *workspace) if kind == "cron" else (*program, *workspace)
    job = WeeklyJob(f"digest-{settings.newsletter.list_id}", settings.newsletter.name,
                    settings.workspace, command, schedule)
    if kind == "systemd":
        return _systemd(args, job)
    return _cron(args, job)


def _systemd(args: argparse.Namespace, job: WeeklyJob) -> int:
    from digest.cli.schedule_units import systemd_units

    units = systemd_units(job)
    folder = (args.dir or USER_UNITS).expanduser()
    if not args.install:
        for name, text in units.items():
            print(f"# {folder / name}\n{text}")
        output.info(f"write them with `digest schedule --install`; {job.when}")
        return ExitCode.OK
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in units.items():
        (folder / name).write_text(text, encoding="utf-8")
        output.info(f"  wrote {folder / name}")
    user = " --user" if folder == USER_UNITS.expanduser() else ""
    output.info(f"{job.when}. Next:\n"
                f"  put DIGEST_SECRET=... (and DIGEST_SMTP_PASSWORD=...) in "
                f"{job.secrets_file.replace('%h', '~')} (chmod 600)\n"
                f"  systemctl{user} daemon-reload && systemctl{user} enable --now "
                f"{job.unit}.timer")
    if user:
        output.info("  loginctl enable-linger $USER   # so it runs while you are logged out")
    return ExitCode.OK


def _cron(args: argparse.Namespace, job: WeeklyJob) -> int:
    from digest.cli.schedule_units import cron_line, merge_crontab

    line = cron_line(job)
    if not args.install:
        print(line)
        output.info(f"install it with `digest schedule --cron --install`; {job.when}")
        return ExitCode.OK
    if args.crontab:
        existing = args.crontab.read_text(encoding="utf-8") if args.crontab.is_file() else ""
        args.crontab.write_text(merge_crontab(existing, line, job.unit), encoding="utf-8")
        output.info(f"  wrote {args.crontab}; load it with `crontab {args.crontab}`")
        return ExitCode.OK
    listed = _crontab("-l")
    # `crontab -l` fails when there is no crontab yet: that is an empty one. Any other
    # failure stops here, before a crontab that could not be read is replaced.
    if listed.returncode != 0 and "no crontab" not in listed.stderr.lower():
        raise DigestError(f"crontab -l: {listed.stderr.strip() or 'could not read it'}")
    existing = listed.stdout if listed.returncode == 0 else ""
    written = _crontab("-", merge_crontab(existing, line, job.unit))
    if written.returncode != 0:
        raise DigestError(f"crontab: {written.stderr.strip() or 'could not install'}")
    output.info(f"  installed in your crontab ({os.environ.get('USER', 'this user')}): "
                f"{job.when}")
    return ExitCode.OK


def _crontab(flag: str, text: str | None = None) -> subprocess.CompletedProcess[str]:
    """`crontab -l` (read) or `crontab -` (replace with `text`)."""
    try:
        return subprocess.run(["crontab", flag], input=text, capture_output=True, text=True,
                              check=False, timeout=30)
    except FileNotFoundError:
        raise DigestError("crontab: not installed; install cron, or pass --crontab FILE, or "
                          "use --systemd") from None
