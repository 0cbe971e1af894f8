"""Unsubscribe tokens: opaque (AES-SIV), bound to one address and one newsletter; tokens of
the first scheme, already out in sent mail, still work."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from digest.audience.unsubscribe_tokens import make_token, read_token
from digest.errors import BadUnsubscribeToken
from tests.support.tokens import first_scheme_token

SECRET = "s3cret-for-tokens"
ADDRESSES = ("ana@example.org", "zoë@exämple.org", "a@b.io", "x" * 64 + "@" + "d" * 180 + ".org")


@pytest.mark.parametrize("address", ADDRESSES)
def test_round_trip(address: str) -> None:
    assert read_token(SECRET, "list-a", make_token(SECRET, "list-a", address)) == address


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_new_token_does_not_show_the_address(address: str) -> None:
    token = make_token(SECRET, "list-a", address)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    local = address.split("@")[0].encode()
    assert "." not in token and local not in raw and address.encode() not in raw
    assert first_scheme_token(SECRET, "list-a", address).split(".")[0][:6] not in token


def test_tokens_are_stable_and_hide_the_length_of_short_addresses() -> None:
    assert make_token(SECRET, "list-a", "ana@example.org") == make_token(
        SECRET, "list-a", "ana@example.org")
    assert make_token(SECRET, "list-a", "ana@example.org") != make_token(
        SECRET, "list-b", "ana@example.org")
    assert len({len(make_token(SECRET, "list-a", a)) for a in
                ("a@b.io", "ana@example.org", "anastasia.quince@example.org")}) == 1


@pytest.mark.parametrize("address", ["ana@example.org", "zoë@exämple.org"])
def test_a_token_of_the_first_scheme_still_works(address: str) -> None:
    old = first_scheme_token(SECRET, "list-a", address)
    assert read_token(SECRET, "list-a", old) == address
    with pytest.raises(BadUnsubscribeToken, match="does not match this newsletter"):
        read_token(SECRET, "list-b", old)
    with pytest.raises(BadUnsubscribeToken):
        read_token("another-secret", "list-a", old)


def flip_last(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


MANGLED: list[Callable[[str], str]] = [
    lambda t: t[:-4],  # truncated
    lambda t: t[:20],  # far too short
    flip_last,  # one character changed
    lambda t: t[:10] + ("A" if t[10] != "A" else "B") + t[11:],
    lambda t: "%%%" + t,  # not base64
    lambda t: t + ".",  # looks like the first scheme, is not
    lambda t: "",
]


@pytest.mark.parametrize("mangle", MANGLED)
def test_forged_or_truncated_tokens_are_refused(mangle: Callable[[str], str]) -> None:
    token = make_token(SECRET, "list-a", "ana@example.org")
    with pytest.raises(BadUnsubscribeToken):
        read_token(SECRET, "list-a", mangle(token))


@pytest.mark.parametrize("mangle", [
    lambda t: t.split(".")[0],  # signature missing
    lambda t: first_scheme_token(SECRET, "list-a", "eve@example.org").split(".")[0] + "."
    + t.split(".")[1],  # someone else's address with this signature
    flip_last,
])
def test_forged_tokens_of_the_first_scheme_are_refused(mangle: Callable[[str], str]) -> None:
    token = first_scheme_token(SECRET, "list-a", "ana@example.org")
    with pytest.raises(BadUnsubscribeToken):
        read_token(SECRET, "list-a", mangle(token))


def test_a_token_for_another_newsletter_or_secret_is_refused() -> None:
    token = make_token(SECRET, "list-a", "ana@example.org")
    with pytest.raises(BadUnsubscribeToken, match="does not match this newsletter"):
        read_token(SECRET, "list-b", token)
    with pytest.raises(BadUnsubscribeToken):
        read_token("another-secret", "list-a", token)
