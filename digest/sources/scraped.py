"""Scraped plain text: publication line, title (often repeated), byline, body, author bio.

    Publication Name
    The Title
    The Title                        <- repeated by many scrapers; dropped
    By Jane Doe and Ray Li | March 3, 2025     <- byline and/or dateline; also
    Published: 3 March 2025             "Updated ...", "5 min read"
    Body paragraphs ...
    Read more: Another story         <- "Read more", "Share this", "Related:" lines dropped
    About the author                 <- also "Author", "Authors", "About the authors"
    Jane Doe                         <- a name line (or several names) then the bio;
    Bio paragraph ...                   several "name, bio" pairs for several authors

The headline is found by these rules, first match wins: a line that appears twice in a row
near the top (so a headline that reads like a sentence, full stop and all, is still the
headline); a line followed by a byline or dateline; else the second line, unless it is
already body text. An author section may also be headed "About Jane Doe": the name is the
author's when the paragraph after it is about them (starts with their name or He/She/They).

Editor-written input: a file without title or body is an error naming file:line.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from pathlib import Path

from digest.errors import ContentError
from digest.links import slugify
from digest.models import Article
from digest.sources.common import (
    clean_article,
    file_time,
    in_range,
    split_names,
    without_controls,
)
from digest.words import count_words

_AUTHOR_HEADING = re.compile(
    r"^(?:about\s+the\s+authors?|authors?|author\s+bio(?:graphy)?|about\s+the\s+writers?|"
    r"contributors?)\s*:?$", re.IGNORECASE)
_BY = re.compile(r"^(?:written\s+)?by[:\s]\s*(?P<names>.+?)\s*(?:[|·•–—]\s*(?P<rest>.*))?$",
                 re.IGNORECASE)
_DATELINE_PREFIX = re.compile(r"^(?:published|posted|updated|last\s+updated|first\s+published"
                              r")(?:\s+on)?\s*:?\s*", re.IGNORECASE)
_READING_TIME = re.compile(r"^\d+\s*(?:-\s*)?min(?:ute)?s?\s+read$", re.IGNORECASE)
_NOISE = re.compile(
    r"^(?:read\s+more|related|see\s+also|also\s+read|more\s+from|recommended|share(?:\s+this)?"
    r"(?:\s+(?:article|story|post|on\s+\w+))?|tweet|email|print|copy\s+link|follow\s+us|"
    r"advertisement|sponsored|subscribe|sign\s+up)\b[^.!?]*[:.]?.*$", re.IGNORECASE)
_SHARE_WORDS = {"share", "tweet", "facebook", "twitter", "x", "linkedin", "email", "print",
                "whatsapp", "reddit", "copy", "link", "pinterest", "|", "·", "•"}
_DATE_PART = re.compile(
    r"(?P<date>(?:\d{4}-\d{2}-\d{2})|(?:\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4})|"
    r"(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}))")
_DATE_FORMATS = ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")
# "Tom Baird is a freelance writer...": a bio that names its subject in its first words.
_BIO_SUBJECT = re.compile(
    r"^(?P<name>(?:[A-Z][\w'’.-]*\s+){1,3}[A-Z][\w'’-]+)\s+(?:is|was|has|writes|covers|"
    r"reports|lives|teaches|works|joined|edits|leads|runs|studies)\b")


def parse_date(text: str) -> datetime | None:
    """The first date in `text` (e.g. "March 3, 2025", "3 Mar 2025", "2025-03-03")."""
    match = _DATE_PART.search(text)
    if not match:
        return None
    cleaned = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", match.group("date")).replace(",", " ")
    cleaned = " ".join(cleaned.replace(".", " ").split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    return None


def _is_dateline(line: str) -> datetime | None:
    """A line that is only a date, maybe with "Published:" and a time; else None."""
    rest = _DATELINE_PREFIX.sub("", line)
    date = parse_date(rest)
    if date is None:
        return None
    leftover = _DATE_PART.sub("", rest, count=1)
    # What remains may be a time ("10:30 am GMT") but not prose.
    return date if len(re.findall(r"[A-Za-z]{4,}", leftover)) == 0 else None


def _read_byline(line: str) -> tuple[list[str], datetime | None] | None:
    match = _BY.match(line)
    if not match:
        return None
    names_part, rest = match.group("names"), match.group("rest") or ""
    date = parse_date(rest) if rest else None
    if date is None:  # "By Jane Doe, March 3, 2025"
        date = parse_date(names_part)
        if date is not None:
            names_part = _DATE_PART.sub("", names_part).strip(" ,|·•–—-")
    names = [n for n in split_names(names_part) if n]
    if not names or any(count_words(n) > 4 or not n[0].isupper() for n in names):
        return None  # "By the time the ferry left, ..." is a sentence, not a byline
    return names, date


def _is_noise(line: str) -> bool:
    if count_words(line) > 14:
        return False
    if _NOISE.match(line) or _READING_TIME.match(line):
        return True
    return all(w.strip(":,").lower() in _SHARE_WORDS for w in line.split())


def _looks_like_name(line: str) -> bool:
    names = split_names(line)
    return bool(names) and count_words(line) <= 8 and not line.rstrip().endswith((".", "!", "?")) \
        and all(n[:1].isupper() and count_words(n) <= 4 for n in names)


def _read_author_section(lines: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Names and (name, bio) pairs after an Author heading."""
    names: list[str] = []
    bios: list[tuple[str, str]] = []
    current: list[str] = []
    bio: list[str] = []
    for line in lines:
        if _looks_like_name(line) and (bio or not current):
            if current and bio:
                bios += [(name, " ".join(bio)) for name in current[:1]]
            current, bio = split_names(line), []
            names += current
        elif current:
            bio.append(line)
        else:  # the bio comes without a name line
            bio.append(line)
    if bio:
        bios.append((current[0] if current else "", " ".join(bio)))
    return names, bios


