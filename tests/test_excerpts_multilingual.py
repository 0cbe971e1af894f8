"""Other scripts, page furniture from real pages, and the fallback chain.

Every sentence here was written for these tests (simple news-like lines about a city park),
not taken from any sample or eval data.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.cli.commands import excerpt as command
from digest.editorial import excerpt_rules as rules
from digest.editorial.excerpts import audit_excerpt, explain_excerpt, make_excerpt
from digest.models import Article
from digest.settings import ExcerptBudget
from digest.text.sentences import (
    STOPLESS_PARAGRAPH_CHARS,
    STOPLESS_UNIT_CHARS,
    split_sentences,
)
from digest.words import count_words

ZH_1 = "市政府周一宣布，城北公园将在今年夏天完成扩建工程。"
ZH_2 = "新公园将于明年春天开放，预计每年接待游客五十万人次。"
JA_1 = "市は月曜日、北部の公園を拡張すると発表した。"
JA_QUOTE = "市長は「工事は順調だ。春には開ける」と述べた。"
AR_1 = "أعلنت البلدية يوم الاثنين توسيع الحديقة الشمالية في المدينة بعد عامين من الأعمال."
AR_2 = "وسيفتح الجزء الجديد أمام الزوار في الربيع المقبل."
TH_PARA = (
    "เทศบาลประกาศขยายสวนสาธารณะทางตอนเหนือของเมืองเมื่อวันจันทร์ "
    "โดยส่วนใหม่จะเปิดให้ประชาชนเข้าชมในฤดูใบไม้ผลิปีหน้า"
)
EN_LEAD = "The city opened a larger park on its northern edge on Monday after two years of work."
EN_NEXT = "The new section adds a playground, a pond and four kilometres of paths."


def article(body: str, **fields: str | None) -> Article:
    return Article(
        title=fields.pop("title", None) or "Park Opens",
        body=body,
        source="test",
        published=datetime(2025, 3, 3, tzinfo=UTC),
        **fields,  # type: ignore[arg-type]
    )


# --- sentence splitting in other scripts ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ZH_1 + ZH_2, [ZH_1, ZH_2]),
        ("公园面积有多大？答案是十公顷！", ["公园面积有多大？", "答案是十公顷！"]),
        (JA_1 + JA_QUOTE, [JA_1, JA_QUOTE]),
        ("市长说：“工程很顺利。春天开放。”游客很高兴。", ["市长说：“工程很顺利。春天开放。”", "游客很高兴。"]),
        (f"{AR_1} {AR_2}", [AR_1, AR_2]),
        ("هل ستفتح الحديقة في الموعد؟ نعم قال المسؤول.", ["هل ستفتح الحديقة في الموعد؟", "نعم قال المسؤول."]),
        ("شہر نے نیا پارک کھول دیا۔ لوگ بہت خوش ہیں۔", ["شہر نے نیا پارک کھول دیا۔", "لوگ بہت خوش ہیں۔"]),
        (
            "नगर निगम ने नए पार्क की घोषणा की। नया हिस्सा वसंत में खुलेगा।",
            ["नगर निगम ने नए पार्क की घोषणा की।", "नया हिस्सा वसंत में खुलेगा।"],
        ),
        ("ပန်းခြံအသစ် ဖွင့်ခဲ့သည်။ လူများ လာကြသည်။", ["ပန်းခြံအသစ် ဖွင့်ခဲ့သည်။", "လူများ လာကြသည်။"]),
        ("Քաղաքը նոր այգի բացեց։ Մարդիկ գոհ են։", ["Քաղաքը նոր այգի բացեց։", "Մարդիկ գոհ են։"]),
        ("ከተማው አዲስ መናፈሻ ከፈተ። ብዙ ሰዎች መጡ።", ["ከተማው አዲስ መናፈሻ ከፈተ።", "ብዙ ሰዎች መጡ።"]),
    ],
)
def test_other_scripts_split_at_their_own_stops(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_thai_dot_marks_an_abbreviation_not_a_stop() -> None:
    text = "เมื่อเวลา 10.00 น. เจ้าหน้าที่ได้เปิดประตูสวนให้ประชาชนเข้าชม"
    assert split_sentences(text) == [text]


def test_leading_dot_names_are_not_stops() -> None:
    text = "The team rewrote its .NET service last year. It now runs on .NET with fewer servers."
    assert split_sentences(text) == [
        "The team rewrote its .NET service last year.",
        "It now runs on .NET with fewer servers.",
    ]


def test_long_thai_paragraph_is_cut_only_at_spaces() -> None:
    paragraph = " ".join([TH_PARA] * 6)
    assert len(paragraph) > STOPLESS_PARAGRAPH_CHARS
    units = split_sentences(paragraph)
    assert len(units) > 1
    assert " ".join(units) == paragraph
    assert all(len(unit) >= STOPLESS_UNIT_CHARS // 3 for unit in units)
    assert split_sentences(TH_PARA) == [TH_PARA]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Three plain words", 3),
        ("café au lait today", 4),
        ("市政府周一宣布", 4),  # 7 Han characters, 2 a word
        ("CNN报道", 2),
        ("ประชาชนเข้าชม", 4),  # 13 Thai code points, 4 a word
        ("ပန်းခြံအသစ်", 2),  # 11 Burmese code points, 6 a word
    ],
)
def test_word_count_for_scripts_without_spaces(text: str, words: int) -> None:
    assert count_words(text) == words


# --- rules in other scripts ----------------------------------------------------------------


def test_whole_sentences_in_other_scripts_are_not_fragments() -> None:
    for sentence in (ZH_1, ZH_2, JA_1, JA_QUOTE, AR_1, AR_2, TH_PARA):
        assert rules.content_faults(sentence) == [], sentence
        assert rules.opening_faults(sentence) == [], sentence


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("城北公园扩建工程", "fragment"),  # a heading: no stop
        ("公园好。", "fragment"),  # too short
        ("เรื่องที่เกี่ยวข้อง", "fragment"),  # a short Thai line is a heading
        ("The park reopened on Monday after the works�", "fragment"),
        ("La ciudad abrió el parque nuevo el lunes pasado �.", "fragment"),
        ("公园什么时候开放？", "question"),
        ("هل ستفتح الحديقة الجديدة في الموعد المحدد؟", "question"),
        ("市長は「工事は順調だと述べた。", "unbalanced_quotes"),
        ("他说公园明年春天开放。", "dangling_opening"),
        ("不过，市民对新公园的位置有不同看法。", "dangling_opening"),
        ("しかし、工事の費用はまだ決まっていない。", "dangling_opening"),
        ("「工事は順調だ」と市長は述べた。", "quote_fragment"),
    ],
)
def test_rules_in_other_scripts(sentence: str, rule: str) -> None:
    assert rule in rules.broken_rules(sentence, opening=True)


@pytest.mark.parametrize(
    ("sentence", "rest"),
    [
        (f"القاهرة، مصر (CNN) -- {AR_1}", AR_1),
        (f"SEOUL, March 3 (Yonhap) -- {EN_LEAD}", EN_LEAD),
        (f"【3月3日 AFP】{JA_1}", JA_1),
        (f"新华社北京3月3日电 {ZH_1}", ZH_1),
        (f"EXCLUSIVE: {EN_LEAD}", EN_LEAD),
        (f"BREAKING NEWS | {EN_LEAD}", EN_LEAD),
    ],
)
def test_datelines_and_kickers_of_other_shapes_are_stripped(sentence: str, rest: str) -> None:
    assert rules.has_dateline(sentence)
    assert rules.strip_dateline(sentence) == rest


def test_time_phrase_is_not_a_dangling_this() -> None:
    assert not rules.has_dangling_opening("This week the park opened its new pond to visitors.")
    assert rules.has_dangling_opening("This decision angered the neighbours of the park.")


# --- page furniture: one rule each ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("Updated 3:41 PM ET, Tue March 4, 2025", "timestamp"),
        ("Published 10:02 a.m. EST on the fourth of March, by the web desk.", "timestamp"),
        ("Posted 2 hours ago in local news and city politics.", "timestamp"),
        ("Updated on 4 March 2025.", "timestamp"),
        ("The whole guide is a 6 min read for most of our visitors.", "timestamp"),
        ("Home > News > Local > Parks", "breadcrumb"),
        ("News / City / Parks and gardens of the north side.", "breadcrumb"),
        ("Photo by Lena Ortiz for the city parks department.", "caption"),
        ("The new pond at dusk, seen from the hill (Photo: Lena Ortiz/Reuters).", "caption"),
        ("Visitors walk past the pond. Shutterstock", "caption"),
        ("Advertisement", "boilerplate"),
        ("Share this article with your friends and family today.", "boilerplate"),
        ("Sign up for our weekly parks newsletter to get the news first.", "boilerplate"),
        ("Visit the city parks page for opening hours and maps.", "boilerplate"),
        ("Learn more about the northern park and its history here.", "boilerplate"),
        ("(c)AFP/Lena Ortiz", "copyright"),
    ],
)
def test_furniture_rules(sentence: str, rule: str) -> None:
    assert rule in rules.content_faults(sentence)
    assert rule in rules.NOISE_RULES


def test_furniture_rules_leave_ordinary_sentences_alone() -> None:
    for sentence in (
        "Not everyone subscribes to the plan, but the council approved it on Monday.",
        "The works ran from 9:00 to 17:00 on weekdays for two years.",
        "Scientists hope to learn more about the birds that nest by the pond.",
        "The park is 40 minutes from the centre by bus and tram.",
        "Published in 1998, the first park guide sold out within a month.",
        "The park's text alerts now have four thousand subscribers across the city.",
    ):
        assert rules.content_faults(sentence) == [], sentence


def test_engine_skips_furniture_before_the_lead() -> None:
    body = (
        "Home > News > Parks\n\nEXCLUSIVE: Updated 3:41 PM ET, Tue March 4, 2025\n\n"
        "Photo by Lena Ortiz for the city parks department.\n\nAdvertisement\n\n"
        f"{EN_LEAD}\n\nSign up for our weekly parks newsletter.\n\n{EN_NEXT}"
    )
    assert make_excerpt(body) == f"{EN_LEAD} {EN_NEXT}"


# --- the engine in other scripts -----------------------------------------------------------


def test_chinese_excerpt_joins_sentences_without_spaces() -> None:
    body = f"新华社北京3月3日电 {ZH_1}{ZH_2}\n\n城北公园扩建工程\n\n{ZH_1}"
    excerpt = make_excerpt(body)
    assert excerpt == ZH_1 + ZH_2
    assert audit_excerpt(excerpt, body=body) == []


def test_cjk_budget_counts_characters() -> None:
    first, second = "公园" * 30 + "。", "花园" * 30 + "。"  # 61 characters: 31 words each
    body = " ".join([first, second, "湖泊" * 30 + "。"])
    excerpt = make_excerpt(body, budget=ExcerptBudget(target_words=40, max_words=70))
    assert excerpt == first + second
    assert count_words(excerpt) <= 70


def test_japanese_quote_stays_in_its_sentence() -> None:
    body = f"{JA_1}{JA_QUOTE}"
    assert make_excerpt(body) == body


def test_arabic_dateline_is_stripped_and_sentences_kept() -> None:
    body = f"القاهرة، مصر (CNN) -- {AR_1} {AR_2}"
    excerpt = make_excerpt(body)
    assert excerpt == f"{AR_1} {AR_2}"
    assert audit_excerpt(excerpt, body=body) == []


def test_thai_takes_the_whole_paragraph() -> None:
    body = f"{TH_PARA}\n\nเรื่องที่เกี่ยวข้อง"
    assert make_excerpt(body) == TH_PARA
    assert audit_excerpt(TH_PARA, body=body) == []


def test_damaged_paragraph_is_never_used() -> None:
    body = f"{TH_PARA[:40]}\ufffd\n\n{EN_LEAD}"
    assert make_excerpt(body) == EN_LEAD


def test_hard_wrapped_lines_are_joined_back_into_a_sentence() -> None:
    body = (
        "Photos\n\nreleased by the city on Monday show the new pond, the\n\n"
        "playground and the paths of the northern park.\n\nLena Ortiz\n\n"
        f"{EN_NEXT}"
    )
    joined = (
        "Photos released by the city on Monday show the new pond, the playground and the "
        "paths of the northern park."
    )
    assert make_excerpt(body) == joined
    assert audit_excerpt(joined, body=body) == []


def test_a_heading_is_not_glued_to_the_next_paragraph() -> None:
    body = f"Opening day\n\n{EN_LEAD}"
    assert make_excerpt(body) == EN_LEAD


# --- the fallback chain --------------------------------------------------------------------


def test_chain_body_first() -> None:
    assert explain_excerpt(article(f"{EN_LEAD} {EN_NEXT}")) == (f"{EN_LEAD} {EN_NEXT}", "body")


def test_chain_editor_excerpt_wins() -> None:
    found = explain_excerpt(article(EN_LEAD, excerpt="  The editor's  own words. "))
    assert found == ("The editor's own words.", "editor")


def test_chain_description_when_the_body_has_nothing() -> None:
    item = article("Read more here.", description=EN_LEAD)
    assert explain_excerpt(item) == (EN_LEAD, "description")
    assert audit_excerpt(EN_LEAD, body=item.body, description=item.description) == []


def test_chain_whole_paragraph_without_a_final_stop() -> None:
    lead = "The city opened a larger park on its northern edge on Monday after two years of work"
    item = article(f"Opening day\n\n{lead}\n\nMore soon")
    excerpt, step = explain_excerpt(item)
    assert (excerpt, step) == (lead, "paragraph")
    assert audit_excerpt(excerpt, body=item.body, title=item.title) == []
    # The same words as a cut-off part of a longer paragraph are still a fragment.
    assert "fragment" in audit_excerpt(lead, body=f"{lead} and a pond")


@pytest.mark.parametrize(
    "paragraph",
    [
        "The city opened a larger park on its northern edge on Monday after two years...",
        "The city opened a larger park on its northern edge on Monday and said it would add:",
        "But the city opened a larger park on its northern edge on Monday after two years",
        "Click here to see the larger park on its northern edge opened on Monday by the city",
    ],
)
def test_chain_paragraph_step_still_applies_the_rules(paragraph: str) -> None:
    assert explain_excerpt(article(paragraph)) == ("", "none")


def test_chain_ends_empty_when_nothing_fits() -> None:
    assert explain_excerpt(article("What will the park look like next year?")) == ("", "none")
    small = ExcerptBudget(target_words=5, max_words=8, max_chars=60)
    assert explain_excerpt(article(EN_LEAD, description=EN_NEXT), small) == ("", "none")


# --- `digest excerpt FILE` on a feed -------------------------------------------------------

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Park News</title><link>https://parks.example/</link>
<item><title>Park opens</title><link>https://parks.example/a</link>
<pubDate>Mon, 03 Mar 2025 10:00:00 GMT</pubDate><description>{one}</description></item>
<item><title>Pond filled</title><link>https://parks.example/b</link>
<pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate><description>{two}</description></item>
</channel></rss>
"""


def test_feed_file_prints_each_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "parks.rss"
    two = "The pond was filled with water for the first time on Tuesday morning."
    feed.write_text(FEED.format(one=EN_LEAD, two=two), encoding="utf-8")
    parser = argparse.ArgumentParser(prog="digest")
    command.register(parser.add_subparsers(dest="command"))
    assert command.run(parser.parse_args(["excerpt", str(feed)])) == 0
    out = capsys.readouterr().out
    assert f"== {feed}#1: Park opens ==\n{EN_LEAD}\n" in out
    assert f"== {feed}#2: Pond filled ==\n{two}\n" in out
