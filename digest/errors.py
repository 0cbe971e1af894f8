"""The exception tree. Every error names where it comes from.

    DigestError                      base: message + exit code, caught by the CLI
    ├── ConfigError                  digest.yaml or environment (file:line)
    ├── ContentError                 an article or edition file (file:line)
    ├── AuthorsError                 authors.yaml (file:line)
    ├── SubscriberError              a subscriber list (file:line)
    ├── TemplateError                a template (template:line)
    ├── RenderError                  the compiled email (size, MRML escapes)
    ├── LedgerError                  the SQLite ledger
    └── DeliveryError                the SMTP server as a whole (host:port)
        └── DeliveryStopped          auth, TLS, refused connection: run stopped
"""

from __future__ import annotations

from pathlib import Path


class DigestError(Exception):
    """An error the user can act on; the CLI prints it and exits with `exit_code`."""

    exit_code = 1


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
    exit_code = 2


class ContentError(LocatedError):
    pass


class AuthorsError(LocatedError):
    pass


class SubscriberError(LocatedError):
    pass


class TemplateError(LocatedError):
    pass


class RenderError(DigestError):
    pass


class LedgerError(DigestError):
    pass


class DeliveryError(DigestError):
    def __init__(self, host: str, port: int, message: str) -> None:
        self.host = host
        self.port = port
        super().__init__(f"{host}:{port}: {message}")


class DeliveryStopped(DeliveryError):
    """The server refused the whole run (auth, TLS, connection); no row was marked failed."""

    exit_code = 3