def _is_prose(line: str) -> bool:
    """Body text rather than a heading: a long line, or a sentence of some length ending in a
    full stop (headlines may end in "?" or "!", seldom in ".")."""
    words = count_words(line)
    return words >= 25 or (words >= 12 and line.rstrip().endswith((".", '."', ".”")))


def _same_line(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _head(lines: list[str]) -> tuple[str | None, str, int]:
    """(publication, title, lines used) from the first few lines.

    A line repeated at once within the first three is the headline whatever it looks like
    (scrapers repeat headlines; a sentence-like op-ed headline ends in a full stop), and a
    line before it is the publication; a kicker between the two ("Opinion") is dropped.
    Else a second line followed by a byline or dateline is the headline. Else the second
    line is, unless it is already body text or a byline (then there is no publication
    line)."""
    for index in range(min(3, len(lines) - 1)):
        if _same_line(lines[index], lines[index + 1]):
            return (lines[0] if index else None), lines[index], index + 1
    if _read_byline(lines[1]) or _is_dateline(lines[1]):
        return None, lines[0], 1  # "Title / By Jane Doe": no publication line
    follows = lines[2] if len(lines) > 2 else ""
    if follows and (_read_byline(follows) or _is_dateline(follows)):
        return lines[0], lines[1], 2
    if _is_prose(lines[1]):
        return None, lines[0], 1
    return lines[0], lines[1], 2


_ABOUT = re.compile(r"^about\s+(?P<name>.+?)\s*:?$", re.IGNORECASE)
_PRONOUN_START = re.compile(r"^(?:he|she|they)\b", re.IGNORECASE)


def _about_name(line: str, following: list[str]) -> str | None:
    """"About Jane Doe" heading an author bio -> "Jane Doe". The name must look like a
    person's (2-4 capitalised words) and the next paragraph must be about them: start with
    their name, first or last name, or He/She/They, so "About Face" stays in the body."""
    match = _ABOUT.match(line)
    if not match or not following:
        return None
    name = match.group("name").strip()
    words = name.split()
    if not 2 <= len(words) <= 4 or not _looks_like_name(name) or len(split_names(name)) != 1:
        return None
    bio = following[0]
    starts = {name.casefold(), words[0].casefold(), words[-1].casefold()}
    opening = re.sub(r"['’]s$", "", bio.split()[0].strip(",.:")).casefold()  # "Jane's"
    if bio.casefold().startswith(name.casefold()) or opening in starts \
            or _PRONOUN_START.match(bio):
        return name
    return None


def _bio_subject(bio: str) -> str | None:
    match = _BIO_SUBJECT.match(bio)
    return match.group("name") if match else None


def read_scraped(path: Path, tz: tzinfo) -> Article:
    text = without_controls(path.read_text(encoding="utf-8-sig"))
    blocks = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(blocks) < 2 or (len(blocks) < 3 and not _is_prose(blocks[1][1])):
        raise ContentError(
            path, "scraped article needs a publication line, a title and a body", line=1
        )
    publication, title, used = _head([line for _, line in blocks[:4]])
    rest = [line for _, line in blocks[used:]]
    byline_names: list[str] = []
    published: datetime | None = None
    date_line: int | None = None
    # The head: repeated title, bylines, datelines, reading time and share bars, any order.
    while rest:
        line = rest[0]
        byline = _read_byline(line)
        dateline = _is_dateline(line) if byline is None else None
        if any(_same_line(line, known) for known in (title, publication or "")) \
                or _is_noise(line):
            pass
        elif byline is not None or dateline is not None:
            names, found = byline if byline is not None else ([], dateline)
            byline_names = byline_names or names
            if published is None and found is not None:
                published, date_line = found, blocks[len(blocks) - len(rest)][0]
        else:
            break
        rest = rest[1:]
    body: list[str] = []
    section: list[str] = []
    for index, line in enumerate(rest):
        if _AUTHOR_HEADING.match(line) and index + 1 < len(rest):
            section = rest[index + 1:]
            break
        if _about_name(line, rest[index + 1:index + 2]):
            # "About Jane Doe" sections: each heading becomes the name line before its bio
            section = [_about_name(s, rest[i + 1:i + 2]) or s
                       for i, s in enumerate(rest[index:], index)]
            break
        if not _is_noise(line):
            body.append(line)
    if not body:
        raise ContentError(path, "scraped article has no body text after its title",
                           line=blocks[-1][0])
    section_names, bios = _read_author_section([s for s in section if not _is_noise(s)])
    names = section_names or byline_names
    if bios and not bios[0][0]:  # a bio paragraph without its own name line
        subject = names[0] if names else _bio_subject(bios[0][1])
        if subject:
            bios[0] = (subject, bios[0][1])
            names = names or [subject]
    return clean_article(Article(
        title=title,
        body="\n\n".join(body),
        source=path,
        published=in_range(published.replace(tzinfo=tz), path, date_line) if published
        else file_time(path, tz),
        authors=tuple(dict.fromkeys(names)),
        bio="\n\n".join(b for _, b in bios) or None,
        site_name=publication,
        slug=slugify(path.stem),
        date_from_file=published is None,
        author_bios=tuple((n, b) for n, b in bios if n),
    ))
