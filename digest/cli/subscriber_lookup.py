"""One listed subscriber by address, for `preview --as` and `send --to ... --as`."""

from __future__ import annotations

from digest.audience.lists import check_address, stage_lists
from digest.errors import DigestError
from digest.models import Subscriber, mailbox_key
from digest.settings import Settings


def listed_subscriber(settings: Settings, email: str,
                      option: str = "--as") -> tuple[str, Subscriber | None]:
    """(the address as checked, the subscriber with its mailbox in subscribers/ or None).
    Found by mailbox key, as delivery finds them: `ANN@Example.ORG` finds `ann@example.org`."""
    try:
        address = check_address(email.strip())
    except ValueError as error:
        raise DigestError(f"{option} {email!r}: {error}") from None
    key = mailbox_key(address)
    with stage_lists(settings.path("subscribers")) as listed:
        for entry in listed.entries():
            if entry.key == key:
                return address, entry.subscriber
    return address, None
