"""Header injection attempts through names, subjects and addresses never add a header."""

from __future__ import annotations

import pytest

from digest.delivery.connection import check_envelope
from digest.delivery.transaction import stuffed
from digest.rendering.headers import address_field, encode_address, encode_text, text_field
from digest.rendering.slots import one_line

ATTACKS = [
    "Ann\r\nBcc: victim@evil.example",
    "Ann\nBcc: victim@evil.example",
    "Ann\rBcc: victim@evil.example",
    "Ann\u2028Bcc: victim@evil.example",
    "Ann\x00\x1b[2J\x7fBcc: victim@evil.example",
    "Zoë\r\n\r\n<html>body</html>",
]


@pytest.mark.parametrize("value", ATTACKS)
def test_clean_header_leaves_no_line_break_or_control(value: str) -> None:
    cleaned = one_line(value)
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned)
    assert "\u2028" not in cleaned


@pytest.mark.parametrize("value", ATTACKS)
def test_encoded_subject_and_name_stay_on_one_line(value: str) -> None:
    # CVE-2024-6923: a newline inside an encoded word could still inject a header.
    for encoded in (encode_text(value), encode_address(value, "ann@tide.example")):
        assert "\r" not in encoded and "\n" not in encoded


@pytest.mark.parametrize("value", ATTACKS)
def test_folded_fields_only_break_lines_before_a_space(value: str) -> None:
    for field in (text_field("Subject", value * 40), address_field("To", value * 40,
                                                                  "ann@tide.example")):
        assert "\r\n" in field  # long enough to fold
        assert all(line.startswith(" ") for line in field.split("\r\n")[1:])
        assert "\n" not in field.replace("\r\n ", "") and "\r" not in field.replace("\r\n ", "")


@pytest.mark.parametrize("address", [
    "ann@tide.example>\r\nRCPT TO:<victim@evil.example",
    "ann@tide.example\r\nDATA",
    "ann @tide.example",
    "<ann@tide.example>",
    "ann@tide@example",
    "no-at-sign",
    "a" * 250 + "@tide.example",
])
def test_unsafe_envelope_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match="not a valid envelope address"):
        check_envelope(address)


def test_plain_and_international_envelope_addresses_pass() -> None:
    assert check_envelope("ann+news@tide.example") == "ann+news@tide.example"
    assert check_envelope("zoë@tide.example") == "zoë@tide.example"


@pytest.mark.parametrize(("message", "wire"), [
    (b"A: b\r\n\r\n.hidden\r\nend\r\n", b"A: b\r\n\r\n..hidden\r\nend\r\n.\r\n"),
    (b"A: b\n\n.\nend", b"A: b\r\n\r\n..\r\nend\r\n.\r\n"),
    (b"A: b\r\rx\r\n", b"A: b\r\n\r\nx\r\n.\r\n"),
    (b".first", b"..first\r\n.\r\n"),
    (b"A: b\r\n\r\n.\r\n.x\r\n..y\r\nz\r\n", b"A: b\r\n\r\n..\r\n..x\r\n...y\r\nz\r\n.\r\n"),
    (b"A: b\r\n\r\nno dot\r\n", b"A: b\r\n\r\nno dot\r\n.\r\n"),
])
def test_data_is_stuffed_so_no_line_ends_the_message_early(message: bytes, wire: bytes) -> None:
    assert b"".join(stuffed(message)) == wire
