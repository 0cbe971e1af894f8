"""The exception tree and the exit codes. Every error names where it comes from.

    DigestError                      base: message + exit code, caught by the CLI
    ├── LocatedError                 one file, optionally one line (file:line: message)
    │   ├── ConfigError              digest.yaml or environment             exit 2
    │   ├── ContentError             an article or edition file
    │   │   └── InputLineError       a bad --jsonl line of `digest excerpt`  exit 2
    │   ├── AuthorsError             authors.yaml
    │   ├── SubscriberError          a subscriber list
    │   └── TemplateError            a template (template:line)
    ├── RecordProblem                one subscriber record; the list reader adds file:line
    ├── ProblemsFound                several problems at once; nothing was sent
    ├── NotReady                     placeholders or gaps a real send refuses   exit 2
    ├── NotConfirmed                 the send was declined, or could not be asked exit 2
    ├── RenderError                  the compiled email (size, MRML escapes)
    ├── BrowserError                 headless Chromium for screenshots and checks
    ├── FetchError                   a URL that could not be fetched
    ├── BadUnsubscribeToken          forged, truncated or for another newsletter
    ├── LedgerError                  the SQLite ledger or suppression store
    ├── MailboxError                 a mailbox `digest bounces` reads (path or IMAP URL)
    │   └── BadMailboxSource         a source that names no mailbox it can read  exit 2
    ├── RunLocked                    another sender holds the workspace
    └── DeliveryError                the SMTP server as a whole (host:port)
        ├── DeliveryStopped          auth, TLS, refused connection: run stopped   exit 3
        │   └── PlaintextAuthRefused the password would cross without TLS      exit 2
        └── DeliveryPaused           too many refusals in a row: run paused      exit 4
                                     (the edition, for every sender of its ledger)

    WireFault                        not a DigestError: one connection's lost or late
                                     replies, which the sender turns into a row's outcome

Every exit status of the `digest` command is one `ExitCode`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """What `digest` returns to the shell (documented in the README)."""

    OK = 0
    PROBLEMS = 1  # input problems found, or some messages failed or are uncertain
    USAGE = 2  # bad configuration or command-line input: nothing was done
    STOPPED = 3  # the SMTP server refused the run (auth, TLS, connection)
    PAUSED = 4  # too many refusals in a row: the run paused itself
    INTERRUPTED = 130  # Ctrl-C or SIGTERM: rerun to continue
    BROKEN_PIPE = 141  # the output's reader went away (`digest status | head`), as for SIGPIPE


class DigestError(Exception):
    """An error the user can act on; the CLI prints it and exits with `exit_code`."""

    exit_code = ExitCode.PROBLEMS


def located(path: Path | str, line: int | None, message: str) -> str:
    """Format `message` prefixed with `path:line:` the way compilers do."""
    where = f"{path}:{line}" if line is not None else str(path)
    return f"{where}: {message}"


class LocatedError(DigestError):
    """An error in one file, optionally at one line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = message
        super().__init__(located(path, line, message))


class ConfigError(LocatedError):
    exit_code = ExitCode.USAGE


class ContentError(LocatedError):
    pass


class InputLineError(ContentError):
    """A bad --jsonl line: usage-level input error, so exit code 2 like argparse's."""

    exit_code = ExitCode.USAGE


class AuthorsError(LocatedError):
    pass


class SubscriberError(LocatedError):
    pass


class TemplateError(LocatedError):
    pass


class RecordProblem(DigestError):
    """What is wrong with one subscriber record; the list reader adds file and line."""


class ProblemsFound(DigestError):
    """Several problems at once; nothing was sent."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__("\n".join([*problems, f"{len(problems)} {noun} found; nothing was sent."]))


class NotReady(DigestError):
    """What `digest check` warns of and a real send refuses without --force: placeholders
    `digest init` wrote, an http public_url, no DKIM key, an author without a bio."""

    exit_code = ExitCode.USAGE

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        super().__init__("\n".join([*findings, f"not ready to send ({len(findings)} to fix); "
                                    "fix them or pass --force; nothing was sent."]))


class NotConfirmed(DigestError):
    """The editor answered no at the prompt, or no terminal could ask and --yes was not
    given: nothing was sent."""

    exit_code = ExitCode.USAGE


class RenderError(DigestError):
    pass


class BrowserError(DigestError):
    pass


class FetchError(DigestError):
    """A URL that could not be fetched (scheme, network, status, size)."""


class BadUnsubscribeToken(DigestError):
    """Forged, truncated or for another newsletter."""


class LedgerError(DigestError):
    pass


class MailboxError(DigestError):
    """A mailbox of bounces and complaints that could not be read: a missing path, an IMAP
    server that refused the connection, TLS or login. The message names the source."""


class BadMailboxSource(MailboxError):
    """A source `digest bounces` cannot read by its form: not a path or an imap(s):// URL,
    a password in the URL, a folder name it cannot send."""

    exit_code = ExitCode.USAGE


class RunLocked(DigestError):
    """Another sender holds the workspace's run lock."""


class DeliveryError(DigestError):
    def __init__(self, host: str, port: int, message: str) -> None:
        self.host = host
        self.port = port
        super().__init__(f"{host}:{port}: {message}")


class DeliveryStopped(DeliveryError):
    """The server refused the whole run (auth, TLS, connection); no row was marked failed."""

    exit_code = ExitCode.STOPPED


class PlaintextAuthRefused(DeliveryStopped):
    """A user name is configured but the connection has no TLS: the password is not sent.
    A setting to change, so a usage error; the run stops before it logs in."""

    exit_code = ExitCode.USAGE

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port, "refusing to send the SMTP password over a connection "
                         "without TLS; use smtps:// or ?starttls=true in smtp.url, or set "
                         "smtp.allow_plaintext_auth: true for a relay on localhost")


class DeliveryPaused(DeliveryError):
    """Too many refusals in a row: the run stops before it burns through the list, and so
    does every other sender of the edition (delivery/pauses.py)."""

    exit_code = ExitCode.PAUSED


class WireFault(Exception):
    """An SMTP connection was lost, or its replies did not come in time (transaction.py);
    `replies` are those that did come. Never shown as is: it becomes a row's outcome."""

    def __init__(self, reason: str, replies: Sequence[object] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.replies = list(replies)
