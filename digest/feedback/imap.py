"""One IMAP folder, read over TLS and left as it was.

    imaps://USER@HOST[:993]/FOLDER   TLS from the first byte
    imap://USER@HOST[:143]/FOLDER    STARTTLS; a server that does not offer it is refused,
                                     unless the host is this machine or plain text is
                                     allowed (--allow-plaintext-auth)

The password comes only from DIGEST_BOUNCES_PASSWORD: a URL holding one is refused. The
server's certificate and name are checked, against the system's CAs or a CA file
(DIGEST_BOUNCES_CAFILE, for a private server). The folder is opened read-only (EXAMINE)
and messages are fetched with BODY.PEEK[], so not even the \\Seen flag changes.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from digest.errors import BadMailboxSource, MailboxError

PASSWORD_VARIABLE = "DIGEST_BOUNCES_PASSWORD"
FETCH_BATCH = 25  # messages per FETCH: few round trips, and bounces with large
# attachments still fit in memory a batch at a time
_DEFAULT_PORTS = {"imaps": 993, "imap": 143}


@dataclass(frozen=True)
class ImapSource:
    scheme: str  # imap (STARTTLS) or imaps
    user: str
    host: str
    port: int
    folder: str

    def __str__(self) -> str:
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"

    def may_log_in_without_tls(self, allowed: bool) -> bool:
        """Only to this machine (the password never crosses a network), or when allowed."""
        return self.local or allowed

    @property
    def local(self) -> bool:
        """The server is this machine, by its name in the URL."""
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False


def parse_imap_url(url: str) -> ImapSource:
    shown = url.split("@", 1)[-1]  # never repeat what stands before the host
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise BadMailboxSource(f"{shown}: not an IMAP URL: {error}") from None
    scheme = parts.scheme.lower()
    if parts.password is not None:
        raise BadMailboxSource(f"{shown}: the URL holds a password; give it in "
                               f"{PASSWORD_VARIABLE} instead")
    if not parts.username or not parts.hostname:
        raise BadMailboxSource(f"{url}: name the user and the host: "
                               f"{scheme}://USER@HOST/FOLDER")
    if parts.query or parts.fragment:
        raise BadMailboxSource(f"{url}: an IMAP URL here takes no ?query or #fragment")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not folder.isascii() or any(c in folder for c in "\r\n\0"):
        raise BadMailboxSource(f"{url}: folder names must be plain ASCII")
    return ImapSource(scheme, unquote(parts.username), parts.hostname,
                      port or _DEFAULT_PORTS[scheme], folder)


def _quoted(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class ImapMailbox:
    """A context manager: connected, logged in and the folder examined on entry."""

    def __init__(self, source: ImapSource, password: str | None, cafile: Path | None,
                 allow_plaintext: bool, timeout: float) -> None:
        if not password:
            raise BadMailboxSource(f"{source}: set {PASSWORD_VARIABLE} to the password "
                                   f"of {source.user}")
        self.source = source
        self.name = str(source)
        self.password = password
        self.cafile = cafile
        self.allow_plaintext = allow_plaintext
        self.timeout = timeout
        self.count = 0
        self.uids: list[bytes] = []
        self.client: imaplib.IMAP4 | None = None

    def _fail(self, what: str, error: BaseException) -> MailboxError:
        first = error.args[0] if error.args else None  # imaplib gives the server's bytes
        detail = first.decode(errors="replace") if isinstance(first, bytes) else str(error)
        return MailboxError(f"{self.name}: {what}: {detail or type(error).__name__}")

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(
                cafile=str(self.cafile) if self.cafile else None)
        except (OSError, ssl.SSLError) as error:
            raise self._fail(f"cannot load the CA file {self.cafile}", error) from None

    def _connect(self) -> imaplib.IMAP4:
        context = self._context()
        source = self.source
        if source.scheme == "imaps":
            return imaplib.IMAP4_SSL(source.host, source.port, ssl_context=context,
                                     timeout=self.timeout)
        client = imaplib.IMAP4(source.host, source.port, timeout=self.timeout)
        if "STARTTLS" in client.capabilities:
            client.starttls(ssl_context=context)
        elif not source.may_log_in_without_tls(self.allow_plaintext):
            client.shutdown()
            raise MailboxError(f"{self.name}: the server offers no STARTTLS; refusing to send "
                               "the password in clear (use imaps://, or "
                               "--allow-plaintext-auth for a server you trust the network "
                               "to)")
        return client

    def __enter__(self) -> ImapMailbox:
        step = "cannot connect"
        try:
            self.client = self._connect()
            step = "login refused"
            self.client.login(self.source.user, self.password)
            step = f"cannot open the folder {self.source.folder!r}"
            status, reply = self.client.select(_quoted(self.source.folder), readonly=True)
            if status != "OK":
                raise imaplib.IMAP4.error(_text(reply))
            step = "cannot list the messages"
            status, reply = self.client.uid("SEARCH", "ALL")
            if status != "OK":
                raise imaplib.IMAP4.error(_text(reply))
        except (imaplib.IMAP4.error, OSError, UnicodeEncodeError) as error:
            self._close()
            raise self._fail(step, error) from None
        except BaseException:
            self._close()
            raise
        self.uids = b" ".join(item for item in reply if isinstance(item, bytes)).split()
        self.count = len(self.uids)
        return self

    def messages(self) -> Iterator[bytes]:
        assert self.client is not None, "use ImapMailbox as a context manager"
        for start in range(0, len(self.uids), FETCH_BATCH):
            batch = b",".join(self.uids[start:start + FETCH_BATCH]).decode("ascii")
            try:
                status, reply = self.client.uid("FETCH", batch, "(BODY.PEEK[])")
            except (imaplib.IMAP4.error, OSError) as error:
                raise self._fail("cannot fetch messages", error) from None
            if status != "OK":
                raise self._fail("cannot fetch messages", imaplib.IMAP4.error(_text(reply)))
            for item in reply:
                if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                    yield item[1]

    def _close(self) -> None:
        if self.client is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):  # going away anyway
            self.client.logout()
        self.client = None

    def __exit__(self, *_: object) -> None:
        self._close()


def _text(reply: Sequence[object]) -> str:
    return " ".join(item.decode(errors="replace") if isinstance(item, bytes) else str(item)
                    for item in reply if item is not None)
