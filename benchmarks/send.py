"""Sending speed near the wire: digest's sender against Postfix's smtp-source, same sink.

    python benchmarks/send.py                  # 20,000 messages of about 60 KB
    python benchmarks/send.py --messages 2000  # a quick run

Starts Postfix's `smtp-sink` on a free loopback port (Debian package `postfix`), sends N
personalised messages through the real pipeline and ledger (plan, claim, build, SMTP,
record), then has `smtp-source` (Postfix's C load generator) send as many messages of the
same size over the same number of reused connections to the same sink. Prints both rates,
their ratio, the rate with DKIM signing on (RSA-2048), and peak memory.
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from digest.cli.pipeline import prepare_edition
from digest.cli.report import Report
from digest.config import load_settings
from digest.delivery.use_cases import plan_and_send
from digest.rendering.messages import MessageFactory
from digest.weeks import parse_week

WEEK = "2026-W48"
SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"
PARAGRAPH = ("The council met on {day} to discuss the {topic} and heard from residents, "
             "traders and the harbour office about what the change would mean for the "
             "quay, the market and the boats that land there each morning. ")
TOPICS = ["ferry timetable", "sea wall", "market hall", "tide gauge", "cycle lane",
          "lifeboat station", "fish auction", "harbour lights", "river bridge", "school run",
          "allotments", "bus depot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_workspace(root: Path, messages: int, connections: int, dkim: bool) -> Path:
    """Twelve articles (about 60 KB of email) and `messages` subscribers."""
    (root / "content").mkdir(parents=True)
    (root / "subscribers").mkdir()
    for number, topic in enumerate(TOPICS):
        body = "\n\n".join(PARAGRAPH.format(day=day, topic=topic)
                           for day in ("Monday", "Tuesday", "Wednesday", "Thursday"))
        (root / "content" / f"a{number}.md").write_text(
            f"---\ntitle: \"News about the {topic}\"\nauthor: Writer {number}\n"
            f"date: 2026-11-{23 + number % 5}T09:00:00\n"
            f"url: https://bench.example/{number}\n---\n{body}\n", encoding="utf-8")
    with open(root / "subscribers" / "list.csv", "w", encoding="utf-8") as out:
        out.write("email,name,city\n")
        for i in range(messages):
            out.write(f"reader{i}@bench.example,Reader Number {i},Town {i % 97}\n")
    config = (
        "newsletter:\n  name: Bench Weekly\n  from: \"Bench <news@bench.example>\"\n"
        "  timezone: UTC\n  public_url: https://bench.example\n"
        f"smtp:\n  url: smtp://127.0.0.1:1\n  connections: {connections}\n"
        "selection:\n  max_articles: 12\n"
    )
    if dkim:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (root / "dkim.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        config += "dkim:\n  selector: bench\n  key: dkim.pem\n"
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


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_digest(root: Path, port: int) -> tuple[float, int, int, float]:
    """(messages per second, messages sent, message size, MB the send added to peak memory)."""
    settings = load_settings(root, env={"DIGEST_SMTP_URL": f"smtp://127.0.0.1:{port}"})
    prepared = prepare_edition(settings, parse_week(WEEK))
    factory = MessageFactory(prepared.rendered, settings, "bench-secret")
    size = len(factory.build(prepared.subscribers[0]))
    report = Report(stream=io.StringIO())
    # The list and the rendered edition are in memory already; sending streams ledger rows,
    # so what it adds to the peak should not grow with the number of messages.
    before = max_rss_mb()
    started = time.perf_counter()
    counts = plan_and_send(settings, factory, prepared.subscribers, report)
    elapsed = time.perf_counter() - started
    return counts["sent"] / elapsed, counts["sent"], size, max_rss_mb() - before


def run_source(port: int, messages: int, connections: int, size: int) -> float:
    started = time.perf_counter()
    subprocess.run([SOURCE, "-d", "-s", str(connections), "-m", str(messages), "-l", str(size),
                    "-f", "news@bench.example", "-t", "reader@bench.example",
                    f"127.0.0.1:{port}"], check=True)
    return messages / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--dkim-messages", type=int, default=None,
                        help="messages for the DKIM run (default: --messages)")
    args = parser.parse_args()
    for tool in (SINK, SOURCE):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: install the Debian package postfix")
    port = free_port()
    sink = start_sink(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plain = write_workspace(Path(tmp) / "plain", args.messages, args.connections, False)
            rate, sent, size, send_growth_mb = run_digest(plain, port)
            peak_mb = max_rss_mb()
            source_rate = run_source(port, args.messages, args.connections, size)
            signed = write_workspace(Path(tmp) / "dkim", args.dkim_messages or args.messages,
                                     args.connections, True)
            dkim_rate, dkim_sent, _, _ = run_digest(signed, port)
    finally:
        sink.terminate()
        sink.wait()
    print(f"messages: {sent} of {size / 1024:.1f} KB over {args.connections} connections")
    print(f"digest:        {rate:8.0f} msg/s")
    print(f"smtp-source:   {source_rate:8.0f} msg/s")
    print(f"ratio:         {rate / source_rate:8.2f}  (target >= 0.40)")
    print(f"digest + DKIM: {dkim_rate:8.0f} msg/s  ({dkim_sent} messages, RSA-2048)")
    print(f"peak memory:   {peak_mb:8.0f} MB (process, after the plain run)")
    print(f"added by send: {send_growth_mb:8.1f} MB (peak growth while sending {sent} messages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
