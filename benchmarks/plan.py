"""Time to the first message and peak memory of planning, by list size; duplicate detection.

    python benchmarks/plan.py                         # 100,000 and 1,000,000 subscribers
    python benchmarks/plan.py --sizes 10000 100000    # a quick run
    python benchmarks/plan.py --sizes                 # only the duplicate detection

Copies this repository's sample workspace (its articles, authors and templates), gives it
generated subscriber lists (two CSV files, a handful of domains, one of them
internationalised, some addresses listed in both files and some rows unsubscribed), starts
an SMTP server (aiosmtpd, in this process) that notes when the first MAIL FROM arrives,
and runs `digest send` in a child process. From the child's start to that first MAIL is
the time to the first message: starting Python, reading the articles, rendering, reading,
checking and deduplicating the lists, and writing the plan. The child is then
interrupted (Ctrl-C: it hands back the rows it had claimed) and its peak resident memory
read from the kernel (wait4's ru_maxrss); planning is over by then and the sender holds a
few rows at a time, so that is the peak of loading and planning. Prints both figures per
size and the ratio of peak memory, largest size over smallest (target <= 1.20).

Then times duplicate detection over generated articles (the same story under other
titles and URL spellings, and near misses) with the old pairwise algorithm, kept in
tests/support/dedupe_reference.py, and the keyed one in digest/editorial/dedupe.py,
checks they find the same duplicates, and prints both times and their ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parent.parent  # the repository is the sample workspace
sys.path.insert(0, str(ROOT))

from digest.editorial.dedupe import deduplicate  # noqa: E402
from tests.support.dedupe_reference import (  # noqa: E402
    deduplicate_pairwise,
    generated_articles,
)

WEEK = "2026-W48"
DOMAINS = ("example.org", "mail.example.net", "post.example.com", "exämple.org",
           "lists.harbour.example.co.uk")
MEMORY_TARGET = 1.20  # peak memory at the largest size / at the smallest
FIRST_MESSAGE_TARGET = 3.0  # seconds to the first message at 100,000 subscribers


class FirstMail:
    """An SMTP handler that notes when the first MAIL FROM arrives and accepts everything."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.arrived = threading.Event()

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        if self.at is None:
            self.at = time.perf_counter()
            self.arrived.set()
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 queued"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_workspace(root: Path, subscribers: int) -> Path:
    """The sample edition with `subscribers` generated list rows in two files: one in ten
    rows of the second file repeats an address of the first, one in fifty is unsubscribed."""
    root.mkdir(parents=True)
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "authors.yaml", root / "authors.yaml")
    shutil.copy(ROOT / "digest.yaml", root / "digest.yaml")
    (root / "subscribers").mkdir()
    main_rows = subscribers * 9 // 10
    with open(root / "subscribers" / "readers.csv", "w", encoding="utf-8") as out:
        out.write("email,name,lists,city\n")
        for i in range(main_rows):
            out.write(f"reader.{i}@{DOMAINS[i % len(DOMAINS)]},Reader {i},weekly,"
                      f"Town {i % 97}\n")
    with open(root / "subscribers" / "members.csv", "w", encoding="utf-8") as out:
        out.write("email,name,status\n")
        for i in range(subscribers - main_rows):
            if i % 10 == 0:  # listed in readers.csv too: sent once, with a warning
                address = f"reader.{i}@{DOMAINS[i % len(DOMAINS)]}"
            else:
                address = f"member.{i}@{DOMAINS[i % len(DOMAINS)]}"
            status = "unsubscribed" if i % 50 == 1 else ""
            out.write(f"{address},Member {i},{status}\n")
    return root


def first_message(workspace: Path, subscribers: int) -> tuple[float, float]:
    """(seconds from the child's start to the first MAIL, the child's peak memory in MB)."""
    handler = FirstMail()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "DIGEST_SECRET": "bench-secret",
           "DIGEST_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    log = workspace / "send.log"
    try:
        with log.open("w") as stderr:
            started = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-m", "digest", "send", "--workspace", str(workspace),
                 "--week", WEEK], env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                preexec_fn=_interruptible)
            while not handler.arrived.wait(0.05):
                if child.poll() is not None:
                    raise SystemExit(f"digest send ended before any message ({subscribers} "
                                     f"subscribers):\n{log.read_text()[-3000:]}")
            child.send_signal(signal.SIGINT)
            killer = threading.Timer(30, _kill, (child.pid,))  # should it not stop by then
            killer.daemon = True
            killer.start()
            _, status, usage = os.wait4(child.pid, 0)
            killer.cancel()
            child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        controller.stop()
    assert handler.at is not None
    return handler.at - started, usage.ru_maxrss / 1024


def _interruptible() -> None:
    """In the child: Ctrl-C (SIGINT) interrupts it, even when this benchmark was started in
    the background (where shells have children ignore SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        os.kill(pid, signal.SIGKILL)


def time_dedupe(count: int) -> tuple[float, float, bool, int]:
    """(old seconds, new seconds, same result, duplicates found) over `count` articles."""
    articles = generated_articles(count)
    started = time.perf_counter()
    old_kept, old_dropped = deduplicate_pairwise(articles)
    old_seconds = time.perf_counter() - started
    started = time.perf_counter()
    new_kept, new_dropped = deduplicate(articles)
    new_seconds = time.perf_counter() - started
    same = old_kept == new_kept and old_dropped == new_dropped
    return old_seconds, new_seconds, same, count - len(new_kept)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000],
                        metavar="N", help="subscriber counts to plan (default: 100000 1000000)")
    parser.add_argument("--articles", type=int, default=800,
                        help="articles for the duplicate detection (default: 800)")
    args = parser.parse_args()
    results: list[tuple[int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            workspace = write_workspace(Path(tmp) / f"ws{size}", size)
            seconds, peak_mb = first_message(workspace, size)
            results.append((size, seconds, peak_mb))
            shutil.rmtree(workspace)
    if results:
        print(f"{'subscribers':>12}  {'first message':>13}  {'peak memory':>11}")
        for size, seconds, peak_mb in results:
            print(f"{size:>12,}  {seconds:>11.2f} s  {peak_mb:>8.0f} MB")
        if len(results) > 1:
            (small, _, small_mb), (large, _, large_mb) = results[0], results[-1]
            print(f"peak memory {large:,} / {small:,}: {large_mb / small_mb:.2f} "
                  f"(target <= {MEMORY_TARGET:.2f})")
    old, new, same, found = time_dedupe(args.articles)
    print(f"dedupe, {args.articles} articles ({found} duplicates): pairwise {old:.3f} s, "
          f"keyed {new:.4f} s, {old / new:.0f}x; same duplicates: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
