"""Many senders on one ledger: 1, 2 and 4 `digest send` processes, one edition, one sink.

    python benchmarks/scale.py                       # 20,000 recipients
    python benchmarks/scale.py --recipients 5000     # a quick run

Writes the sample workspace (benchmarks/send.py's, unsigned) with N generated
subscribers, starts Postfix's `smtp-sink` on a free loopback port and a PostgreSQL cluster
of its own (tests/support/postgres.py, but with PostgreSQL's durable defaults: fsync,
synchronous_commit and full_page_writes on; --no-fsync runs it as the tests do), then
sends the one edition:

- on SQLite, one sender (the baseline: one machine, one sender);
- on PostgreSQL (`storage.database` a URL, a fresh database, `digest db migrate` first)
  with 1, 2 and 4 senders started together, each `digest send --yes` in a process of its
  own with a copy of the workspace and `delivery.senders: N`, as on N machines.

Throughput is measured end to end from the ledger itself: messages sent divided by the
time from the first claim to the last outcome. The last outcome is the largest
`updated_at` of the sent rows; the first claim is read by a poller that looks every
10 ms for the first row claimed or sent and takes the smallest `updated_at` among them (a
claimed row carries its claim time until its outcome replaces it). Rendering, planning and
a finished sender's wait for the others' leases are outside that span; the processes'
wall time, which includes them, is printed beside it.

Also printed: the senders' CPU (user + system of all their processes) per message; the
database's CPU, which on SQLite is inside the sender, and on PostgreSQL is the server's
processes' (postmaster and backends, from /proc, exited backends included through the
postmaster's children's times), split at the first claim into planning and sending; how
the sent rows fell to each sender; what the database holds and writes per message (the
ledger table with its indexes, or the SQLite file; on PostgreSQL also the WAL written and
the transactions committed, from pg_current_wal_lsn and pg_stat_database, planning
included, the poller's own reads taken off); the machine's cores and load average.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from send import (
    SINK,
    WEEK,
    children_cpu,
    free_port,
    load,
    message_size,
    run_digest_preview,
    start_sink,
    unattended,
    write_workspace,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scale_ledger import FirstClaim, Footprint, Ledger  # noqa: E402

import tests.support.postgres as postgres_support  # noqa: E402
from tests.support.postgres import PostgresServer, postgres_bin  # noqa: E402

SENDERS = (1, 2, 4)
# PostgreSQL's own defaults for durability (the test cluster turns them off for speed).
DURABLE = ("-c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
           " -c full_page_writes=on -c max_connections=60")


@dataclass(frozen=True)
class Result:
    engine: str
    senders: int
    sent: int
    span: float  # first claim to last outcome, seconds
    wall: float  # the sender processes, start to last exit
    sender_cpu: float  # seconds, all sender processes
    db_plan_cpu: float | None  # PostgreSQL's seconds before the first claim (None: SQLite)
    db_send_cpu: float | None  # and from it to the end
    shares: tuple[int, ...]  # sent rows per sender, largest first
    footprint: Footprint
    load_after: float

    @property
    def rate(self) -> float:
        return self.sent / self.span


def configure(root: Path, senders: int, database: str | None) -> None:
    """digest.yaml for N senders sharing `database` (None: the workspace's SQLite file)."""
    config = root / "digest.yaml"
    text = re.sub(r"^delivery:\n", f"delivery:\n  senders: {senders}\n",
                  config.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    if database:
        text += f"\nstorage:\n  database: {database}\n"
    config.write_text(text, encoding="utf-8")


def send_all(roots: list[Path], port: int, connections: int, flags: list[str],
             ledger: Ledger) -> Result:
    """Start one `digest send` per workspace at once, wait for all, read the ledger."""
    env = {**os.environ, "DIGEST_SECRET": "bench-secret",
           "DIGEST_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    env.pop("DIGEST_BUILD_PROCESSES", None)
    before = ledger.counters() if ledger.server else None
    db_start = ledger.cpu()
    poller = FirstClaim(ledger)
    cpu, started = children_cpu(), time.perf_counter()
    processes = [subprocess.Popen(
        [sys.executable, "-m", "digest", "send", "--workspace", str(root), "--week", WEEK,
         "--connections", str(connections), *flags],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for root in roots]
    poller.start()
    failures = []
    for process in processes:
        _, errors = process.communicate(timeout=3600)
        if process.returncode != 0:
            failures.append(f"digest send failed ({process.returncode}):\n{errors}")
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    poller.done.set()
    poller.join()
    if failures:
        raise SystemExit("\n".join(failures))
    if poller.at is None:
        raise SystemExit("no claim was seen in the ledger")
    db_end = ledger.cpu()
    plan_cpu = send_cpu = None
    if db_start is not None and db_end is not None:
        then = poller.cpu_then if poller.cpu_then is not None else db_start
        plan_cpu, send_cpu = then - db_start, db_end - then
    states = dict(ledger.query("SELECT state, COUNT(*) FROM deliveries WHERE edition={mark}"
                               " GROUP BY state"))
    ((last,),) = ledger.query("SELECT MAX(updated_at) FROM deliveries WHERE edition={mark}"
                              " AND state='sent'")
    shares = [n for (n,) in ledger.query(
        "SELECT COUNT(*) FROM deliveries WHERE edition={mark} AND state='sent'"
        " GROUP BY worker ORDER BY COUNT(*) DESC")]
    if set(states) != {"sent"}:
        raise SystemExit(f"every row should be sent; the ledger has {states}")
    return Result(ledger.engine, len(roots), states["sent"], float(last) - poller.at, wall,
                  cpu, plan_cpu, send_cpu, tuple(shares),
                  ledger.footprint(before, poller.polls), os.getloadavg()[0])


def measure(template: Path, senders: int, port: int, connections: int, flags: list[str],
            server: PostgresServer | None) -> Result:
    name = f"{'postgresql' if server else 'sqlite'}-{senders}"
    roots = [template.parent / f"{name}-{n}" for n in range(senders)]
    if server is None:
        shutil.copytree(template, roots[0])
        configure(roots[0], senders, None)
        return send_all(roots, port, connections, flags, Ledger(roots[0] / "digest.db"))
    with server.fresh_database() as database:
        for root in roots:
            shutil.copytree(template, root)
            configure(root, senders, database.url)
        subprocess.run([sys.executable, "-m", "digest", "db", "migrate", "--workspace",
                        str(roots[0])], check=True, capture_output=True)
        return send_all(roots, port, connections, flags,
                        Ledger(server=server, dbname=database.name))


def ms(seconds: float | None, messages: int) -> str:
    return "-" if seconds is None else f"{1000 * seconds / messages:.3f}"


def per(total: int | None, messages: int, digits: int = 0) -> str:
    return "-" if total is None else f"{total / messages:.{digits}f}"


def report(results: list[Result]) -> None:
    baseline = results[0]
    one = next(r for r in results if r.engine == "PostgreSQL" and r.senders == 1)
    print(f"{'ledger':<11}{'senders':>8}{'msg/s':>8}{'vs 1 sender':>12}{'vs SQLite':>10}"
          f"{'sender CPU':>11}{'db CPU s':>9}{'db plan':>9}{'db send':>9}{'wall s':>8}"
          f"{'load':>6}  sent per sender")
    print(f"{'':<11}{'':>8}{'':>8}{'':>12}{'':>10}{'ms/msg':>11}{'':>9}{'ms/msg':>9}"
          f"{'ms/msg':>9}{'':>8}{'1 min':>6}")
    for r in results:
        versus_one = (r.rate / one.rate) if r.engine == "PostgreSQL" else 1.0
        db_total = (f"{r.db_plan_cpu + r.db_send_cpu:.2f}"
                    if r.db_plan_cpu is not None and r.db_send_cpu is not None else "-")
        print(f"{r.engine:<11}{r.senders:>8}{r.rate:>8.0f}{versus_one:>12.2f}"
              f"{r.rate / baseline.rate:>10.2f}{ms(r.sender_cpu, r.sent):>11}{db_total:>9}"
              f"{ms(r.db_plan_cpu, r.sent):>9}{ms(r.db_send_cpu, r.sent):>9}{r.wall:>8.1f}"
              f"{r.load_after:>6.2f}  {' / '.join(map(str, r.shares))}")
    print(f"\n{'ledger':<11}{'senders':>8}{'db bytes':>10}{'WAL bytes':>11}{'xacts':>9}")
    print(f"{'':<11}{'':>8}{'per row':>10}{'per msg':>11}{'per msg':>9}")
    for r in results:
        f = r.footprint
        print(f"{r.engine:<11}{r.senders:>8}{per(f.size, r.sent):>10}{per(f.wal, r.sent):>11}"
              f"{per(f.commits, r.sent, 3):>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=4,
                        help="SMTP connections of each sender (default 4)")
    parser.add_argument("--no-fsync", action="store_true",
                        help="run PostgreSQL as the tests do (fsync, synchronous_commit and "
                        "full_page_writes off), to see what the commits' flushes cost")
    args = parser.parse_args()
    if not args.no_fsync:
        postgres_support._SETTINGS = DURABLE
    if not shutil.which(SINK):
        raise SystemExit(f"{SINK} not found: install the Debian package postfix")
    programs = postgres_bin()
    if programs is None:
        raise SystemExit("PostgreSQL not found: install the Debian package postgresql")
    load_before = load()
    flags = unattended("send")
    port = free_port()
    sink = start_sink(port)
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, PostgresServer.started() as server:
            template = write_workspace(Path(tmp) / "template", args.recipients,
                                       args.connections)
            run_digest_preview(template)
            size = message_size(template)
            shutil.rmtree(template / "out", ignore_errors=True)
            results.append(measure(template, 1, port, args.connections, flags, None))
            for senders in SENDERS:
                results.append(measure(template, senders, port, args.connections, flags,
                                       server))
    finally:
        sink.terminate()
        sink.wait()
    cores = len(os.sched_getaffinity(0))
    durability = "fsync off" if args.no_fsync else "fsync on"
    print(f"edition:      {args.recipients} recipients, {size / 1024:.1f} KB each (sample "
          f"edition {WEEK}, unsigned), {args.connections} SMTP connections per sender, "
          "one smtp-sink")
    print(f"PostgreSQL:   {programs.parent.name} ({durability}), on the same machine")
    print(f"machine:      {cores} cores, load average {load_before} before, {load()} after")
    print("msg/s:        sent / (last outcome - first claim), read from the ledger; "
          "db CPU: PostgreSQL's server processes (SQLite's is in the sender)")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
