"""The editor's plan for one week: `editions/<YYYY-Www>.yaml`, all of it optional.

    subject: "Harbourside Notes: tides and tools"
    intro: |
      A short note from the editor.
    featured: ferry-that-runs-on-tides          # path, URL or slug
    articles:                                   # these, in this order (else: automatic)
      - content/2026-W48/ferry-that-runs-on-tides.md
      - https://example.org/2026/11/story
      - slug: a-library-card-for-hammers
        excerpt: "The editor's own excerpt."
        blurb: "A blurb shown for this article's author."
    exclude: [why-the-gulls-moved-inland]
    overrides:                                  # excerpt/blurb without fixing the order
      - article: council-keeps-blackrock-light-burning
        excerpt: "..."

The file is written by the editor, so any problem in it is an error naming file:line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.errors import ContentError
from digest.links import checked_url
from digest.weeks import IsoWeek
from digest.yamlfile import YamlDocument, read_yaml, unknown_key

_KEYS = {"subject", "intro", "featured", "articles", "exclude", "overrides"}
_REF_KEYS = ("path", "url", "slug", "article")
_ENTRY_KEYS = ("excerpt", "blurb")


@dataclass(frozen=True)
class PlanEntry:
    """One article named by the editor: a path, an http(s) URL or a slug."""

    ref: str
    line: int | None = None
    excerpt: str | None = None
    blurb: str | None = None

    @property
    def is_url(self) -> bool:
        return self.ref.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class EditionPlan:
    path: Path | None = None
    subject: str | None = None
    intro: str = ""
    articles: tuple[PlanEntry, ...] | None = None  # None: the week's articles, automatically
    featured: PlanEntry | None = None
    exclude: tuple[PlanEntry, ...] = ()
    overrides: tuple[PlanEntry, ...] = ()

    @property
    def urls(self) -> tuple[str, ...]:
        """URLs the plan names; they are fetched when no source already has them."""
        named = [*(self.articles or ()), *self.overrides]
        if self.featured:
            named.append(self.featured)
        return tuple(e.ref for e in named if e.is_url)


def plan_path(workspace: Path, week: IsoWeek) -> Path:
    return workspace / "editions" / f"{week}.yaml"


def load_plan(workspace: Path, week: IsoWeek) -> EditionPlan:
    """The week's plan, or an empty one when there is no edition file."""
    path = plan_path(workspace, week)
    if not path.is_file():
        return EditionPlan()
    doc = read_yaml(path, ContentError)
    if doc.data is None:
        return EditionPlan(path=path)
    if not isinstance(doc.data, dict):
        raise ContentError(path, "an edition file must be a mapping (subject, intro, "
                                 "articles, ...)", line=1)
    unknown = sorted(set(map(str, doc.data)) - _KEYS)
    if unknown:
        raise ContentError(path, unknown_key(unknown[0], _KEYS), line=doc.key_line(unknown[0]))
    data = doc.data
    articles = _entries(doc, "articles") if data.get("articles") is not None else None
    featured = _entry(doc, data["featured"], ("featured",)) if data.get("featured") else None
    return EditionPlan(
        path=path,
        subject=_text(doc, "subject"),
        intro=_intro(doc),
        articles=articles,
        featured=featured,
        exclude=_entries(doc, "exclude"),
        overrides=_entries(doc, "overrides"),
    )


def _text(doc: YamlDocument, key: str) -> str | None:
    value = doc.data.get(key)
    if value is None:
        return None
    if isinstance(value, dict | list | bool):
        raise ContentError(doc.path, f"{key}: must be text", line=doc.line_of(key))
    return " ".join(str(value).split()) if key == "subject" else str(value).strip()


def _intro(doc: YamlDocument) -> str:
    """The editor's note, in Markdown. It is text, never a template: `{{ subscriber.name }}`
    would reach every reader as written, so it is refused with its line."""
    intro = _text(doc, "intro") or ""
    if "{{" in intro or "{%" in intro:
        first = doc.key_line("intro") or 1
        lines = doc.path.read_text(encoding="utf-8-sig").splitlines()[first - 1:]
        line = first + next((n for n, text in enumerate(lines) if "{{" in text or "{%" in text),
                            0)
        raise ContentError(doc.path, "intro: {{ }} and {% %} belong in templates, not in the "
                           "editor's note (personalise templates/; see docs/TEMPLATES.md)", line)
    return intro


def _entries(doc: YamlDocument, key: str) -> tuple[PlanEntry, ...]:
    value = doc.data.get(key) or []
    if not isinstance(value, list):
        raise ContentError(doc.path, f"{key}: must be a list of paths, URLs or slugs",
                           line=doc.line_of(key))
    return tuple(_entry(doc, item, (key, index)) for index, item in enumerate(value))


def _entry(doc: YamlDocument, item: Any, keys: tuple[str | int, ...]) -> PlanEntry:
    line = doc.line_of(*keys)
    if isinstance(item, dict):
        refs = [k for k in _REF_KEYS if item.get(k)]
        extra = sorted(set(map(str, item)) - {*_REF_KEYS, *_ENTRY_KEYS})
        if extra:
            raise ContentError(doc.path, unknown_key(extra[0], {*_REF_KEYS, *_ENTRY_KEYS}),
                               line=doc.key_line(*keys, extra[0]))
        if len(refs) != 1:
            raise ContentError(doc.path, "an article entry needs exactly one of path, url, slug "
                               "(and optionally excerpt, blurb)", line=line)
        ref = str(item[refs[0]]).strip()
        excerpt = " ".join(str(item["excerpt"]).split()) if item.get("excerpt") else None
        blurb = " ".join(str(item["blurb"]).split()) if item.get("blurb") else None
    elif isinstance(item, str | int | float) and not isinstance(item, bool) and str(item).strip():
        ref, excerpt, blurb = str(item).strip(), None, None
    else:
        raise ContentError(doc.path, "an article entry must be a path, URL, slug or mapping",
                           line=line)
    if "://" in ref or ref.lower().startswith(("javascript:", "data:", "mailto:")):
        checked_url(ref, doc.path, line)  # refuses non-http(s) schemes with file:line
    return PlanEntry(ref=ref, line=line, excerpt=excerpt, blurb=blurb)
