"""Nothing silent, nothing raw: inputs that used to end in a Python traceback (or a failure
with no place named) now stop with one line naming the file and line, and an exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from digest.delivery.ledger import Ledger, Outcome
from digest.delivery.states import DeliveryState
from digest.models import Subscriber
from tests.support.audience import digest_env, run_digest
from tests.support.sources import markdown
from tests.support.workspaces import WorkspaceFactory, write

pytestmark = pytest.mark.slow  # each test runs the command line as a child process

WEEK = "2026-W48"


def errors_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def front_matter(*lines: str) -> str:
    return "\n".join(["---", "title: An Article", *lines, "---", "", "The body.", ""])


@pytest.fixture
def workspace(tmp_path: Path, make_workspace: WorkspaceFactory) -> Path:
    return make_workspace(tmp_path / "ws", "sources", articles={
        "mill.md": markdown("Tide Mill Reopens", "2026-11-23T08:00:00")})


@pytest.mark.parametrize(("lines", "line", "message"), [
    (("date: 2026-13-45",), 3,
     "'2026-13-45' is not a real date (month must be in 1..12); write dates as YYYY-MM-DD"),
    (("author: Ana", "date: 2026-02-30"), 4,
     "'2026-02-30' is not a real date (day is out of range for month); write dates as "
     "YYYY-MM-DD"),
    (("date: 9999-12-31",), 3, "date 9999-12-31 is out of range (years 1900 to 2999)"),
    (("date: '9999-12-31T23:00:00-05:00'",), 3,
     "date 9999-12-31 is out of range (years 1900 to 2999)"),
    (("url: 'http://[::1/ferry'",), 3,
     "url 'http://[::1/ferry' is not an absolute http(s) URL (Invalid IPv6 URL)"),
    (("url: 'https://[::1]x/ferry'",), 3,
     "url 'https://[::1]x/ferry' is not an absolute http(s) URL (Invalid IPv6 URL)"),
])
def test_a_bad_date_or_url_in_front_matter_is_one_located_error(
        workspace: Path, lines: tuple[str, ...], line: int, message: str) -> None:
    path = write(workspace / "content" / "bad.md", front_matter(*lines))
    result = run_digest("articles", "--all", "-w", str(workspace))
    assert result.returncode == 1
    assert errors_of(result) == [f"error: {path}:{line}: {message}"]
    assert "Tide Mill Reopens" in result.stdout  # the other articles are still listed


def test_a_far_future_byline_date_in_scraped_text(workspace: Path) -> None:
    path = write(workspace / "content" / "ferry.txt", """\
        The Quay Post
        The Ferry Runs on Tides
        By Ana Lima | December 31, 9999
        The ferry now waits for the tide before it leaves the pier.
        """)
    result = run_digest("articles", "--all", "-w", str(workspace))
    assert result.returncode == 1
    assert errors_of(result) == [
        f"error: {path}:3: date 9999-12-31 is out of range (years 1900 to 2999)"]


def test_a_far_future_feed_date_counts_as_no_date(workspace: Path) -> None:
    path = write(workspace / "content" / "far.rss", """\
        <?xml version="1.0"?>
        <rss version="2.0"><channel><title>Far</title><link>https://far.example/</link>
        <item><title>From the future</title><link>https://far.example/a</link>
        <pubDate>Fri, 31 Dec 9999 23:00:00 -0500</pubDate><description>Text.</description>
        </item></channel></rss>
        """)
    result = run_digest("articles", "--all", "-w", str(workspace))
    assert (result.returncode, errors_of(result)) == (0, [])
    assert f"warning: {path}:3: entry 1 ('From the future'): no date; using the fetch time" \
        in result.stderr
    assert "From the future" in result.stdout


@pytest.mark.parametrize("command", ["articles", "preview"])
def test_a_far_future_week_on_the_command_line(workspace: Path, command: str) -> None:
    result = run_digest(command, "--week", "9999-W52", "-w", str(workspace))
    assert result.returncode == 1
    assert errors_of(result) == [
        "error: --week '9999-W52': the year must be from 1900 to 2999"]


def test_articles_exits_1_when_the_edition_file_cannot_be_followed(workspace: Path) -> None:
    path = write(workspace / "editions" / f"{WEEK}.yaml", "articles: [no-such-article]\n")
    result = run_digest("articles", "--week", WEEK, "-w", str(workspace))
    assert result.returncode == 1
    assert errors_of(result) == [f"error: {path}:1: no article matches 'no-such-article' (give "
                                 "a path, URL or slug; `digest articles --all` lists them)"]
    write(path, "subjct: Tides\n")  # an error gathering meets again when choosing: said once
    result = run_digest("articles", "--week", WEEK, "-w", str(workspace))
    assert result.returncode == 1
    assert errors_of(result) == [
        f"error: {path}:1: unknown key 'subjct' (did you mean 'subject'?)"]


@pytest.mark.parametrize("url", ["smtp://[::1", "smtp://[::1]x:25", "smtp://u@[fe80::1:25"])
def test_a_malformed_ipv6_smtp_url_in_the_environment(workspace: Path, url: str) -> None:
    result = run_digest("send", "--dry-run", "--week", WEEK, "-w", str(workspace),
                        env=digest_env(DIGEST_SMTP_URL=url))
    assert result.returncode == 2
    assert errors_of(result) == [
        "error: DIGEST_SMTP_URL: SMTP URL cannot be read: Invalid IPv6 URL"]


@pytest.mark.parametrize(("setting", "message"), [
    ("smtp:\n  url: capture\n  timeout: .nan", "smtp.timeout: must be a number >= 1, not nan"),
    ("smtp:\n  url: capture\n  connections: .inf",
     "smtp.connections: must be a number >= 1, not inf"),
    ("delivery:\n  rate: -.inf", "delivery.rate: must be a number >= 0, not -inf"),
    ("delivery:\n  retry_base: .NaN", "delivery.retry_base: must be a number >= 0, not nan")])
def test_nan_and_infinity_are_not_numbers_for_a_setting(
        tmp_path: Path, make_workspace: WorkspaceFactory, setting: str, message: str) -> None:
    """`timeout: .nan` used to pass every check and mark every recipient uncertain."""
    root = make_workspace(tmp_path / "ws", "sources", config=(
        "newsletter:\n  name: The Mudflat Review\n  from: news@mudflat.example\n"
        f"{setting}\n"))
    result = run_digest("send", "--dry-run", "--week", WEEK, "-w", str(root))
    assert result.returncode == 2
    line = 3 + setting.count("\n") + 1  # the setting's last line
    assert errors_of(result) == [f"error: {root / 'digest.yaml'}:{line}: {message}"]


def test_status_and_dry_run_after_subscribers_count_made_the_database(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    """`subscribers count` makes digest.db with the suppression store alone; the commands
    after it used to fail with "no such table: deliveries"."""
    root = make_workspace(tmp_path / "ws", "audience")
    assert run_digest("subscribers", "count", "-w", str(root)).returncode == 0
    status = run_digest("status", "--week", "2026-W11", "-w", str(root))
    assert (status.returncode, errors_of(status)) == (0, [])
    assert "week 2026-W11: nothing planned or sent yet" in status.stdout
    dry_run = run_digest("send", "--dry-run", "--week", "2026-W11", "-w", str(root))
    assert (dry_run.returncode, errors_of(dry_run)) == (0, [])
    assert "3 recipient(s), 0 already done, 3 would be sent now" in dry_run.stdout


def test_status_into_a_reader_that_stops_early_exits_quietly(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    """`digest status | head`: a BrokenPipeError traceback before; now exit 141, no word."""
    root = make_workspace(tmp_path / "ws", "audience")
    with Ledger(root / "digest.db") as ledger:
        ledger.plan(WEEK, ((Subscriber(f"reader{n}@example.org"), f"<m{n}@tidewater.example>")
                           for n in range(20_000)))
        ledger.record(WEEK, [Outcome(f"reader{n}@example.org", DeliveryState.FAILED,
                                              550, "no such user") for n in range(20_000)])
    child = subprocess.Popen([sys.executable, "-m", "digest", "status", "--week", WEEK, "-w",
                              str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=digest_env())
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline().startswith(f"week {WEEK}: 20000 recipient(s)".encode())
    child.stdout.close()  # what `head -1` does
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert stderr == ""
