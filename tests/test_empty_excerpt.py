"""An article the engine finds no fit excerpt in still gets a tidy card: no empty block."""

from __future__ import annotations

from pathlib import Path

from digest.cli.pipeline import prepare_edition
from digest.config import load_settings
from digest.weeks import parse_week
from tests.support.workspaces import write

QUESTIONS_ONLY = """\
---
title: "Questions for the Harbour Board"
author: Nadia Ferreira
date: 2026-11-25
url: https://estuary.example/2026/questions
---
Who decided to close the slipway?

When will it open again?
"""


def test_card_without_excerpt_has_no_empty_text_block(workspace: Path) -> None:
    write(workspace / "content" / "questions.md", QUESTIONS_ONLY)
    prepared = prepare_edition(load_settings(workspace), parse_week("2026-W48"))
    item = next(i for i in prepared.edition.items if i.article.title.startswith("Questions"))
    assert item.excerpt == ""
    source = prepared.rendered.mjml_source
    assert "Questions for the Harbour Board" in source
    assert "<mj-text></mj-text>" not in source
    text = prepared.rendered.text.fill({}, lambda v: v)
    card = text[text.index("Questions for the Harbour Board"):]
    assert "\n\n\n\n" not in card[:200]
