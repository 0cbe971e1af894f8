"""Address syntax checks: email-validator's verdict, with the domain half of it cached.

Why not simply call email-validator for every row: it re-checks the domain of each
address from scratch (Unicode normalisation, IDNA, special-use names), about 67 us an
address, and a list of a million subscribers has a handful of domains. So the domain is
checked once by email-validator and remembered; each address then only needs the checks
email-validator makes of a plain local part, which are done here with its own constants:

- the local part matches its `DOT_ATOM_TEXT` (ASCII atext and single inner dots), so it
  is neither quoted nor internationalised, and needs no Unicode normalisation;
- RFC 2142 mailbox names (`Postmaster`, `info`...) are lower-cased, as it does;
- the address, as given, normalised, and with the ASCII form of the domain, is at most
  254 bytes of UTF-8, as it checks.

Anything else (no @-sign, quotes, unicode local parts, a domain it refused or has not
yet accepted) goes to email-validator itself, so every error message is its own.
tests/test_addresses.py checks the verdicts and normal forms agree on many thousands of
generated valid and invalid addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOT_ATOM_TEXT,
    EMAIL_MAX_LENGTH,
)

_LOWERED_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_DOMAIN_CACHE_LIMIT = 10_000  # distinct domains remembered; lists have far fewer


@dataclass(frozen=True)
class _Domain:
    normal: str  # the domain as email-validator writes it in the normal form
    longest: int  # bytes of its longest form (as given, normal, ASCII), for the length check


_domains: dict[str, _Domain | None] = {}


def validate_slowly(address: str) -> str:
    """email-validator's normal form of the address, or ValueError with its reason."""
    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return str(result.normalized)


def _domain(domain: str) -> _Domain | None:
    """The checked domain, or None where email-validator refuses it (or refuses the
    shortest address on it: that address then takes the slow path and its exact error)."""
    if domain in _domains:
        return _domains[domain]
    try:
        result = validate_email(f"a@{domain}", check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        checked = None
    else:
        normal, ascii_domain = str(result.domain), str(result.ascii_domain)
        checked = _Domain(normal, max(len(domain.encode()), len(normal.encode()),
                                      len(ascii_domain)))
    if len(_domains) < _DOMAIN_CACHE_LIMIT:
        _domains[domain] = checked
    return checked


def check_address(address: str) -> str:
    """The address in its normal form (domain lower-cased), or ValueError saying why."""
    return plain_normal_form(address) or validate_slowly(address)


def plain_normal_form(address: str) -> str | None:
    """The normal form of a valid address with a plain local part on a domain already
    accepted, as email-validator would give it; None for any other address."""
    local, at, domain = address.partition("@")
    if not at or not DOT_ATOM_TEXT.match(local):
        return None
    checked = _domain(domain)
    # The local part is ASCII: its length in characters is its length in bytes.
    if checked is None or len(local) + 1 + checked.longest > EMAIL_MAX_LENGTH:
        return None
    if local.lower() in _LOWERED_NAMES:
        local = local.lower()
    return f"{local}@{checked.normal}"
