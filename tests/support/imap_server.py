"""A real IMAP server for tests: Dovecot in a temporary folder, on free loopback ports.

    with ImapServer.started() as server:
        server.append(raw)                    # IMAP APPEND, over TLS
        server.url("imaps")                   # imaps://bounces@127.0.0.1:PORT/INBOX
        server.cafile                         # the self-signed certificate, to trust

Its own dovecot.conf: IMAP with STARTTLS on one port and TLS from the first byte on
another, a certificate made here with `cryptography` (for 127.0.0.1 and localhost), one
user in a passwd-file, mail in a Maildir under the folder, sockets, state and log there
too. Run as root (CI), Dovecot's own users from the Debian package (`dovecot`,
`dovenull`) own its processes and the mail; otherwise the current user does. The folder
is made outside pytest's tmp_path, whose parents only root may enter.
"""

from __future__ import annotations

import datetime
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.smtp_server import free_port

DOVECOT = Path("/usr/sbin/dovecot")
USER = "bounces"
PASSWORD = "imap-test-password-5d1e"
START_TIMEOUT = 30.0  # seconds for the listeners to come up on a busy machine


@dataclass(frozen=True)
class _Identity:
    """Who runs Dovecot's unprivileged processes and owns the mail."""

    internal: str
    login: str
    mail: pwd.struct_passwd


def _identity() -> _Identity:
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.getuid())
        return _Identity(me.pw_name, me.pw_name, me)
    try:
        return _Identity("dovecot", "dovenull", pwd.getpwnam("dovecot"))
    except KeyError:
        pytest.skip("running as root, but the users `dovecot` and `dovenull` that the "
                    "Debian package dovecot-core creates are missing")


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = digest-test-{imaps_port}
log_path = {root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
first_valid_gid = {gid}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service auth-worker {{
  user = $default_internal_user
}}
"""


@dataclass
class ImapServer:
    root: Path
    imap_port: int  # STARTTLS
    imaps_port: int  # TLS from the first byte
    cafile: Path
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    @classmethod
    @contextmanager
    def started(cls) -> Iterator[ImapServer]:
        if not DOVECOT.exists():
            pytest.skip(f"{DOVECOT} is missing (Debian package dovecot-imapd)")
        identity = _identity()
        root = Path(tempfile.mkdtemp(prefix="digest-imap-"))
        try:
            root.chmod(0o755)  # Dovecot's own users must reach the sockets and the mail
            server = cls._configure(root, identity)
            process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                server._wait_until_up(process)
                yield server
            finally:
                process.terminate()
                process.wait(timeout=30)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    @classmethod
    def _configure(cls, root: Path, identity: _Identity) -> ImapServer:
        for name in ("run", "state", "home"):
            (root / name).mkdir()
        os.chown(root / "home", identity.mail.pw_uid, identity.mail.pw_gid)
        cert, key = _certificate(root)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
        imap_port, imaps_port = free_port(), free_port()
        (root / "dovecot.conf").write_text(_CONFIG.format(
            root=root, cert=cert, key=key, imap_port=imap_port, imaps_port=imaps_port,
            internal=identity.internal, login=identity.login,
            internal_group=_group_of(identity.internal),
            uid=identity.mail.pw_uid, gid=identity.mail.pw_gid), encoding="utf-8")
        return cls(root, imap_port, imaps_port, cert)

    def _wait_until_up(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise AssertionError(f"dovecot exited: {output}{self.log}")
            try:
                with socket.create_connection((self.host, self.imaps_port), timeout=1), \
                        socket.create_connection((self.host, self.imap_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"dovecot did not listen in time: {self.log}")

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def url(self, scheme: str = "imaps", folder: str = "INBOX") -> str:
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return f"{scheme}://{self.user}@{self.host}:{port}/{folder}"

    @contextmanager
    def _session(self) -> Iterator[imaplib.IMAP4_SSL]:
        context = ssl.create_default_context(cafile=str(self.cafile))
        client = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=context, timeout=30)
        try:
            client.login(self.user, self.password)
            yield client
        finally:
            client.logout()

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put one message into `folder` (made if missing) with IMAP APPEND."""
        with self._session() as client:
            if folder != "INBOX":
                client.create(folder)
            status, reply = client.append(folder, None, None, raw)
            assert status == "OK", reply

    def state(self, folder: str = "INBOX") -> list[tuple[frozenset[str], bytes]]:
        """(flags, message) of every message in `folder`, read without changing a flag.
        \\Recent is left out: it belongs to whichever session saw the message first."""
        with self._session() as client:
            client.select(folder, readonly=True)
            status, data = client.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
            assert status == "OK", data
            found = []
            for item in data:
                if isinstance(item, tuple):
                    flags = imaplib.ParseFlags(item[0])
                    found.append((frozenset(f.decode() for f in flags) - {"\\Recent"},
                                  item[1]))
            return found


def _group_of(user: str) -> str:
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
