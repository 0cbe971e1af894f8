"""An SMTP server in its own process that writes when each transaction starts.

    python tests/timing_server.py PORT OUTFILE

Timing measured in a process of its own is not disturbed by whatever else the test process
runs (other threads, garbage collection). Each MAIL FROM appends a monotonic time to OUTFILE.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session


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


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
