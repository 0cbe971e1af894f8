"""The closed set of states a ledger row can be in, and the groups the sender cares about.

    pending -> sending (lease) -> sent | deferred (retry at) | failed | uncertain
                                  | suppressed | bounced | skipped
    sent -> bounced | complained   (what comes back later: `digest bounces`)

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
    SUPPRESSED = "suppressed"  # unsubscribed, bounced or complained before it left
    BOUNCED = "bounced"  # the mailbox does not exist (5xx at RCPT, or a hard bounce later)
    COMPLAINED = "complained"  # the reader reported it as spam (an ARF report)
    SKIPPED = "skipped"  # planned, but the address has since left the audience


STATES: tuple[DeliveryState, ...] = tuple(DeliveryState)
# Owed: a run sends these (deferred ones once they fall due).
OWED = (DeliveryState.PENDING, DeliveryState.DEFERRED)
# Final for a run: the row will not be tried again without `digest retry`.
FINAL = (DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.UNCERTAIN,
         DeliveryState.SUPPRESSED, DeliveryState.BOUNCED, DeliveryState.COMPLAINED,
         DeliveryState.SKIPPED)
# What `digest retry` can make owed again.
REQUEUEABLE = (DeliveryState.DEFERRED, DeliveryState.FAILED, DeliveryState.UNCERTAIN)
# Outcomes that count as the server not accepting a message (a run pauses after many:
# a relay that calls every mailbox unknown must not suppress the whole list).
REFUSED = (DeliveryState.FAILED, DeliveryState.DEFERRED, DeliveryState.UNCERTAIN,
           DeliveryState.BOUNCED)
