"""The editorial review set stays graded: every current excerpt has a grade for its exact
text, and the audit agrees with the editor (benchmarks/review.py; docs/EXCERPTS.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks/review.py"


def load_review() -> ModuleType:
    spec = importlib.util.spec_from_file_location("review", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["review"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("part", ["dev", "heldout"])
def test_every_review_excerpt_is_graded_in_its_current_text(part: str) -> None:
    review = load_review()
    items = review.excerpt_items(part, review.ExcerptBudget())
    lines = review.report(items, review.read_grades(), part)
    assert "- Not graded in their current text: 0" in lines
    assert "- Editor accepts, audit flags (false alarms): 0" in lines


def test_the_held_out_part_meets_its_targets() -> None:
    review = load_review()
    grades = [g for g in review.read_grades() if g["round"] == "heldout-after"]
    good = sum(1 for g in grades if g["grade"] in "AB")
    assert len(grades) >= 20
    assert good / len(grades) >= 0.9
