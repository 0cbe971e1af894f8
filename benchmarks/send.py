"""Sending speed near the wire: `digest weekly` against Postfix's smtp-source, same sink.

    python benchmarks/send.py                   # the sample edition to 100,000 subscribers
    python benchmarks/send.py --messages 10000  # a quick run

Copies this repository's sample workspace (content/, authors.yaml, templates/,
digest.yaml: the edition `digest weekly --week 2026-W48` builds, at its real size), gives
it N generated subscribers, starts Postfix's `smtp-sink` on a free loopback port (Debian
package `postfix`) and runs `digest weekly` end to end in a process of its own (load,
select, render, previews, plan, claim, build, SMTP, record), unsigned, then signed with an
RSA-2048 key, then with an Ed25519 key, each in a fresh workspace; each once as digest
chooses (a large signed run builds its messages in one worker process per core, an
unsigned one in the sending process) and once the other way (DIGEST_BUILD_PROCESSES), to
show what that choice is worth. Before them, Postfix's `smtp-source` (C, no pipelining) sends
as many messages of the same size over the same number of reused connections to the same
sink. Prints each rate (the whole command, and digest's own figure for its sending
phase), the ratios (digest unsigned / smtp-source, signed / unsigned), the CPU digest used
per message (user + system, all its processes) and the machine's load average before
and after.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

WEEK = "2026-W48"
SAMPLE = Path(__file__).resolve().parent.parent  # the repository is the sample workspace
SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"
DIGEST_TARGET = 0.6  # digest unsigned / smtp-source
SIGNED_TARGET = 0.8  # digest signed / digest unsigned


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_workspace(root: Path, messages: int, connections: int,
                    dkim: str | bool = False) -> Path:
    """The sample workspace with `messages` subscribers; `dkim` is "rsa", "ed25519" or off."""
    root.mkdir(parents=True)
    for name in ("content", "templates", "editions"):
        if (SAMPLE / name).is_dir():
            shutil.copytree(SAMPLE / name, root / name)
    shutil.copy(SAMPLE / "authors.yaml", root / "authors.yaml")
    (root / "subscribers").mkdir()
    with open(root / "subscribers" / "readers.csv", "w", encoding="utf-8") as out:
        out.write("email,name,lists\n")
        for i in range(messages):
            out.write(f"reader{i}@bench.example,Reader Number {i},weekly\n")
    config = (SAMPLE / "digest.yaml").read_text(encoding="utf-8")
    config = config.replace("connections: 3 ", f"connections: {connections} ")
    if dkim:
        key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey = (
            ed25519.Ed25519PrivateKey.generate() if dkim == "ed25519"
            else rsa.generate_private_key(public_exponent=65537, key_size=2048))
        (root / "dkim.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        config += "\ndkim:\n  selector: bench\n  key: dkim.pem\n"
    (root / "digest.yaml").write_text(config, encoding="utf-8")
    return root


def start_sink(port: int) -> subprocess.Popen[bytes]:
    sink = subprocess.Popen([SINK, "-u", "nobody", f"127.0.0.1:{port}", "1024"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return sink
        except OSError:
            time.sleep(0.02)
    sink.kill()
    raise SystemExit(f"smtp-sink did not start on 127.0.0.1:{port}")


@dataclass(frozen=True)
class Run:
    sent: int
    seconds: float
    cpu_seconds: float  # user + system of the run's processes
    sending_rate: float = 0.0  # digest's own figure for its sending phase

    @property
    def rate(self) -> float:
        return self.sent / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / max(self.sent, 1)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_digest(root: Path, port: int, connections: int, build_processes: str | None) -> Run:
    """`digest weekly` end to end in its own process; the rate counts its whole run."""
    env = {**os.environ, "DIGEST_SECRET": "bench-secret",
           "DIGEST_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    env.pop("DIGEST_BUILD_PROCESSES", None)
    if build_processes is not None:
        env["DIGEST_BUILD_PROCESSES"] = build_processes
    cpu, started = children_cpu(), time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "digest", "weekly", "--workspace", str(root), "--week", WEEK,
         "--connections", str(connections), *unattended("weekly")],
        env=env, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"digest weekly failed ({result.returncode}):\n{result.stderr}")
    with sqlite3.connect(root / "digest.db") as db:
        sent = db.execute("SELECT COUNT(*) FROM deliveries WHERE state='sent'").fetchone()[0]
    summary = re.search(r"^done: .* ([\d.]+) msg/s", result.stderr, re.MULTILINE)
    return Run(sent, seconds, cpu, float(summary.group(1)) if summary else 0.0)


def run_digest_preview(root: Path) -> None:
    env = {**os.environ, "DIGEST_SECRET": "bench-secret"}
    subprocess.run([sys.executable, "-m", "digest", "preview", "--workspace", str(root),
                    "--week", WEEK], env=env, capture_output=True, check=True)


def unattended(command: str) -> list[str]:
    """--yes --force where the command has them: the sample's example.org-style addresses
    and missing DKIM key are what a real send should refuse, not what a benchmark tests."""
    usage = subprocess.run([sys.executable, "-m", "digest", command, "--help"],
                           capture_output=True, text=True, check=False).stdout
    return [flag for flag in ("--yes", "--force") if flag in usage]


def message_size(root: Path) -> int:
    """The size of one message as sent (the preview's message.eml is the same edition)."""
    found = sorted((root / "out").rglob("*.eml"))
    return found[0].stat().st_size if found else 0


def run_source(port: int, messages: int, connections: int, size: int) -> Run:
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run([SOURCE, "-d", "-s", str(connections), "-m", str(messages), "-l", str(size),
                    "-f", "news@bench.example", "-t", "reader@bench.example",
                    f"127.0.0.1:{port}"], check=True)
    return Run(messages, time.perf_counter() - started, children_cpu() - cpu)


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


KINDS = {"plain": "unsigned", "rsa": "+ RSA-2048", "ed25519": "+ Ed25519"}
CORES = str(len(os.sched_getaffinity(0)))


def other_way(kind: str) -> str:
    """DIGEST_BUILD_PROCESSES for the placement digest does not choose for `kind`."""
    return CORES if kind == "plain" else "0"


def describe(run: Run) -> str:
    return (f"{run.rate:6.0f} msg/s (sending {run.sending_rate:6.0f})  "
            f"{run.cpu_ms:.3f} ms CPU/msg")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--signed-messages", type=int, default=None,
                        help="messages for each signed run (default: --messages)")
    args = parser.parse_args()
    for tool in (SINK, SOURCE):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: install the Debian package postfix")
    signed_messages = args.signed_messages or args.messages
    load_before = load()
    port = free_port()
    sink = start_sink(port)
    runs: dict[tuple[str, str | None], Run] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            size = 0
            for kind in KINDS:
                for mode in (None, other_way(kind)):
                    root = write_workspace(
                        Path(tmp) / f"{kind}-{mode}",
                        args.messages if kind == "plain" else signed_messages,
                        args.connections, False if kind == "plain" else kind)
                    if not size:  # smtp-source first, at the size of the edition's message
                        run_digest_preview(root)
                        size = message_size(root)
                        source = run_source(port, args.messages, args.connections, size)
                    runs[kind, mode] = run_digest(root, port, args.connections, mode)
    finally:
        sink.terminate()
        sink.wait()
    plain = runs["plain", None]
    print(f"messages:       {plain.sent} of {size / 1024:.1f} KB (sample edition {WEEK}) "
          f"over {args.connections} connections, `digest weekly` end to end")
    print(f"load average:   {load_before} before, {load()} after ({os.cpu_count()} cores)")
    print(f"smtp-source:    {source.rate:6.0f} msg/s")
    for (kind, mode), run in runs.items():
        label = f"{KINDS[kind]}:" if mode is None else (
            "  built in-process:" if mode == "0" else f"  in {mode} builders:")
        if kind == "plain":
            ratio = f"ratio to smtp-source {run.rate / source.rate:.2f}"
            target = f" (target >= {DIGEST_TARGET})" if mode is None else ""
        else:
            ratio = f"ratio to unsigned {run.rate / plain.rate:.2f}"
            target = f" (target >= {SIGNED_TARGET})" if mode is None else ""
        print(f"{label:19}{describe(run)}  {ratio}{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
