"""The one builder of newsletter workspaces for tests, and the presets it starts from.

`build_workspace(root, preset, ...)`, the `make_workspace` fixture in tests/conftest.py,
writes every test workspace: digest.yaml, articles under content/, a subscriber list and any
other files. A preset is one family of tests' data, kept in that family's support module:

    weekly     The Estuary Weekly (weekly.py): the `workspace` fixture
    delivery   Tidewater Notes (delivery.py): fields `smtp_url`, `delivery`
    audience   Tidewater Bulletin (audience.py): fields `list_id`, `public_url`
    rendering  The Weir Gazette (rendering.py): digest.yaml only; field `extra`
    sources    The Mudflat Review (sources.py): digest.yaml and an empty content/

Fields are the `{name}` slots of the preset's digest.yaml template; each has a default.
"""

from __future__ import annotations

import os
import string
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import load_settings
from digest.settings import Settings
from tests.support import audience, delivery, rendering, sources, weekly


def write(path: Path, text: str) -> Path:
    """Write a test file (a common indent is dropped), making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8", newline="")
    return path


def subscriber_csv(emails: Sequence[str]) -> str:
    """A subscriber list of these addresses, named Reader 0, Reader 1, ..."""
    rows = ["email,name"] + [f"{email},Reader {i}" for i, email in enumerate(emails)]
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class Preset:
    """What one family of tests starts from.

    `config` is a str.format template for digest.yaml whose fields default to `fields`;
    `articles` and `mtimes` are keyed by path under content/, `files` by path in the
    workspace; `dirs` are made even when empty.
    """

    config: str
    fields: Mapping[str, str] = field(default_factory=dict)
    articles: Mapping[str, str] = field(default_factory=dict)
    mtimes: Mapping[str, int] = field(default_factory=dict)
    subscribers: str | None = None
    subscribers_file: str = "subscribers/main.csv"
    files: Mapping[str, str] = field(default_factory=dict)
    dirs: tuple[str, ...] = ()

    def config_text(self, **fields: str) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(self.config) if name}
        assert names == set(self.fields), f"template fields {names} need defaults"
        unknown = sorted(set(fields) - names)
        if unknown:
            raise TypeError(f"unknown digest.yaml field(s) {unknown}; this preset has "
                            f"{sorted(names) or 'none'}")
        return self.config.format(**{**self.fields, **fields})


PRESETS: dict[str, Preset] = {
    "weekly": Preset(
        weekly.CONFIG, articles=weekly.ARTICLES, mtimes=weekly.MTIMES,
        subscribers=weekly.SUBSCRIBERS, files={"authors.yaml": weekly.AUTHORS}),
    "delivery": Preset(
        delivery.CONFIG, fields={"smtp_url": "capture", "delivery": ""},
        articles={"gauge.md": delivery.ARTICLE}, subscribers=subscriber_csv([]),
        subscribers_file="subscribers/list.csv"),
    "audience": Preset(
        audience.CONFIG, fields={"list_id": audience.LIST_ID, "public_url": audience.PUBLIC_URL},
        articles=audience.ARTICLES, subscribers=audience.SUBSCRIBERS,
        subscribers_file="subscribers/readers.csv"),
    "rendering": Preset(rendering.CONFIG, fields={"extra": ""}),
    "sources": Preset(sources.CONFIG, dirs=("content",)),
}


def build_workspace(root: Path, preset: str, *, config: str | None = None,
                    extra_config: str = "", subscribers: str | Sequence[str] | None = None,
                    articles: Mapping[str, str] | None = None, database: str | None = None,
                    **fields: str) -> Path:
    """Write the preset's workspace at `root` and return `root`.

    config        digest.yaml whole, instead of the preset's template (then no fields)
    extra_config  text appended to digest.yaml
    subscribers   the list instead of the preset's: CSV text, or addresses (`subscriber_csv`)
    articles      files under content/ instead of the preset's
    database      `storage.database`: a SQLite file or a postgresql:// URL (the
                  `ledger_backend` fixture's `.database`); the workspace's digest.db without
    **fields      the preset's digest.yaml fields
    """
    chosen = PRESETS[preset]
    if config is not None and fields:
        raise TypeError("pass either a whole `config` or the preset's fields, not both")
    for folder in (root, *(root / name for name in chosen.dirs)):
        folder.mkdir(parents=True, exist_ok=True)
    text = chosen.config_text(**fields) if config is None else config
    storage = f"storage:\n  database: {database}\n" if database is not None else ""
    write(root / "digest.yaml", text + extra_config + storage)
    for name, body in (chosen.articles if articles is None else articles).items():
        write(root / "content" / name, body)
    if articles is None:
        for name, moment in chosen.mtimes.items():
            os.utime(root / "content" / name, (moment, moment))
    listing = chosen.subscribers if subscribers is None else subscribers
    if listing is not None:
        csv_text = listing if isinstance(listing, str) else subscriber_csv(listing)
        write(root / chosen.subscribers_file, csv_text)
    for name, body in chosen.files.items():
        write(root / name, body)
    return root


def workspace_settings(root: Path, preset: str, *, env: Mapping[str, str] | None = None,
                       **options: object) -> Settings:
    """`build_workspace`, then its Settings, loaded with `env` (no environment by default)."""
    build_workspace(root, preset, **options)  # type: ignore[arg-type]
    return load_settings(root, env=dict(env or {}))


class WorkspaceFactory:
    """What the `make_workspace` fixture gives a test.

    make_workspace(root, preset, **options) -> Path          (`build_workspace`)
    make_workspace.settings(root, preset, env=None, **options) -> Settings
    make_workspace.presets                                   (PRESETS)
    """

    presets = PRESETS
    __call__ = staticmethod(build_workspace)
    settings = staticmethod(workspace_settings)
