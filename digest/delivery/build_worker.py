"""A message builder process (builders.py starts it): `python -m digest.delivery.build_worker`.

Reads (settings, MessageFactory) from stdin, answers None when ready (or why it cannot
start), then reads batches of ledger rows and answers each with their messages, in order:
bytes, or the text of the error that stopped one. Ends when stdin closes, which is also
what happens when the sender dies. Ctrl-C is the sender's to handle, never ours.
"""

from __future__ import annotations

import signal
import sys

from digest.delivery.builders import Built, message_builder, read_frame, write_frame


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    try:
        settings, factory = read_frame(requests)
    except EOFError:
        return 0
    try:
        build = message_builder(settings, factory)
    except Exception as error:
        write_frame(answers, f"the message builder process cannot start: {error}")
        return 1
    write_frame(answers, None)
    while True:
        try:
            rows = read_frame(requests)
        except EOFError:
            return 0
        built: list[Built] = []
        for row in rows:
            try:
                built.append(build(row))
            except Exception as error:
                built.append(str(error) or repr(error))
        try:
            write_frame(answers, built)
        except BrokenPipeError:
            return 0


if __name__ == "__main__":
    sys.exit(main())
