"""`digest schedule`: the systemd timer it writes passes `systemd-analyze verify`, and the
crontab line is one well-formed line that runs `digest weekly --yes` at the right time in
the schedule's own time zone."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli.main import main
from tests.support.audience import digest_env, run_digest

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None and os.environ.get("CI") != "true",
    reason="systemd-analyze is not installed (Debian package systemd; .ci/run installs it)")


def letter(tmp_path: Path, schedule: str | None = None, name: str = "letter") -> Path:
    """A `digest init` workspace; `schedule` replaces its schedule: section."""
    target = tmp_path / name
    assert main(["init", str(target)]) == 0
    if schedule is not None:
        config = target / "digest.yaml"
        text = config.read_text(encoding="utf-8")
        start = text.index("schedule:")
        end = text.index("\ndelivery:")
        config.write_text(text[:start] + schedule + text[end:], encoding="utf-8")
    return target


@needs_systemd
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # A space and a % in the path: both need quoting or escaping in a unit file.
    root = letter(tmp_path, name="letters 100%")
    units = tmp_path / "units"
    result = run_digest("schedule", "-w", str(root), "--install", "--dir", str(units))
    assert result.returncode == 0, result.stderr
    service, timer = units / "digest-my-newsletter.service", units / "digest-my-newsletter.timer"
    verified = subprocess.run([str(SYSTEMD_ANALYZE), "verify", str(timer), str(service)],
                              capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr == "", verified.stderr  # not even a warning
    timer_text = timer.read_text(encoding="utf-8")
    assert "OnCalendar=Sun *-*-* 17:00:00 UTC\n" in timer_text  # the skeleton's schedule
    assert "Persistent=true" in timer_text
    service_text = service.read_text(encoding="utf-8")
    quoted = f'"{str(root).replace("%", "%%")}"'
    assert f"ExecStart={sys.executable} -m digest weekly --yes --workspace {quoted}\n" \
        in service_text
    calendar = subprocess.run([str(SYSTEMD_ANALYZE), "calendar", "Sun *-*-* 17:00:00 UTC"],
                              capture_output=True, text=True, timeout=60, check=True)
    assert "Normalized form: Sun *-*-* 17:00:00 UTC" in calendar.stdout


@needs_systemd
def test_a_broken_timer_is_what_verify_would_catch(tmp_path: Path) -> None:
    """The check above can fail: a timer whose calendar systemd cannot read is refused."""
    root = letter(tmp_path)
    units = tmp_path / "units"
    assert run_digest("schedule", "-w", str(root), "--install", "--dir", str(units)
                      ).returncode == 0
    timer = units / "digest-my-newsletter.timer"
    timer.write_text(timer.read_text(encoding="utf-8").replace("Sun *", "Sunnday *"),
                     encoding="utf-8")
    verified = subprocess.run([str(SYSTEMD_ANALYZE), "verify", str(timer)],
                              capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode != 0


def cron_fields(line: str) -> tuple[list[str], str]:
    """(the five time fields, the command as the shell gets it: cron's \\% made %)."""
    fields = line.split(maxsplit=5)
    assert len(fields) == 6, line
    command = fields[5]
    assert "%" not in command.replace("\\%", ""), "an unescaped % ends a cron command"
    return fields[:5], command.replace("\\%", "%")


@pytest.mark.parametrize(("system_zone", "minute"), [("UTC", "30"), ("Asia/Kolkata", "0")])
def test_the_cron_line_fires_at_the_schedules_time_in_its_zone(
        tmp_path: Path, system_zone: str, minute: str) -> None:
    root = letter(tmp_path, 'schedule:\n  weekday: mon\n  time: "07:00"\n'
                  "  timezone: Asia/Kolkata\n")
    result = run_digest("schedule", "--cron", "-w", str(root),
                        env=digest_env(TZ=system_zone))
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    times, command = cron_fields(line)
    # Every hour at the minute that is :00 in Kolkata (UTC+5:30), and a test of the time
    # there lets only Monday 07:00 through.
    assert times == [minute, "*", "*", "*", "*"]
    assert command.startswith('[ "$(TZ=Asia/Kolkata date +%u%H%M)" = 10700 ] && ')
    assert f"{shlex.quote(sys.executable)} -m digest weekly --yes --quiet --workspace " \
           f"{shlex.quote(str(root))}" in command
    assert line.endswith("# digest:digest-my-newsletter every Monday at 07:00 Asia/Kolkata")
    subprocess.run(["sh", "-n", "-c", command], check=True, timeout=30)  # the shell reads it
    # The guard's date format prints what it is compared with: weekday 1-7, hour, minute.
    shown = subprocess.run(["sh", "-c", "TZ=Asia/Kolkata date +%u%H%M"], capture_output=True,
                           text=True, timeout=30, check=True).stdout.strip()
    assert len(shown) == 5 and shown.isdigit() and shown[0] in "1234567"


def test_installing_into_a_crontab_file_replaces_only_its_own_line(tmp_path: Path) -> None:
    root = letter(tmp_path)
    crontab = tmp_path / "crontab"
    crontab.write_text("MAILTO=editor@saltings-weekly.net\n"
                       "15 3 * * * /usr/local/bin/backup  # nightly\n"
                       "0 * * * * old line  # digest:digest-my-newsletter every Friday\n",
                       encoding="utf-8")
    for _ in range(2):
        result = run_digest("schedule", "-w", str(root), "--install", "--crontab",
                            str(crontab))
        assert result.returncode == 0, result.stderr
    lines = crontab.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["MAILTO=editor@saltings-weekly.net",
                         "15 3 * * * /usr/local/bin/backup  # nightly"]
    assert len(lines) == 3 and "every Sunday at 17:00 UTC" in lines[2]
    cron_fields(lines[2])


def test_schedule_needs_its_section_and_names_a_bad_value(tmp_path: Path) -> None:
    root = letter(tmp_path, "")
    missing = run_digest("schedule", "-w", str(root))
    assert missing.returncode == 2
    assert f"error: {root / 'digest.yaml'}: no schedule: section; add one" in missing.stderr
    bad = letter(tmp_path, 'schedule:\n  weekday: funday\n  time: "25:00"\n', name="bad")
    result = run_digest("schedule", "-w", str(bad))
    assert result.returncode == 2
    line = (bad / "digest.yaml").read_text(encoding="utf-8").splitlines().index(
        "  weekday: funday") + 1
    assert f"{bad / 'digest.yaml'}:{line}: schedule.weekday: funday: use one of monday" \
        in result.stderr
    checked = run_digest("check", "-w", str(bad))
    assert checked.returncode == 1 and "schedule.weekday: funday" in checked.stderr
    typo = letter(tmp_path, "schedule:\n  weekdy: monday\n", name="typo")
    refused = run_digest("schedule", "-w", str(typo))
    assert refused.returncode == 2 and "did you mean 'weekday'?" in refused.stderr


def test_an_unquoted_time_is_read_as_written(tmp_path: Path) -> None:
    """YAML 1.1 reads 17:30 as the number 1050: the schedule reads the text instead."""
    root = letter(tmp_path, "schedule:\n  weekday: Friday\n  time: 17:30\n")
    result = run_digest("schedule", "--systemd", "-w", str(root))
    assert result.returncode == 0, result.stderr
    assert "OnCalendar=Fri *-*-* 17:30:00 UTC" in result.stdout


@needs_systemd
def test_the_serve_unit_in_deploy_md_passes_verify(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "DEPLOY.md").read_text(
        encoding="utf-8")
    unit = text.split("```ini\n", 1)[1].split("```", 1)[0]
    workspace = letter(tmp_path)
    unit = unit.replace("/srv/letter/.venv/bin/digest", f"{sys.executable} -m digest") \
               .replace("/srv/letter/news", str(workspace))
    path = tmp_path / "digest-serve.service"
    path.write_text(unit, encoding="utf-8")
    verified = subprocess.run([str(SYSTEMD_ANALYZE), "verify", str(path)],
                              capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
