"""A real PostgreSQL for the storage tests: one cluster per test session, made by initdb in
a temporary folder and started on a free port, and a fresh database for each test.

initdb and postgres refuse to run as root, so under root (as CI runs) the cluster runs as
the `postgres` system user, its folder handed to that user. The superuser `postgres` is
trusted over the cluster's own unix socket and over TCP from 127.0.0.1; PASSWORD_ROLE logs
in over TCP with its password only, for the DIGEST_DB_PASSWORD tests.

    with PostgresServer.started() as server:          # the `postgres_server` fixture
        with server.fresh_database() as database:     # the `postgres` fixture
            database.url, database.password_url
"""

from __future__ import annotations

import itertools
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

PASSWORD_ROLE = "digest_writer"
ROLE_PASSWORD = "estuary-tide-4e9f"  # a test secret, for this throwaway cluster only
SYSTEM_USER = "postgres"
_HBA = f"""\
local all all trust
host all {SYSTEM_USER} 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""
_SETTINGS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
             " -c full_page_writes=off -c max_connections=60")
_names = itertools.count(1)


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    return found[-1].parent if found else None


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class PostgresTestDatabase:
    name: str
    url: str  # as the trusted superuser
    password_url: str  # as PASSWORD_ROLE, who needs ROLE_PASSWORD (no password in the URL)
    server: PostgresServer


class PostgresServer:
    def __init__(self, programs: Path, root: Path) -> None:
        self.programs = programs
        self.root = root
        self.data = root / "data"
        self.port = 0
        self.as_root = os.geteuid() == 0

    @classmethod
    @contextmanager
    def started(cls) -> Iterator[PostgresServer]:
        programs = postgres_bin()
        if programs is None:
            pytest.skip("PostgreSQL is not installed (Debian package postgresql; .ci/run "
                        "installs it): no initdb under /usr/lib/postgresql")
        # Not under pytest's folder: root's is closed to the postgres user.
        server = cls(programs, Path(tempfile.mkdtemp(prefix="digest-pg-")))
        try:
            server._start()
            yield server
        finally:
            server._stop()
            shutil.rmtree(server.root, ignore_errors=True)

    def _run(self, *command: str) -> None:
        line = [str(self.programs / command[0]), *command[1:]]
        if self.as_root:
            runner = shutil.which("runuser")
            line = ([runner, "-u", SYSTEM_USER, "--", *line] if runner else
                    ["su", SYSTEM_USER, "-c", shlex.join(line)])
        result = subprocess.run(line, capture_output=True, text=True, timeout=180, check=False)
        if result.returncode:
            raise RuntimeError(f"{' '.join(command[:2])} failed:\n{result.stdout}{result.stderr}")

    def _start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, SYSTEM_USER)
        self._run("initdb", "-D", str(self.data), "-U", SYSTEM_USER, "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        (self.data / "pg_hba.conf").write_text(_HBA, encoding="utf-8")
        for attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                          "-w", "-t", "120", "-o", f"-p {self.port} -k {self.root} {_SETTINGS}",
                          "start")
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        with self.admin() as admin:
            admin.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{ROLE_PASSWORD}'")

    def _stop(self) -> None:
        if self.port and (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """The superuser, on the cluster's own socket, in autocommit."""
        return psycopg.connect(host=str(self.root), port=self.port, user=SYSTEM_USER,
                               dbname="postgres", autocommit=True)

    def url(self, dbname: str, user: str = SYSTEM_USER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    @contextmanager
    def fresh_database(self) -> Iterator[PostgresTestDatabase]:
        """An empty database (owned by PASSWORD_ROLE), dropped afterwards."""
        name = f"digest_test_{os.getpid()}_{next(_names)}"
        with self.admin() as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 OWNER {PASSWORD_ROLE}")
        try:
            yield PostgresTestDatabase(name, self.url(name),
                                       self.url(name, PASSWORD_ROLE), self)
        finally:
            with self.admin() as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
