"""The cached address check gives email-validator's verdict on every address.

digest/audience/addresses.py checks plain local parts itself and remembers each domain's
verdict; these tests put many thousands of generated addresses through both it and
email-validator and require the same normal form, or the same error message.
"""

from __future__ import annotations

import itertools
import random

from digest.audience.addresses import check_address, plain_normal_form, validate_slowly

ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"

LOCALS = [
    "reader", "Reader.Name", "a", "a.b.c", "first+tag", "o'brien", "x_y-z", "1234",
    "!#$%&'*+-/=?^_`{|}~", ".lead", "trail.", "dou..ble", ".", "", " space", "sp ace",
    '"quoted"', '"with space"', '"a@b"', '"esc\\"aped"', '"unclosed', 'mid"quote',
    "zoë", "zoe\u0301", "用户", "\u0301lead", "ｆｕｌｌ", "tab\there", "nul\x00l",
    "Postmaster", "INFO", "abuse", "WebMaster", "news", "angle<", "a>b", "a,b", "a;b",
    "a" * 63, "a" * 64, "a" * 65, "b" * 200, "x@y", "(comment)x", "a\\b", "ñandú.ü",
]

DOMAINS = [
    "example.org", "EXAMPLE.ORG", "Mail.Example.Net", "exämple.org", "EXÄMPLE.org",
    "xn--exmple-cua.org", "bücher.example", "例え.jp", "münchen.de", "ab--cd.com",
    "xn--zz.com", "localhost", "a.local", "foo.test", "x.invalid", "y.onion",
    "z.arpa", "nodot", "-bad.com", "bad-.com", "a..b.com", ".a.com", "a.com.", "[1.2.3.4]",
    "[IPv6:::1]", "1.2.3.4", "a.123", "example。org", "ＥＸＡＭＰＬＥ.org", "exa mple.org",
    "example.org ", "under_score.com", "a" * 63 + ".com", "a" * 64 + ".com",
    ".".join(["abcdefghi"] * 24) + ".com", ".".join(["abcdefghi"] * 25) + ".com",
    "x.co.uk", "e\u0301xample.org", "\u0301x.org", "", "@example.org", "ex@mple.org",
    "xn--4dbc.1.com", "1.xn--4dbc.com",
]


def same_verdict(address: str) -> bool:
    """check_address and email-validator agree: same normal form, or the same error."""
    try:
        expected = validate_slowly(address)
    except ValueError as error:
        try:
            check_address(address)
        except ValueError as ours:
            return str(ours) == str(error)
        return False
    try:
        return check_address(address) == expected
    except ValueError:
        return False


def test_every_local_part_on_every_domain_gets_email_validators_verdict() -> None:
    addresses = [f"{local}@{domain}" for local, domain in itertools.product(LOCALS, DOMAINS)]
    addresses += ["", "@", "no-at-sign", "a@", "@example.org", "a@b@example.org",
                  "Name <a@example.org>", "<a@example.org>", "a@example.org>", "a＠example.org"]
    disagreements = [address for address in addresses if not same_verdict(address)]
    assert disagreements == []
    fast = [address for address in addresses if plain_normal_form(address) is not None]
    assert len(fast) > 200  # the shortcut is taken, and agrees
    assert all(plain_normal_form(a) == validate_slowly(a) for a in fast)


def _random_local(rng: random.Random) -> str:
    length = rng.choice([1, 2, 5, 12, 40, 63, 64, 65, 100, 190, 230])
    pool = rng.choice([ATEXT, ATEXT + "..", "abc.", 'ab "@\\', "aöü✓.", "a\u0301e\u0308.",
                       "ab\t\r\n"])
    return "".join(rng.choice(pool) for _ in range(length))


def _random_domain(rng: random.Random) -> str:
    labels = rng.randint(1, 6)
    words = []
    for _ in range(labels):
        length = rng.choice([1, 3, 10, 30, 62, 63, 64])
        pool = rng.choice(["abcxyz09", "abc-", "exämpleü", "ABCdef", "xn--ab", "a_b"])
        words.append("".join(rng.choice(pool) for _ in range(length)))
    return ".".join(words) + rng.choice([".org", ".com", ".co.uk", ".test", "", ".123", "."])


def test_generated_addresses_of_odd_lengths_dots_and_unicode_agree() -> None:
    rng = random.Random(20261130)
    domains = [_random_domain(rng) for _ in range(400)] + DOMAINS
    addresses = [f"{_random_local(rng)}@{rng.choice(domains)}" for _ in range(12_000)]
    # Lengths right at the 254-byte limit, on an ASCII and an internationalised domain.
    for domain in ("example.org", "exämple.org", "xn--exmple-cua.org"):
        for total in range(248, 260):
            addresses.append("r" * (total - len(domain) - 1) + "@" + domain)
    disagreements = [address for address in addresses if not same_verdict(address)]
    assert disagreements == []
    accepted = sum(plain_normal_form(address) is not None for address in addresses)
    assert accepted > 300
