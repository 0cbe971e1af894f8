"""`digest dkim keygen|record`: make a DKIM key pair, and print the DNS records to publish."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from digest.cli.commands.common import add_workspace
from digest.errors import ConfigError, DigestError, ExitCode

KEY_TYPES = ("rsa", "ed25519")
TXT_STRING = 255  # a DNS TXT record is made of strings of at most 255 bytes each


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "dkim", help="make a DKIM key pair and print the DNS TXT records to publish",
        description="Sign mail with DKIM: `keygen` writes a private key into the workspace "
        "and prints the TXT record to publish; `record` prints the records of the keys that "
        "digest.yaml names.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    keygen = actions.add_parser("keygen", help="write a new private key and print its record",
                                description="Write a new private key (mode 0600) and print "
                                "the TXT record and the digest.yaml lines that use it.")
    add_workspace(keygen)
    keygen.add_argument("--selector", required=True,
                        help="the DNS selector, e.g. s2026 (the record goes at "
                        "<selector>._domainkey.<domain>)")
    keygen.add_argument("--type", choices=KEY_TYPES, default="rsa",
                        help="rsa (every receiver verifies it) or ed25519 (short and fast; "
                        "use it beside an rsa key). Default: rsa")
    keygen.add_argument("--bits", type=int, default=2048, help="RSA key size (default 2048)")
    keygen.add_argument("--domain", help="signing domain (default: newsletter.from's domain)")
    keygen.add_argument("--out", type=Path,
                        help="key file to write (default: dkim/<selector>.pem in the workspace)")
    keygen.set_defaults(handler=run_keygen)
    record = actions.add_parser("record", help="print the TXT records of the configured keys")
    add_workspace(record)
    record.set_defaults(handler=run_record)


def run_keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    from digest.delivery.dkim import public_record

    if args.type == "rsa" and not 1024 <= args.bits <= 8192:
        raise DigestError(f"--bits {args.bits}: use 2048 (or between 1024 and 8192)")
    workspace = Path(args.workspace).resolve()
    domain = args.domain or _sender_domain(workspace)
    out = args.out or workspace / "dkim" / f"{args.selector}.pem"
    if out.exists():
        raise DigestError(f"{out}: already exists; choose another --selector or --out")
    key = (rsa.generate_private_key(public_exponent=65537, key_size=args.bits)
           if args.type == "rsa" else ed25519.Ed25519PrivateKey.generate())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    out.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as file:
        file.write(pem)
    shown = os.path.relpath(out, workspace) if out.is_relative_to(workspace) else str(out)
    print(f"wrote {shown} ({args.type}{'-' + str(args.bits) if args.type == 'rsa' else ''}); "
          "keep it secret. Publish this TXT record:")
    print(zone_line(args.selector, domain, public_record(key)))
    print(f"then add to digest.yaml:\ndkim:\n  domain: {domain}\n  selector: {args.selector}\n"
          f"  key: {shown}")
    return ExitCode.OK


def run_record(args: argparse.Namespace) -> int:
    from digest.cli.commands.common import settings_from
    from digest.delivery.dkim import load_key, public_record

    settings = settings_from(args)
    if settings.dkim is None:
        raise ConfigError(settings.workspace / "digest.yaml",
                          "dkim: no key is set (`digest dkim keygen --selector NAME` makes one)")
    for entry in settings.dkim.keys:
        print(zone_line(entry.selector, settings.dkim.domain, public_record(load_key(entry.key))))
    return ExitCode.OK


def zone_line(selector: str, domain: str, record: str) -> str:
    """A zone-file line; long RSA records are split into 255-byte strings, as DNS requires."""
    strings = [record[i:i + TXT_STRING] for i in range(0, len(record), TXT_STRING)]
    quoted = " ".join(f'"{part}"' for part in strings)
    return f"{selector}._domainkey.{domain}. IN TXT ( {quoted} )"


def _sender_domain(workspace: Path) -> str:
    from digest.config import load_settings

    if not (workspace / "digest.yaml").is_file():
        raise DigestError("give --domain, or run in a workspace whose digest.yaml sets "
                          "newsletter.from")
    sender = load_settings(workspace).newsletter.sender
    return sender.rpartition("@")[2].strip(" >").lower()
