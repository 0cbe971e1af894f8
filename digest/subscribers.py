"""Subscriber lists (`subscribers/*.csv`) -> validated, deduplicated recipients."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from digest.errors import SubscriberError
from digest.models import Subscriber


@dataclass
class SubscriberList:
    subscribers: list[Subscriber] = field(default_factory=list)
    errors: list[SubscriberError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_address(address: str) -> str:
    """The address in its normal form (domain lower-cased), or ValueError saying why."""
    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return str(result.normalized)


def read_csv_list(path: Path, into: SubscriberList, seen: dict[str, str]) -> None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        into.errors.append(SubscriberError(path, f"not UTF-8 ({error.reason})"))
        return
    reader = csv.DictReader(text.splitlines())
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "email" not in header:
        into.errors.append(SubscriberError(path, "header row must have an `email` column", 1))
        return
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        raw = (row.get("email") or "").strip()
        if not raw:
            into.errors.append(SubscriberError(path, "row has no email address", line))
            continue
        try:
            email = check_address(raw)
        except ValueError as error:
            into.errors.append(SubscriberError(path, f"invalid address {raw!r}: {error}", line))
            continue
        where = f"{path.parent.name}/{path.name}:{line}"
        key = Subscriber(email).key
        if key in seen:
            into.warnings.append(f"{where}: duplicate of {seen[key]}; sending once")
            continue
        seen[key] = where
        extra = {k: (v or "").strip() for k, v in row.items() if k and k not in ("email", "name")}
        into.subscribers.append(
            Subscriber(email=email, name=(row.get("name") or "").strip(), fields=extra,
                       source=where)
        )


def load_subscribers(folder: Path) -> SubscriberList:
    result = SubscriberList()
    if not folder.is_dir():
        result.errors.append(SubscriberError(folder, "subscribers folder does not exist"))
        return result
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.csv")):
        read_csv_list(path, result, seen)
    return result
