"""At 50 messages per second the run achieves 50 within 5 percent and never bursts.

Sender (`digest send --rate 50`) and SMTP server each run in a process of their own, so
neither's timing is disturbed by the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from delivery_fixtures import WEEK, write_workspace
from smtp_server import free_port

RATE = 50.0
MESSAGES = 120  # about two and a half seconds
SERVER = Path(__file__).with_name("timing_server.py")


def test_rate_is_kept_over_the_run_without_bursts(tmp_path: Path) -> None:
    port, times = free_port(), tmp_path / "mail-times.txt"
    server = subprocess.Popen([sys.executable, str(SERVER), str(port), str(times)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        emails = [f"member{i}@tide.example" for i in range(MESSAGES)]
        workspace = write_workspace(tmp_path / "ws", emails, f"smtp://127.0.0.1:{port}",
                                    delivery="  burst: 1\n")
        result = subprocess.run(
            [sys.executable, "-m", "digest", "send", "--workspace", str(workspace), "--week",
             WEEK, "--connections", "4", "--rate", str(RATE)],
            env={**os.environ, "DIGEST_SECRET": "rate-test-secret"},
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert f"{MESSAGES} sent" in result.stderr
    arrivals = sorted(float(line) for line in times.read_text().split())
    assert len(arrivals) == MESSAGES
    achieved = (MESSAGES - 1) / (arrivals[-1] - arrivals[0])
    print(f"achieved {achieved:.2f} msg/s")
    assert abs(achieved - RATE) / RATE <= 0.05, achieved
    # No burst beyond the bucket (burst 1): any k+1 arrivals span at least k/RATE, less a
    # little scheduling jitter.
    jitter = 0.5 / RATE
    for k in (1, 5, 25):
        spans = [arrivals[i + k] - arrivals[i] for i in range(MESSAGES - k)]
        assert min(spans) >= k / RATE - jitter, (k, min(spans))
