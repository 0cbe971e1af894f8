"""storage.database read as a SQLite path or a PostgreSQL URL: the password only from the
environment and never printed, TLS parameters passed through, mistakes refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import ConfigError
from digest.storage.locations import DatabaseLocation, Engine, location_of, parse_location
from tests.support.workspaces import WorkspaceFactory

BASE = Path("/srv/news")
SECRET = "s3cret-Tide-9"


def test_a_path_is_a_sqlite_file_relative_to_the_workspace() -> None:
    assert parse_location("", BASE, {}) == DatabaseLocation(Engine.SQLITE,
                                                           path=BASE / "digest.db")
    assert parse_location("state/ledger.db", BASE, {}).path == BASE / "state/ledger.db"
    assert parse_location("/var/lib/digest.db", BASE, {}).path == Path("/var/lib/digest.db")


def test_a_url_names_server_database_and_tls() -> None:
    location = parse_location(
        "postgresql://digest@db.example:5433/news?sslmode=verify-full&sslrootcert=ca.pem",
        BASE, {})
    assert (location.engine, location.host, location.port, location.user, location.dbname) == (
        Engine.POSTGRESQL, "db.example", 5433, "digest", "news")
    assert location.connection_parameters() == {
        "host": "db.example", "port": "5433", "user": "digest", "dbname": "news",
        "sslmode": "verify-full", "sslrootcert": str(BASE / "ca.pem")}
    assert str(location) == ("postgresql://digest@db.example:5433/news?sslmode=verify-full"
                             f"&sslrootcert={BASE}/ca.pem")


def test_a_socket_folder_and_libpq_defaults() -> None:
    location = parse_location("postgres:///news?host=/run/postgresql", BASE, {})
    assert location.connection_parameters() == {"dbname": "news", "host": "/run/postgresql"}


def test_the_password_comes_from_the_environment_and_is_never_printed() -> None:
    location = parse_location("postgresql://digest@db.example/news", BASE,
                              {"DIGEST_DB_PASSWORD": SECRET})
    assert location.connection_parameters()["password"] == SECRET
    assert SECRET not in str(location) and SECRET not in repr(location)
    assert "password" not in parse_location("postgresql://digest@db.example/news", BASE,
                                            {}).connection_parameters()


@pytest.mark.parametrize(("url", "says"), [
    (f"postgresql://digest:{SECRET}@db.example/news", "set DIGEST_DB_PASSWORD"),
    (f"postgresql://digest@db.example/news?password={SECRET}", "do not put password"),
    ("postgresql://digest@db.example/news?sslpassword=x", "do not put sslpassword"),
    ("postgresql://digest@db.example/news?sslmode=required", "sslmode 'required' is not one"),
    ("postgresql://digest@db.example/news?ssl_mode=require", "unknown connection parameter"),
    ("postgresql://digest@db.example/news?sslmode=require&sslmode=disable", "given twice"),
    ("postgresql://digest@db.example:54x/news", "cannot be read"),
    ("postgresql://digest@db.example", "name the database"),
    ("postgresql://db.example:5432/news?port=5433", "not both"),
    ("mysql://digest@db.example/news", "mysql:// is not a database"),
])
def test_mistakes_are_refused_with_one_clear_line(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_location(url, BASE, {})
    assert says in str(refused.value)
    assert str(refused.value).startswith("storage.database: ")
    assert SECRET not in str(refused.value)


def test_digest_yaml_is_read_as_written(tmp_path: Path,
                                        make_workspace: WorkspaceFactory) -> None:
    url = "postgresql://digest@db.example/news?sslmode=require"
    settings = make_workspace.settings(tmp_path / "news", "weekly",
                                       extra_config=f"storage:\n  database: {url}\n")
    assert str(location_of(settings, {})) == url
    bad = make_workspace.settings(tmp_path / "bad", "weekly",
                                  extra_config="storage:\n  database: postgresql://a:b@h/d\n")
    with pytest.raises(ConfigError, match=r"digest.yaml: storage.database: do not put"):
        location_of(bad, {})
