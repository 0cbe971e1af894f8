"""Our RFC 6376 canonicalisation gives the same bytes as dkimpy's, and dkimpy verifies what we sign.

Messages are generated (hypothesis) with what breaks canonicalisers: long lines, runs of
spaces and tabs, trailing whitespace, empty lines at the end, folded headers, 8-bit and
UTF-8 (SMTPUTF8) header values, bodies without a final line break; plus real messages: the
golden edition and every message of the sample newsletter in this repository.
"""

from __future__ import annotations

from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from dkim.canonicalization import Relaxed, Simple
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.delivery.dkim import DkimKey, Signer
from digest.delivery.dkim_canon import (
    Canon,
    canonical_body,
    header_relaxed,
    split_message,
    to_crlf,
)

GOLDEN = Path(__file__).parent / "golden" / "edition.eml"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()
KEYS = [DkimKey(RSA_KEY, "rsa2026", "tide.example"), DkimKey(ED_KEY, "ed2026", "tide.example")]
RECORDS = {f"{key.selector}._domainkey.tide.example.".encode(): key.dns_record().encode()
           for key in KEYS}

# Text as it reaches a signer: printable ASCII, runs of WSP, 8-bit bytes and UTF-8.
_piece = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=20),
    st.sampled_from([" ", "  ", "\t", " \t ", "\t\t"]),
    st.text(alphabet="äöüßéñ€漢字🙂", min_size=1, max_size=4),
).map(lambda text: text.encode("utf-8"))
_line = st.lists(_piece, max_size=30).map(b"".join)
_long_line = st.integers(min_value=900, max_value=1100).map(lambda n: b"word " * (n // 5))
_body = st.lists(st.one_of(_line, _line, _long_line, st.just(b"")), max_size=25).map(
    lambda lines: b"\r\n".join(lines))
_name = st.sampled_from([b"Subject", b"From", b"To", b"X-Note", b"List-Id", b"Reply-To",
                         b"list-unsubscribe", b"SUBJECT", b"Date", b"Content-Type"])
_value = st.lists(_line, min_size=1, max_size=3).map(lambda parts: b"\r\n ".join(parts))
_header = st.tuples(_name, st.sampled_from([b":", b": ", b":\t", b" :  "]), _value)


def _message(headers: list[tuple[bytes, bytes, bytes]], body: bytes, tail: bytes) -> bytes:
    head = b"".join(name + colon + value + b"\r\n" for name, colon, value in headers)
    return head + b"\r\n" + body + tail


@settings(max_examples=250, deadline=None)
@given(_body, st.sampled_from([b"", b"\r\n", b"\r\n\r\n\r\n", b"  \r\n", b"\t\r\n\r\n"]))
def test_body_canonicalisation_equals_dkimpy(body: bytes, tail: bytes) -> None:
    body = body + tail
    assert canonical_body(body, Canon.RELAXED) == Relaxed.canonicalize_body(body)
    assert canonical_body(body, Canon.SIMPLE) == Simple.canonicalize_body(body)


@settings(max_examples=250, deadline=None)
@given(st.lists(_header, min_size=1, max_size=8), _body)
def test_header_split_and_relaxed_canonicalisation_equal_dkimpy(
        headers: list[tuple[bytes, bytes, bytes]], body: bytes) -> None:
    message = _message([(n, c if b" " not in c[:1] else b":", v) for n, c, v in headers],
                       body, b"\r\n")
    ours, our_body = split_message(message)
    theirs, their_body = dkim.rfc822_parse(message)
    assert our_body == their_body
    assert [raw for _, raw in ours] == [name + b":" + value for name, value in theirs]
    expected = [name + b":" + value for name, value in Relaxed.canonicalize_headers(theirs)]
    assert [header_relaxed(raw) for _, raw in ours] == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(_header, min_size=0, max_size=6), _body,
       st.sampled_from([b"", b"\r\n", b"\r\n\r\n", b" \t\r\n"]))
def test_every_generated_message_verifies_with_dkimpy(
        headers: list[tuple[bytes, bytes, bytes]], body: bytes, tail: bytes) -> None:
    fixed = [(b"From", b": ", b"Tide Notes <notes@tide.example>"), *[
        (n, b":", v) for n, _, v in headers]]
    message = _message(fixed, body, tail)
    signed = Signer(KEYS).sign(message)
    assert _verify_all(signed) == [True, True]


def test_bare_line_feeds_become_crlf_as_on_the_wire() -> None:
    assert to_crlf(b"a\nb\r\nc\rd\n") == b"a\r\nb\r\nc\r\nd\r\n"
    assert to_crlf(b"a\r\nb\r\n") == b"a\r\nb\r\n"


@pytest.mark.parametrize("algorithm", [0, 1])
def test_the_golden_edition_verifies(algorithm: int) -> None:
    message = GOLDEN.read_bytes()
    signed = Signer([KEYS[algorithm]]).sign(message)
    assert _verify_all(signed) == [True]
    _fields, body = split_message(to_crlf(message))
    assert canonical_body(body, Canon.RELAXED) == Relaxed.canonicalize_body(body)


def test_signed_headers_follow_rfc6376_and_oversign() -> None:
    signed = Signer(KEYS[:1]).sign(GOLDEN.read_bytes())
    head = signed.split(b"\r\n\r\n")[0].decode("utf-8", "replace")
    tags = head.split("DKIM-Signature:", 1)[1].split("\r\nFrom:")[0]
    h = tags.split("h=", 1)[1].split(";", 1)[0].replace("\r\n", "").replace(" ", "")
    names = h.split(":")
    present = {name.lower() for name, _ in
               (line.split(":", 1) for line in GOLDEN.read_text().split("\n\n")[0].splitlines()
                if line and line[0] not in " \t")}
    for name in ("from", "subject", "list-unsubscribe", "list-unsubscribe-post"):
        assert name in present, name
        assert names.count(name) == 2, (name, names)  # the header, and once more: oversigned
    assert {"to", "date", "message-id", "list-id", "mime-version", "content-type"} <= set(names)
    assert "reply-to" in names  # absent, signed as absent: no relay can add one
    for line in tags.split("\r\n"):
        assert len(line) <= 78


def test_a_tampered_message_fails() -> None:
    signed = Signer(KEYS).sign(GOLDEN.read_bytes())
    assert _verify_all(signed.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                                      b"List-Unsubscribe-Post: List-Unsubscribe=Never")) == \
        [False, False]


def _verify_all(signed: bytes) -> list[bool]:
    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return RECORDS.get(name)

    checker = dkim.DKIM(signed)
    count = signed.split(b"\r\n\r\n")[0].lower().count(b"\r\ndkim-signature:") + \
        signed.lower().startswith(b"dkim-signature:")
    return [bool(checker.verify(idx=index, dnsfunc=dns)) for index in range(count)]
