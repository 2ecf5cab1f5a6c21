"""Decide which year each sentence speaks for and whether it states a plan or a result.

A report announces its own year's plans and reviews the year before, often in one text. Cues, strongest first:
a relative word opening a sentence before any year it names (``过去一年里…把1984年末至1985年…``); an explicit
``19xx年`` or ``20xx年`` (earlier than the report's year is a result, else a plan); relative words (``今年``,
``新的一年`` plan the report's year; ``去年``, ``过去一年``, ``回望`` review the year before). Where a heading names
them (``一、2024年工作回顾``, ``二、对今年政府工作的建议``) or a sentence opens with them (``2024年是极不平凡的一年``),
they set the context that following sentences inherit, across paragraphs and headings, because reviews and plans
run in long blocks; named further in (``…并在2025年新年贺词中…`` inside a review) they mark their own sentence.
Weaker cues (``将``, ``计划``, ``力争`` for a plan; ``已经``, ``累计``, ``荣获`` for a result) mark only their own
sentence. ``今年`` means the report's year, never today's.
"""
from __future__ import annotations

import re
from dataclasses import replace

from qa.ingest.corpus import year_number
from qa.schema import Document, Sentence

# 2024年, and the years old reports print in words (一九九○年, 二○○三年)
_EXPLICIT_YEAR = re.compile(r"((?:19[4-9]|20\d)\d|一九[四五六七八九][〇○零一二三四五六七八九]|二[〇○零][〇○零一二][〇○零一二三四五六七八九])年")
_PLAN_CONTEXT = re.compile(r"今年|新的一年|展望|明年")
_RESULT_CONTEXT = re.compile(r"(?<!过)去年|过去的?一年|一年来|回望|回顾")  # not 过去年度
# a relative year sets the context only where a sentence opens with it (今年，…; 一年来，…); further in (为今年…创造了
#条件, 比去年增长) it marks its own sentence
_OPENING = 8
# a year named within this many characters of a sentence's start sets the context (初步统计，2024年全省…)
_OPENING_YEAR = 12
# 要 plans (要加快, 要确保), but not inside a word (主要, 重要, 需要, 要素, 纲要); 预期 where it names what is expected
# (主要预期目标, 预期增长), not an expectation (好于预期, 人均预期寿命, 市场预期 review the year)
_PLAN_LOCAL = re.compile(r"(?<!即)将(?!军)|(?<!年度)(?<!年)计划|力争|确保|预期(?=目标|增长|性|为|达到)|(?<![主重需纲摘概首必紧只扼简提])要(?![素点件闻害领])|争取")
# a year named as the base of a comparison or the start of a span (比2020年, 与上年相比, 在1992年…的基础上, 2021年以来,
# 由1997年的123万公里增加到2002年的176万公里) is not the year the sentence speaks for
_BASE_BEFORE = re.compile(r"(?:比|较|与|同|自|从|由|对比|相比|按)$")
_BASE_AFTER = re.compile(r"[^，。；,;]*?(?:基础上|以来|相比)")
_FIGURE = re.compile(r"\d")
# where a block starts inside what was split as one sentence: a line break, a section's number (一、 十二、)
_BLOCK_START = re.compile(r"\n|(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,3}、")
_RESULT_LOCAL = re.compile(r"已经|已(?!绘)|累计|荣获|获评|入选|先后|成功|完成了|实现了|目前|超额完成")


