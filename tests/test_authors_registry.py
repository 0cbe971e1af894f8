"""Authors: registry by name or alias, bios found in articles fill the gaps, several authors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from digest.editorial.authors import AuthorRegistry, RegisteredAuthor, authors_for, load_authors
from digest.models import Article
from tests.support.workspaces import write

WHEN = datetime(2026, 11, 24, tzinfo=UTC)


def article(*names: str, bios: tuple[tuple[str, str], ...] = ()) -> Article:
    return Article(title="T", body="B.", source="s", published=WHEN, authors=names,
                   author_bios=bios)


def test_registry_matches_aliases_ignoring_case_accents_and_dots(tmp_path: Path) -> None:
    registry = load_authors(write(tmp_path / "authors.yaml", """\
- name: Zoë Ångström
  aliases: [Z. Angstrom]
  bio: "Zoë Ångström writes about glaciers and the people who measure them."
  photo: https://a.example/zoe.jpg
  links: [https://a.example/zoe]
"""))
    for name in ("zoe angstrom", "Z Angstrom", "ZOË  ÅNGSTRÖM"):
        found = registry.find(name)
        assert found is not None and found.name == "Zoë Ångström"


def test_registry_wins_and_article_bios_fill_in_per_author() -> None:
    registry = AuthorRegistry([
        RegisteredAuthor("Oona Brack", bio="Oona Brack edits the Ledger."),
        RegisteredAuthor("Lio Park", bio=""),
    ])
    bios = (("Oona Brack", "Oona Brack once drove a tram."),
            ("Teodor Vance", "Teodor Vance is the data reporter."),
            ("Lio Park", "Lio Park photographs harbours."))
    shown = authors_for(article("O. Brack", "Teodor Vance", "Lio Park", bios=bios), registry,
                        max_chars=280)
    assert [(a.name, a.blurb) for a in shown] == [
        ("O. Brack", ""),  # not in the registry under that spelling, and no bio of its own
        ("Teodor Vance", "Teodor Vance is the data reporter."),
        ("Lio Park", "Lio Park photographs harbours."),  # registry has no bio: article's
    ]
    shown = authors_for(article("Oona Brack", bios=bios), registry, max_chars=280)
    assert shown[0].blurb == "Oona Brack edits the Ledger."  # registry wins


def test_editor_blurb_wins_for_the_first_author() -> None:
    registry = AuthorRegistry([RegisteredAuthor("Oona Brack", bio="Oona Brack edits the Ledger.")])
    shown = authors_for(article("Oona Brack", "Lio Park"), registry, 280, blurb="Guest editor.")
    assert [a.blurb for a in shown] == ["Guest editor.", ""]
