"""Is the workspace ready for real readers? What `digest check` warns of and what a real
send (not `capture`) refuses without --force:

- placeholders `digest init` wrote: its sample name and postal address, the sample
  article and list, the author "Your Name", and addresses or a public_url under a reserved
  domain (.example, .test, .invalid, example.com/.net/.org, localhost) that no reader's
  mail or browser reaches;
- a public_url that is not https: Gmail and Yahoo offer one-click unsubscribe only over it;
- no DKIM key for a real relay: bulk mail without a signature is junked or refused;
- an author without a bio: the card shows a name and nothing about them.

Each finding is one line naming the file (and line) to change.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import AuthorsError, ConfigError, DigestError, located
from digest.models import Edition
from digest.resources import skeleton_dir
from digest.settings import Settings, SmtpMode, parse_mailbox
from digest.yamlfile import YamlDocument, read_yaml

RESERVED_TLDS = ("example", "test", "invalid", "localhost")  # RFC 2606, RFC 6761
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
# Files `digest init` copies that a real newsletter replaces.
SAMPLE_FILES = ("content/welcome.md", "subscribers/subscribers.csv")


def readiness_findings(settings: Settings, edition: Edition | None = None) -> list[str]:
    """Every reason the workspace is not ready for a real send; [] when it is."""
    config = read_yaml(settings.path("digest.yaml"), ConfigError)
    sample = read_yaml(skeleton_dir() / "digest.yaml", ConfigError)
    findings = _newsletter_findings(settings, config, sample)
    if settings.smtp.mode is not SmtpMode.CAPTURE and settings.dkim is None \
            and not settings.dkim_by_relay:
        findings.append(located(config.path, config.line_of("smtp", "url"),
                                f"no DKIM key for the relay {settings.smtp.address}: receivers "
                                "junk or refuse unsigned bulk mail; make one with `digest dkim "
                                "keygen --selector NAME` and add it under dkim: (or set "
                                "dkim.relay_signs: true if the relay signs for your domain)"))
    named = _author_findings(settings.path("authors.yaml"))
    findings += named.values()
    if edition is not None:
        findings += _edition_author_findings(edition, set(named))
    for name in SAMPLE_FILES:
        ours, theirs = settings.path(name), skeleton_dir() / name
        if ours.is_file() and ours.read_bytes() == theirs.read_bytes():
            findings.append(f"{ours}: still the sample `digest init` wrote; replace or delete it")
    return findings


def reserved_domain(domain: str) -> bool:
    """A domain reserved for examples and tests, or this machine: no reader reaches it."""
    domain = domain.lower().rstrip(".").strip("[]")
    try:
        return ipaddress.ip_address(domain).is_loopback
    except ValueError:
        pass
    return domain.rpartition(".")[2] in RESERVED_TLDS or any(
        domain == reserved or domain.endswith("." + reserved) for reserved in RESERVED_DOMAINS)


def _newsletter_findings(settings: Settings, config: YamlDocument,
                         sample: YamlDocument) -> list[str]:
    newsletter = settings.newsletter
    found = []

    def add(key: str, message: str) -> None:
        found.append(located(config.path, config.line_of("newsletter", key),
                             f"newsletter.{key}: {message}"))

    samples = (sample.data or {}).get("newsletter") or {}
    for key, value in (("name", newsletter.name), ("postal_address", newsletter.postal_address)):
        if value and value == samples.get(key):
            add(key, f"{value!r} is the sample `digest init` wrote; put your own")
    addresses = (("from", newsletter.sender), ("reply_to", newsletter.reply_to),
                 ("unsubscribe_mailto", newsletter.unsubscribe_mailto))
    for key, address in addresses:
        if address and reserved_domain(parse_mailbox(address).address.rpartition("@")[2]):
            add(key, f"{address!r} is a placeholder: mail to that domain reaches no one; "
                "use an address of your own domain")
    url = urlsplit(newsletter.public_url)
    if reserved_domain(url.hostname or ""):
        add("public_url", f"{newsletter.public_url!r} is a placeholder: readers' unsubscribe "
            "and 'View in browser' links would lead nowhere; put the https address where "
            "`digest serve` is reachable")
    elif url.scheme != "https":
        add("public_url", f"{newsletter.public_url!r} is not https: Gmail and Yahoo offer "
            "one-click unsubscribe only for https links")
    return found


def _author_findings(path: Path) -> dict[str, str]:
    """authors.yaml: the sample author, and authors without a bio (finding by name)."""
    if not path.is_file():
        return {}
    sample_names = {str(entry.get("name")) for entry in _entries(skeleton_dir() / "authors.yaml")}
    try:
        doc = read_yaml(path, AuthorsError)
    except DigestError:
        return {}  # `check` and the send report a broken authors.yaml as a problem already
    found = {}
    for index, entry in enumerate(doc.data if isinstance(doc.data, list) else []):
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name") or "").strip()
        where = doc.line_of(index)
        if name in sample_names:
            found[name] = located(path, where, f"{name!r} is the sample author `digest init` "
                                  "wrote; put yourself (name, bio, photo, links)")
        elif name and not str(entry.get("bio") or "").strip():
            found[name] = located(path, where, f"{name} has no bio: their articles' cards "
                                  "show nothing about them; add `bio:`")
    return found


def _entries(path: Path) -> list[dict[str, Any]]:
    data = read_yaml(path, AuthorsError).data
    return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []


def _edition_author_findings(edition: Edition, seen: set[str]) -> list[str]:
    """Authors in this edition with no bio anywhere (authors.yaml or the article), except
    those authors.yaml findings already name."""
    found = []
    for item in edition.items:
        for author in item.authors:
            if author.blurb or author.name in seen:
                continue
            seen.add(author.name)
            found.append(f"{item.article.source}: {author.name} has no bio in authors.yaml or "
                         f"the article: the card of {item.article.title!r} shows nothing about "
                         "them; add them to authors.yaml with a bio")
    return found
