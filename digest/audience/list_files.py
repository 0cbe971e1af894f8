"""The list files in `subscribers/`: which they are, names that stay inside the folder, and
a reader for each format.

A *list* is one file in `subscribers/`, named without its suffix (`readers` for
`subscribers/readers.csv`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from digest.audience.csv_lists import read_csv_list
from digest.audience.records import Entry
from digest.audience.yaml_lists import read_yaml_list
from digest.errors import DigestError, SubscriberError

SUFFIXES = (".csv", ".yaml", ".yml")


def list_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()
                  and not p.name.startswith("."))


def list_stem(name: str) -> str:
    """`readers.csv` and `readers` name the same list."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def check_list_name(name: str, origin: str) -> None:
    """Refuse any list name that would leave `subscribers/`."""
    candidate = Path(name)
    if (not name or candidate.is_absolute() or len(candidate.parts) != 1
            or "\\" in name or name.startswith(".")):
        raise DigestError(f"{origin} {name!r}: a list name must be a file name inside "
                          "subscribers/ (such as readers or readers.csv), not a path")


def resolve_list(folder: Path, name: str, origin: str) -> Path:
    """The file of list `name`; refuses any name that would leave `subscribers/`."""
    check_list_name(name, origin)
    options = [folder / name] if Path(name).suffix in SUFFIXES else [
        folder / f"{name}{suffix}" for suffix in SUFFIXES]
    for path in options:
        if path.is_file():
            if not path.resolve().is_relative_to(folder.resolve()):
                raise DigestError(f"{origin} {name!r}: points outside subscribers/ (a link); "
                                  "refused")
            return path
    known = ", ".join(p.stem for p in list_files(folder)) if folder.is_dir() else ""
    raise DigestError(f"{origin} {name!r}: no such list in subscribers/"
                      + (f" (lists: {known})" if known else ""))


def read_list(path: Path) -> Iterator[Entry | SubscriberError]:
    """Entries and row errors in file order; a problem with the whole file is raised."""
    return read_csv_list(path) if path.suffix == ".csv" else read_yaml_list(path)
