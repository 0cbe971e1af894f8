"""The closed set of states a ledger row can be in, and the groups the sender cares about.

    pending -> sending (lease) -> sent | deferred (retry at) | failed | uncertain | suppressed

The ledger stores each state as its plain string value (a `StrEnum` member equals it), so
the database holds the same text it always did.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"  # planned, not tried yet
    SENDING = "sending"  # claimed by a running sender, under a lease
    SENT = "sent"  # the server took the message (2xx)
    DEFERRED = "deferred"  # refused for now (4xx); tried again once its retry time comes
    FAILED = "failed"  # refused for good (5xx), an invalid address, or out of attempts
    UNCERTAIN = "uncertain"  # the server may or may not have it: never resent silently
    SUPPRESSED = "suppressed"  # unsubscribed, bounced or complained: never sent


STATES: tuple[DeliveryState, ...] = tuple(DeliveryState)
# Owed: a run sends these (deferred ones once they fall due).
OWED = (DeliveryState.PENDING, DeliveryState.DEFERRED)
# Final for a run: the row will not be tried again without `digest retry`.
FINAL = (DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.UNCERTAIN,
         DeliveryState.SUPPRESSED)
# What `digest retry` can make owed again.
REQUEUEABLE = (DeliveryState.DEFERRED, DeliveryState.FAILED, DeliveryState.UNCERTAIN)
# Outcomes that count as the server not accepting a message (a run pauses after many).
REFUSED = (DeliveryState.FAILED, DeliveryState.DEFERRED, DeliveryState.UNCERTAIN)
