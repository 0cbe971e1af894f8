"""What in a report names the message it is about: return tokens and Message-IDs.

A bounce comes back to the envelope sender, our per-recipient return path
(bounces+<token>@bounces.domain, audience/return_paths.py). Where the token may show, most
trusted first:

    the report's own recipient headers    Delivered-To, X-Original-To, Envelope-To,
                                          X-Envelope-To, To (the mailbox it was put in)
    the report's fields                   a DSN's X-Postfix-Sender, an ARF report's
                                          Original-Mail-From (the MAIL FROM received)
    the original it carries               its Return-Path
    anywhere in the report's bytes        a return path of ours (bounces.domain set)

The token is a MAC of the edition and the mailbox: a made-up one names no row. The
Message-IDs are those of the original (carried, or in In-Reply-To and References).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache

from digest.audience.return_paths import token_in
from digest.feedback.classify import Verdict
from digest.feedback.parts import addresses, original_headers
from digest.settings import BounceSettings

RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


@dataclass(frozen=True)
class Clues:
    tokens: tuple[str, ...]  # return tokens, most trusted first, each once
    message_ids: tuple[str, ...]  # Message-IDs of the original, "<...>" as sent


def clues_in(message: Message, raw: bytes, verdict: Verdict,
             bounces: BounceSettings) -> Clues:
    candidates = addresses(message, *RECIPIENT_HEADERS)
    if verdict.dsn is not None:
        candidates += verdict.dsn.envelope_senders
    if verdict.mail_from:
        candidates.append(verdict.mail_from)
    original = original_headers(message)
    if original is not None:
        candidates += addresses(original, "Return-Path")
    candidates += _return_paths_in(raw, bounces)
    tokens = [token_in(address, bounces) for address in candidates]
    ids = [message_id for value in _id_headers(message, original)
           for message_id in _MESSAGE_ID.findall(value)]
    return Clues(tuple(dict.fromkeys(t for t in tokens if t)), tuple(dict.fromkeys(ids)))


def _return_paths_in(raw: bytes, bounces: BounceSettings) -> list[str]:
    if not bounces.domain:
        return []
    found = _addresses_at(bounces.domain).findall(raw)
    return [address.decode("ascii", "replace") for address in found]


@lru_cache(maxsize=4)
def _addresses_at(domain: str) -> re.Pattern[bytes]:
    return re.compile(rb"[\w.+-]+@" + re.escape(domain.encode()) + rb"\b", re.IGNORECASE)


def _id_headers(message: Message, original: Message | None) -> list[str]:
    values = [str(v) for v in original.get_all("Message-ID", [])] if original else []
    for name in ("In-Reply-To", "References"):
        values += [str(v) for v in message.get_all(name, [])]
    return values
