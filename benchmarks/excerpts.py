"""Measure the excerpt engine against Lead-3, lead sentences in the same budget, lead-by-words.

    python benchmarks/excerpts.py [--eval PATH] [--out docs/EXCERPTS.md]

ROUGE-1/2/L F1 (rouge_score, stemming on) per dataset; for ROUGE-1, a 95% bootstrap
interval of each system's mean and paired bootstrap 95% intervals of engine minus each
baseline (rows resampled with replacement, fixed seed, so the figures repeat); audited rule
violations per rule over all rows, and articles per second on one core (engine only, best of
3 passes). The eval file is research data kept outside the repository; when it is absent
this prints a message and exits 0.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.editorial.excerpts import audit_excerpt, make_excerpt  # noqa: E402
from digest.settings import ExcerptBudget  # noqa: E402
from digest.text.sentences import split_sentences  # noqa: E402
from digest.words import count_words  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared/eval/excerpts-dev.jsonl"
METRICS = ("rouge1", "rouge2", "rougeL")
RESAMPLES = 10_000
# Per (dataset, system): per-row F1 (x100) for each metric, in row order.
Scores = dict[tuple[str, str], dict[str, list[float]]]


def lead_sentences(text: str, count: int = 3) -> str:
    """Lead-3: the first `count` sentences, as the literature computes it (no cleaning)."""
    return " ".join(split_sentences(text)[:count])


def lead_within_budget(text: str, budget: ExcerptBudget) -> str:
    """Whole lead sentences, no rules, chosen as the engine chooses: from the first sentence
    that fits, while under the target and the next one still fits the budget."""
    chosen: list[str] = []
    words = chars = 0
    for sentence in split_sentences(text):
        size, extra = count_words(sentence), len(sentence) + (1 if chosen else 0)
        if words + size > budget.max_words or chars + extra > budget.max_chars:
            if chosen:
                break
            continue
        chosen.append(sentence)
        words, chars = words + size, chars + extra
        if words >= budget.target_words:
            break
    return " ".join(chosen)


def lead_words(text: str, count: int) -> str:
    """The first `count` words, cut wherever they end."""
    return " ".join(text.split()[:count])


def read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score(
    systems: dict[str, Callable[[dict[str, Any]], str]], rows: list[dict[str, Any]]
) -> Scores:
    """Per-row ROUGE F1 (x100) per (dataset, system), rows in file order."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    scores: Scores = {}
    for row in rows:
        for name, system in systems.items():
            found = scorer.score(row["reference"], system(row))
            bucket = scores.setdefault((row["dataset"], name), {m: [] for m in METRICS})
            for metric in METRICS:
                bucket[metric].append(100 * found[metric].fmeasure)
    return scores


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def bootstrap_interval(values: list[float], seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean of `values` (or of paired differences)."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(mean([values[rng.randrange(n)] for _ in range(n)]) for _ in range(RESAMPLES))
    return means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]


def measure_speed(rows: list[dict[str, Any]], budget: ExcerptBudget) -> float:
    """Articles per second for the engine alone, best of three passes."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for row in rows:
            make_excerpt(row["text"], title=row.get("title"), budget=budget)
        best = min(best, time.perf_counter() - started)
    return len(rows) / best


def build_report(rows: list[dict[str, Any]], budget: ExcerptBudget) -> str:
    excerpts = {
        row["id"]: make_excerpt(row["text"], title=row.get("title"), budget=budget) for row in rows
    }
    same_budget = "lead-same-budget"
    systems: dict[str, Callable[[dict[str, Any]], str]] = {
        "engine": lambda row: excerpts[row["id"]],
        "lead-3": lambda row: lead_sentences(row["text"]),
        same_budget: lambda row: lead_within_budget(row["text"], budget),
        f"lead-{budget.target_words}-words": lambda row: lead_words(
            row["text"], budget.target_words
        ),
    }
    results = score(systems, rows)
    violations: Counter[str] = Counter()
    for row in rows:
        violations.update(
            audit_excerpt(
                excerpts[row["id"]], body=row["text"], title=row.get("title"), budget=budget
            )
        )
    empty = sum(1 for text in excerpts.values() if not text)
    mean_words = sum(len(text.split()) for text in excerpts.values()) / len(rows)
    baseline_words = sum(len(lead_within_budget(row["text"], budget).split()) for row in rows)
    speed = measure_speed(rows, budget)
    datasets = sorted({row["dataset"] for row in rows})
    lines = [
        "| dataset | system | ROUGE-1 | ROUGE-1 95% CI | ROUGE-2 | ROUGE-L |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for dataset in datasets:
        n = sum(1 for row in rows if row["dataset"] == dataset)
        for name in systems:
            found = results[(dataset, name)]
            low, high = bootstrap_interval(found["rouge1"])
            lines.append(
                f"| {dataset} (n={n}) | {name} | {mean(found['rouge1']):.2f} | "
                f"{low:.2f} to {high:.2f} | {mean(found['rouge2']):.2f} | "
                f"{mean(found['rougeL']):.2f} |"
            )
    lines += [
        "",
        "| dataset | ROUGE-1 difference | mean | paired bootstrap 95% CI |",
        "|---|---|---:|---:|",
    ]
    for dataset in datasets:
        engine = results[(dataset, "engine")]["rouge1"]
        for name in systems:
            if name == "engine":
                continue
            other = results[(dataset, name)]["rouge1"]
            differences = [a - b for a, b in zip(engine, other, strict=True)]
            low, high = bootstrap_interval(differences)
            lines.append(
                f"| {dataset} | engine minus {name} | {mean(differences):+.2f} | "
                f"{low:+.2f} to {high:+.2f} |"
            )
    lines += [
        "",
        f"- Audited rule violations (engine, all {len(rows)} rows): "
        + (", ".join(f"{rule}: {count}" for rule, count in sorted(violations.items())) or "0"),
        f"- Empty excerpts (caller falls back): {empty}",
        f"- Mean excerpt length: {mean_words:.1f} words ({same_budget}: "
        f"{baseline_words / len(rows):.1f}; budget: target {budget.target_words}, "
        f"max {budget.max_words} words, max {budget.max_chars} characters)",
        f"- Speed: {speed:,.0f} articles/s on one core (engine only, best of 3)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="eval JSON lines")
    parser.add_argument("--out", type=Path, help="also write the table into this markdown file")
    args = parser.parse_args(argv)
    if not args.eval.exists():
        print(f"eval file not found: {args.eval} (nothing measured)")
        return 0
    table = build_report(read_rows(args.eval), ExcerptBudget())
    print(table)
    if args.out:
        write_markdown(args.out, table, args.eval)
        print(f"wrote {args.out}")
    return 0


def write_markdown(path: Path, table: str, eval_path: Path) -> None:
    """Replace the results section between markers, keeping the hand-written text."""
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    block = f"{start}\nEval file: `{eval_path.name}`\n\n{table}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Excerpts\n\n{start}\n{end}\n"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += "\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
