"""Where the workspace database lives: `storage.database` of digest.yaml, read as a SQLite
file or a PostgreSQL URL, with the password kept out of the file and out of every message.

    storage:
      database: digest.db        # SQLite, relative to the workspace (the default)
      database: postgresql://digest@db.example:5432/digest?sslmode=verify-full

A password in the URL is refused: it comes from DIGEST_DB_PASSWORD, or else libpq finds it
by itself (PGPASSWORD, ~/.pgpass). TLS and a few connection parameters are passed through
to libpq as written; others are refused, so a typo is not silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from digest.errors import ConfigError
from digest.settings import Settings

PASSWORD_VARIABLE = "DIGEST_DB_PASSWORD"
DEFAULT_DATABASE = "digest.db"
URL_SCHEMES = ("postgresql", "postgres")  # as libpq spells its URIs


class Engine(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class SslMode(StrEnum):
    """libpq's sslmode values (https://www.postgresql.org/docs/15/libpq-ssl.html)."""

    DISABLE = "disable"
    ALLOW = "allow"
    PREFER = "prefer"
    REQUIRE = "require"
    VERIFY_CA = "verify-ca"
    VERIFY_FULL = "verify-full"


# Query parameters passed to libpq as they are; file names among them are read relative
# to the workspace, as storage.database itself is.
PASSED_PARAMETERS = frozenset({
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "sslsni",
    "ssl_min_protocol_version", "ssl_max_protocol_version", "channel_binding", "gssencmode",
    "requirepeer", "connect_timeout", "application_name", "target_session_attrs",
    "host", "port",  # a unix socket folder, for postgresql:///digest?host=/run/postgresql
})
_FILE_PARAMETERS = frozenset({"sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir"})
_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})

Fail = Callable[[str], Exception]


@dataclass(frozen=True)
class DatabaseLocation:
    """A SQLite file (`path`) or a PostgreSQL server and database. Printing it (str or
    repr) never shows the password."""

    engine: Engine
    path: Path | None = None  # SQLite only
    host: str | None = None  # None: libpq's default (PGHOST, or the local socket)
    port: int | None = None
    user: str | None = None
    dbname: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()  # sslmode=..., in the URL's order
    password: str | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        if self.engine == Engine.SQLITE:
            return str(self.path)
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host or ""
        port = f":{self.port}" if self.port else ""
        query = f"?{urlencode(self.parameters, safe='/')}" if self.parameters else ""
        return f"postgresql://{user}{host}{port}/{quote(self.dbname or '', safe='')}{query}"

    def connection_parameters(self) -> dict[str, str]:
        """Keyword arguments for libpq (psycopg.connect), the password included."""
        values = {"host": self.host, "port": str(self.port) if self.port else None,
                  "user": self.user, "dbname": self.dbname, "password": self.password}
        given = {name: value for name, value in values.items() if value}
        return {**given, **dict(self.parameters)}


def workspace_database(settings: Settings) -> DatabaseLocation:
    """The workspace's database as its commands open it (the environment gives secrets)."""
    return location_of(settings, os.environ)


def database_exists(location: DatabaseLocation) -> bool:
    """Whether there is a ledger to read: a SQLite file that exists; a server is assumed."""
    return location.engine != Engine.SQLITE or (location.path is not None
                                                and location.path.is_file())


def sqlite_location(path: Path | DatabaseLocation) -> DatabaseLocation:
    """A SQLite file as a location (code and tests that already hold its path)."""
    return path if isinstance(path, DatabaseLocation) else DatabaseLocation(Engine.SQLITE,
                                                                            path=path)


def location_of(settings: Settings, env: Mapping[str, str]) -> DatabaseLocation:
    """The workspace's database, from storage.database as digest.yaml wrote it."""
    config = settings.workspace / "digest.yaml"
    return parse_location(settings.database_location, settings.workspace, env,
                          lambda problem: ConfigError(config, f"storage.database: {problem}"))


def parse_location(text: str, base: Path, env: Mapping[str, str],
                   fail: Fail | None = None) -> DatabaseLocation:
    """A path (relative to `base`) or a postgresql:// URL. `fail` turns a problem into the
    error that names where the text came from (digest.yaml, or a command-line option)."""
    fail = fail or (lambda problem: ConfigError("storage.database", problem))
    text = text.strip() or DEFAULT_DATABASE
    if "://" not in text:
        path = Path(text).expanduser()
        return DatabaseLocation(Engine.SQLITE, path=path if path.is_absolute() else base / path)
    return _postgresql(text, base, env, fail)


def _postgresql(url: str, base: Path, env: Mapping[str, str], fail: Fail) -> DatabaseLocation:
    scheme = url.partition("://")[0].lower()
    if scheme not in URL_SCHEMES:
        raise fail(f"{scheme}:// is not a database this digest can use: give a SQLite file "
                   "path or a postgresql://user@host/database URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:  # a port that is not a number, a broken IPv6 host
        raise fail(f"the database URL cannot be read: {error}") from None
    if parts.password is not None:
        raise fail(f"do not put the password in the URL; set {PASSWORD_VARIABLE} (or use "
                   "PGPASSWORD or ~/.pgpass) instead")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        raise fail("name the database after the host: postgresql://user@host/digest")
    parameters = _parameters(parts.query, base, fail)
    names = [name for name, _ in parameters]
    if ("host" in names and parts.hostname) or ("port" in names and port):
        raise fail("give host and port either in the URL or as ?host=...&port=..., not both")
    password = env.get(PASSWORD_VARIABLE) or None
    return DatabaseLocation(Engine.POSTGRESQL, host=parts.hostname, port=port,
                            user=unquote(parts.username) if parts.username else None,
                            dbname=dbname, parameters=parameters, password=password)


def _parameters(query: str, base: Path, fail: Fail) -> tuple[tuple[str, str], ...]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise fail(f"the URL's query {query!r} cannot be read: use ?name=value&...") from None
    parameters: list[tuple[str, str]] = []
    for name, value in pairs:
        if name in _SECRET_PARAMETERS:
            raise fail(f"do not put {name} in the URL; the password comes from "
                       f"{PASSWORD_VARIABLE}, PGPASSWORD or ~/.pgpass")
        if name not in PASSED_PARAMETERS:
            known = ", ".join(sorted(PASSED_PARAMETERS))
            raise fail(f"unknown connection parameter {name!r}; known: {known}")
        if name in dict(parameters):
            raise fail(f"{name} is given twice")
        if name == "sslmode" and value not in set(SslMode):
            raise fail(f"sslmode {value!r} is not one of {', '.join(SslMode)}")
        if name in _FILE_PARAMETERS and value != "system" and not Path(value).is_absolute():
            value = str(base / value)  # libpq would read it from wherever digest runs
        parameters.append((name, value))
    return tuple(parameters)