def classify_sentence(text: str, doc: Document, heading: bool = False) -> tuple[tuple[int | None, str] | None, tuple[int | None, str] | None]:
    """Return (context, local): the period a sentence sets for those after it, and the one it has on its own."""
    plan = (doc.year, "plan")
    result = (doc.review_year, "result")
    explicit = _spoken_year(text)
    opening = _opening_cue(text) if doc.year is not None else None
    if opening is not None:  # 过去一年里…，就是把1984年末至1985年…调整过来: the year reviewed, a past described in it
        return (plan if opening is _PLAN_CONTEXT else result), None
    if explicit is not None:
        year, at = explicit
        stance = "result" if doc.year is not None and year < doc.year else "plan"
        # a year the sentence opens with sets the context (2024年是极不平凡的一年; 初步统计，2024年全省…); one named
        # further in (…并在2025年新年贺词中…, in a review) speaks for its own sentence only
        return ((year, stance), None) if heading or _opens_with(text, at) else (None, (year, stance))
    for pattern, period in ((_PLAN_CONTEXT, plan), (_RESULT_CONTEXT, result)):
        match = pattern.search(text)
        if match:
            other = _RESULT_CONTEXT if period is plan else _PLAN_CONTEXT
            rival = other.search(text)
            if rival is not None and rival.start() < match.start():
                period, match = (result if period is plan else plan), rival
            return (period, None) if heading or match.start() <= _OPENING else (None, period)
    # a cue of its own speaks for the figures after it (力争增长6%), not for those before it (增长5.7%，市场预期…增强)
    figure = _FIGURE.search(text)
    head = text[: figure.start()] if figure else text
    plan_cue, result_cue = _PLAN_LOCAL.search(head), _RESULT_LOCAL.search(head)
    if plan_cue and result_cue:
        return None, plan if plan_cue.start() < result_cue.start() else result
    if plan_cue:
        return None, plan
    if result_cue:
        return None, result
    return None, None


def _opening_cue(text: str) -> re.Pattern | None:
    """The relative cue a sentence opens with (within ``_OPENING`` characters) when it comes before any year the
    sentence names: that sentence speaks for the report's year or the one reviewed, whatever years it goes on to
    name."""
    first_year = _EXPLICIT_YEAR.search(text)
    if first_year is None:
        return None
    cues = [(m.start(), p) for p in (_PLAN_CONTEXT, _RESULT_CONTEXT) if (m := p.search(text, 0, _OPENING + 4))]
    cues = [(at, p) for at, p in cues if at <= _OPENING and at < first_year.start()]
    return min(cues, key=lambda c: c[0])[1] if cues else None


def _opens_with(text: str, at: int) -> bool:
    """Whether the year at ``at`` opens its sentence, or the last block of it (a heading run into its first
    paragraph: 一、2004年政府工作回顾2004年，…): at most ``_OPENING_YEAR`` characters before it, not counting the
    clauses naming a base year (在1992年快速增长的基础上，1993年…)."""
    line = _BLOCK_START.split(text[:at])[-1]
    before = [clause for clause in line.split("，") if not _EXPLICIT_YEAR.search(clause)]
    return len("，".join(before)) <= _OPENING_YEAR


def _spoken_year(text: str) -> tuple[int, int] | None:
    """The year a sentence speaks for and where it is named: the first it names that is not a base of comparison or
    the start of a span (在1992年快速增长的基础上，1993年… speaks for 1993), else None: a sentence that names no year
    but as a base (比1980年预计增长5.5%) speaks for the year around it. (The latest named was
    tried: it mends 一九八三年…一九八五年…全年总收入, but moves review sentences that list the years of a plan, 制定
    2024年、2025年…清单, into the plan: five train questions fewer.)"""
    years = list(_EXPLICIT_YEAR.finditer(text))
    for match in years:
        if not _BASE_BEFORE.search(text, 0, match.start()) and not _BASE_AFTER.match(text, match.end()):
            return year_number(match.group(1)), match.start()
    return None


def assign_periods(doc: Document, sentences: list[Sentence]) -> list[Sentence]:
    """Return ``sentences`` with ``year`` and ``stance`` set; headings and untagged text follow the context."""
    context: tuple[int | None, str] = (doc.year, "plan")
    out = []
    for sentence in sentences:
        text = doc.text[sentence.start : sentence.end]
        sets, local = classify_sentence(text, doc, heading=sentence.kind == "heading")
        if sets is not None:
            context = sets
        year, stance = sets or local or context
        out.append(replace(sentence, year=year, stance=stance))
    return out
