"""The real command line on a real pseudo-terminal: what an editor at a terminal sees,
and their answer to a question, typed in when the question appears."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Mapping


def run_on_terminal(args: list[str], env: Mapping[str, str], answer_when: str | None = None,
                    answer: str = "y\n", limit: float = 120) -> tuple[int, str]:
    """Run `digest ARGS` with standard input, output and error on one pseudo-terminal;
    type `answer` once `answer_when` has been printed. Returns (exit code, all it printed,
    with the terminal's \\r\\n turned back into \\n). `limit` only stops a hung child."""
    controller, terminal = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "digest", *args], stdin=terminal,
                               stdout=terminal, stderr=terminal, env=dict(env), close_fds=True)
    os.close(terminal)
    printed = b""
    answered = answer_when is None
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], limit)
            if not ready:
                process.kill()
                raise AssertionError(f"digest {' '.join(args)} printed nothing for {limit}s:"
                                     f"\n{printed.decode(errors='replace')}")
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: every end of the terminal is closed, the child is done
                break
            if not chunk:
                break
            printed += chunk
            if not answered and answer_when is not None and answer_when.encode() in printed:
                os.write(controller, answer.encode())
                answered = True
    finally:
        os.close(controller)
    code = process.wait(timeout=limit)
    return code, printed.decode(errors="replace").replace("\r\n", "\n")
