"""One listed subscriber by address, for `preview --as` and `send --to ... --as`."""

from __future__ import annotations

from digest.audience.lists import check_address, stage_lists
from digest.errors import DigestError
from digest.models import Subscriber
from digest.settings import Settings


def listed_subscriber(settings: Settings, email: str,
                      option: str = "--as") -> tuple[str, Subscriber | None]:
    """(the address as checked, the subscriber with it in subscribers/ or None). Case is
    ignored throughout: a lookup for a preview or a test copy, not delivery."""
    try:
        address = check_address(email.strip())
    except ValueError as error:
        raise DigestError(f"{option} {email!r}: {error}") from None
    key = address.lower()
    with stage_lists(settings.path("subscribers")) as listed:
        for entry in listed.entries():
            if entry.subscriber.email.lower() == key:
                return address, entry.subscriber
    return address, None
