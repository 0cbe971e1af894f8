"""What the ledger hands out and takes in: a claimed row (`Delivery`), an outcome, a claim,
what a recovery found; and how a sender is named."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from digest.delivery.pauses import EditionPause
from digest.delivery.states import DeliveryState
from digest.models import Subscriber
from digest.storage.dialects import Row

SUPPRESSED_REPLY = "suppressed"  # the reply kept for a row found suppressed
Naming = Callable[[str], str]  # a mailbox key to its Message-ID, or to its return token


@dataclass(frozen=True)
class Delivery:
    edition: str
    subscriber: Subscriber
    message_id: str
    state: DeliveryState
    attempts: int
    code: int | None = None
    reply: str | None = None
    return_token: str | None = None  # names the row in its return path (bounces.domain)
    address: str = ""  # as the list wrote it (the To: line); subscriber.email is the key


@dataclass(frozen=True)
class Outcome:
    email: str
    state: DeliveryState  # sent | deferred | failed | uncertain | suppressed
    code: int | None = None
    reply: str | None = None
    retry_at: float | None = None


@dataclass(frozen=True)
class Recovered:
    """Rows a dead run left `sending`: now uncertain (in flight), or given back (not)."""

    uncertain: int = 0
    given_back: int = 0


@dataclass(frozen=True)
class Claim:
    deliveries: list[Delivery]
    suppressed: int = 0  # rows found suppressed at claim time (already recorded)
    empty: bool = True  # nothing was due
    paused: EditionPause | None = None  # the edition is paused: nothing was claimed


def no_token(_key: str) -> str | None:
    return None


def default_worker() -> str:
    """This sender's name in the ledger: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def subscriber_of(row: Row) -> Subscriber:
    return Subscriber(email=row["email"], name=row["name"], fields=json.loads(row["fields"]))
