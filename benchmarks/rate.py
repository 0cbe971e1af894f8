"""The rate a paced run achieves, as the SMTP server sees it, against the configured rate.

    python benchmarks/rate.py                                # 50 msg/s, 250 messages
    python benchmarks/rate.py --rate 200 --messages 1000 --connections 8
    python benchmarks/rate.py --senders 3                    # 3 senders, one PostgreSQL ledger

Starts an SMTP server in a process of its own that notes when each MAIL FROM arrives,
runs `digest send --rate R` in another process (neither's timing is disturbed by the
other), and prints the rate the server saw, its ratio to R, and the shortest span of k+1
MAILs in a row against k/R (a ratio below 1 is a burst, or a late message catching up).
Nothing is asserted: on a busy machine these figures drift, which is why the tests check
the pacing on the rate limiter's own schedule instead (tests/test_rate_limit.py).

With `--senders N` (N > 1) the edition's ledger is a PostgreSQL database started for the
run (tests/support/postgres.py), `delivery.senders: N` is set, and N `digest send`
processes share the edition: each keeps to rate/N, and the server sees the edition as a
whole, which is what the configured rate is for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from send import WEEK, free_port, unattended, write_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.postgres import PostgresServer


class TimingHandler:
    def __init__(self, out: Path) -> None:
        self.out = out.open("a", encoding="utf-8", buffering=1)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        self.out.write(f"{time.monotonic():.6f}\n")
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 queued"


async def serve(port: int, out: Path) -> None:
    handler = TimingHandler(out)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def measure(rate: float, messages: int, connections: int, senders: int = 1) -> list[float]:
    """Send `messages` at `rate` through the CLI (`senders` processes sharing one PostgreSQL
    ledger when more than one); the server's MAIL times, sorted."""
    if senders > 1:
        with PostgresServer.started() as postgres, postgres.fresh_database() as database:
            return _measure(rate, messages, connections, senders, database.url)
    return _measure(rate, messages, connections, 1, None)


def _measure(rate: float, messages: int, connections: int, senders: int,
             database: str | None) -> list[float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        times = Path(tmp) / "mail-times.txt"
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(times)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            if server.stdout.readline().strip() != "ready":
                raise SystemExit("the timing server did not start")
            workspace = write_workspace(Path(tmp) / "ws", messages, connections, dkim=False)
            env = {**os.environ, "DIGEST_SECRET": "bench-secret",
                   "DIGEST_SMTP_URL": f"smtp://127.0.0.1:{port}"}
            command = [sys.executable, "-m", "digest", "send", "--workspace", str(workspace),
                       "--week", WEEK, "--connections", str(connections), "--rate", str(rate),
                       *unattended("send")]
            if database is not None:
                with open(workspace / "digest.yaml", "a", encoding="utf-8") as config:
                    config.write(f"\nstorage:\n  database: {database}\n")
                config_text = (workspace / "digest.yaml").read_text(encoding="utf-8")
                (workspace / "digest.yaml").write_text(config_text.replace(
                    "delivery:\n", f"delivery:\n  senders: {senders}\n", 1), encoding="utf-8")
                subprocess.run([sys.executable, "-m", "digest", "db", "migrate", "--workspace",
                                str(workspace)], env=env, check=True, capture_output=True)
            runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                    for _ in range(senders)]
            results = [(run.wait(), run.communicate()) for run in runs]
            result = subprocess.CompletedProcess(command, max(code for code, _ in results),
                                                 "", "\n".join(err for _, (_, err) in results))
        finally:
            server.terminate()
            server.wait(timeout=10)
        if result.returncode != 0:
            raise SystemExit(f"digest send failed:\n{result.stderr}")
        return sorted(float(line) for line in times.read_text().split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--messages", type=int, default=250)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--senders", type=int, default=1,
                        help="sender processes sharing the edition on a PostgreSQL ledger")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "OUTFILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(int(args.serve[0]), Path(args.serve[1])))
        return 0
    arrivals = measure(args.rate, args.messages, args.connections, args.senders)
    if len(arrivals) < 2:
        raise SystemExit(f"the server saw {len(arrivals)} message(s); nothing to measure")
    achieved = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    print(f"messages:  {len(arrivals)} over {args.connections} connections, burst 1"
          + (f", {args.senders} senders sharing the edition (PostgreSQL ledger)"
             if args.senders > 1 else ""))
    print(f"configured: {args.rate:8.2f} msg/s")
    print(f"achieved:   {achieved:8.2f} msg/s at the server")
    print(f"ratio:      {achieved / args.rate:8.3f}  (1.000 is the configured rate)")
    for k in (1, 5, 25):
        if k < len(arrivals):
            shortest = min(b - a for a, b in zip(arrivals, arrivals[k:], strict=False))
            print(f"shortest span of {k + 1:>2} MAILs: {shortest:.4f} s, "
                  f"{shortest / (k / args.rate):.2f} of {k}/rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
