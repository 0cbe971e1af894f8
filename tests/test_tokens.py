"""Unsubscribe tokens: bound to one address and one newsletter by an HMAC."""

from __future__ import annotations

import pytest

from digest.audience.unsubscribe_tokens import make_token, read_token
from digest.errors import BadUnsubscribeToken

SECRET = "s3cret-for-tokens"


def test_round_trip_including_an_internationalised_address() -> None:
    for address in ("ana@example.org", "zoë@exämple.org"):
        assert read_token(SECRET, "list-a", make_token(SECRET, "list-a", address)) == address


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-4],  # truncated
    lambda t: t.split(".")[0],  # signature missing
    lambda t: make_token(SECRET, "list-a", "eve@example.org").split(".")[0] + "."
    + t.split(".")[1],  # someone else's address with this signature
    lambda t: t.replace(t[-2], "A" if t[-2] != "A" else "B"),  # one character changed
    lambda t: "%%%." + t,  # not base64
])
def test_forged_or_truncated_tokens_are_refused(mangle: object) -> None:
    token = make_token(SECRET, "list-a", "ana@example.org")
    assert callable(mangle)
    with pytest.raises(BadUnsubscribeToken):
        read_token(SECRET, "list-a", mangle(token))


def test_a_token_for_another_newsletter_or_secret_is_refused() -> None:
    token = make_token(SECRET, "list-a", "ana@example.org")
    with pytest.raises(BadUnsubscribeToken, match="does not match this newsletter"):
        read_token(SECRET, "list-b", token)
    with pytest.raises(BadUnsubscribeToken):
        read_token("another-secret", "list-a", token)
