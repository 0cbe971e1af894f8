"""Personalised messages per second: render once + fill slots, against a naive baseline.

    python benchmarks/render.py [--subscribers 10000] [--baseline-sample 300]

Both run in this process on the same 10-article edition. The naive baseline does, per
subscriber, what a simple mail merge would: Jinja render, MJML compile, EmailMessage
serialisation. It is timed on a sample (it is slow) and reported as a rate. Peak memory
of the fast path is measured with tracemalloc at 1,000 and at the full subscriber count:
messages are built and dropped one by one, so the peak must not grow with the list.
It also prints the HTML one card costs (the edition less the same edition without its
articles, per article) beside the text a reader sees in it.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from digest.config import load_settings
from digest.models import Article, Author, Edition, EditionItem, Subscriber
from digest.rendering.compose import (
    HTML_TEMPLATE,
    TEXT_TEMPLATE,
    compile_mjml,
    make_environment,
    render_edition,
    template_context,
)
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import escape_html
from digest.settings import Settings

CONFIG = """\
newsletter:
  name: Benchmark Bulletin
  from: "Benchmark Bulletin <news@bench.example>"
  public_url: https://bench.example/news
  postal_address: "1 Test Road, Testville"
"""
SENTENCE = "The council met on Tuesday to discuss the harbour wall and the new ferry. "


def make_edition() -> Edition:
    items = tuple(
        EditionItem(
            article=Article(title=f"Story number {n} about the harbour", body=SENTENCE,
                            source="bench", published=datetime(2026, 11, 24, tzinfo=UTC),
                            url=f"https://bench.example/story-{n}"),
            excerpt=SENTENCE * 5,
            authors=(Author(f"Writer {n}", f"Writer {n} covers the harbour. " * 3,
                            f"https://bench.example/w{n}.jpg"),),
            featured=n == 0,
        )
        for n in range(10)
    )
    return Edition(week="2026-W48", newsletter="Benchmark Bulletin",
                   subject="Benchmark Bulletin: 23 November 2026",
                   date=datetime(2026, 11, 23, tzinfo=UTC), items=items,
                   intro="Ten stories this week.")


def subscribers(count: int) -> Iterator[Subscriber]:
    for n in range(count):
        yield Subscriber(email=f"reader{n}@example.org", name=f"Reader {n}")


def fast(edition: Edition, settings: Settings, count: int) -> tuple[float, int]:
    """Render once, then build every message; returns (seconds, total bytes)."""
    start = time.perf_counter()
    factory = MessageFactory(render_edition(edition, settings), settings, "bench-secret")
    total = 0
    for subscriber in subscribers(count):
        total += len(factory.build(subscriber))
    return time.perf_counter() - start, total


class _Value(str):
    """A plain value that also answers the templates' `.otherwise(default)`."""

    def otherwise(self, default: str) -> str:
        return str(self) or default


class _PlainSubscriber:
    """`subscriber` for the naive baseline: the values themselves, no slot markers."""

    def __init__(self, subscriber: Subscriber) -> None:
        self.name, self.email = _Value(subscriber.name), _Value(subscriber.email)


def naive(edition: Edition, settings: Settings, count: int) -> tuple[float, int]:
    """Per subscriber: Jinja, MJML, EmailMessage. Returns (seconds, total bytes)."""
    env = make_environment(settings, edition.week)
    factory = MessageFactory(render_edition(edition, settings), settings, "bench-secret")
    start = time.perf_counter()
    total = 0
    for subscriber in subscribers(count):
        values = factory.values_for(subscriber)
        context: dict[str, Any] = template_context(
            edition, settings, _PlainSubscriber(subscriber), values["unsubscribe_url"],
            values["view_url"])
        html = compile_mjml(env.get_template(HTML_TEMPLATE).render(context), HTML_TEMPLATE)
        text = env.get_template(TEXT_TEMPLATE).render(context)
        message = EmailMessage()
        message["From"] = settings.newsletter.sender
        message["To"] = subscriber.email
        message["Subject"] = edition.subject
        message["List-Unsubscribe"] = f"<{values['unsubscribe_url']}>"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        total += len(message.as_bytes())
    return time.perf_counter() - start, total


class _VisibleText(HTMLParser):
    """The text of a page outside <head> (the preheader, hidden, is the same with and
    without articles, so it drops out of the difference)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("head", "style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("head", "style", "title")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_bytes(html: str) -> int:
    parser = _VisibleText()
    parser.feed(html)
    return len(" ".join(" ".join(parser.parts).split()).encode("utf-8"))


def card_bytes(edition: Edition, settings: Settings) -> str:
    """HTML bytes per card: the edition less the same edition without articles, per article."""
    html = render_edition(edition, settings).html.fill({}, escape_html)
    empty = render_edition(dataclasses.replace(edition, items=()), settings).html.fill(
        {}, escape_html)
    count = len(edition.items)
    markup = (len(html.encode("utf-8")) - len(empty.encode("utf-8"))) / count
    text = (visible_bytes(html) - visible_bytes(empty)) / count
    styles = sum(map(len, re.findall(r' style="[^"]*"', html))) / len(html)
    outlook = sum(map(len, re.findall(r"<!--\[if.*?<!\[endif\]-->", html, re.S))) / len(html)
    return (f"{markup:,.0f} B of HTML per card for {text:,.0f} B of visible text; "
            f"inline styles {styles:.0%}, Outlook conditionals {outlook:.0%} of the email")


def peak_memory(edition: Edition, settings: Settings, count: int) -> int:
    tracemalloc.start()
    fast(edition, settings, count)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--baseline-sample", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "digest.yaml").write_text(CONFIG, encoding="utf-8")
        settings = load_settings(Path(folder), env={})
        edition = make_edition()
        fast(edition, settings, 50)  # warm up: imports, template cache
        fast_seconds, fast_bytes = fast(edition, settings, args.subscribers)
        naive_seconds, naive_bytes = naive(edition, settings, args.baseline_sample)
        small = peak_memory(edition, settings, 1_000)
        large = peak_memory(edition, settings, args.subscribers)
        cards = card_bytes(edition, settings)
    fast_rate = args.subscribers / fast_seconds
    naive_rate = args.baseline_sample / naive_seconds
    print(f"edition: 10 articles, {fast_bytes // args.subscribers / 1000:.1f} KB per message "
          f"(naive: {naive_bytes // args.baseline_sample / 1000:.1f} KB)")
    print(f"render once + fill: {args.subscribers} messages in {fast_seconds:.2f} s "
          f"= {fast_rate:,.0f} msg/s (including the one render)")
    print(f"naive baseline:     {args.baseline_sample} messages in {naive_seconds:.2f} s "
          f"= {naive_rate:,.0f} msg/s")
    print(f"speed-up:           {fast_rate / naive_rate:.1f}x (target >= 20x)")
    print(f"card size:          {cards}")
    print(f"peak memory:        {small / 1e6:.2f} MB at 1,000 subscribers, "
          f"{large / 1e6:.2f} MB at {args.subscribers:,} (ratio {large / small:.2f})")
    return 0 if fast_rate / naive_rate >= 20 and large / small < 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
