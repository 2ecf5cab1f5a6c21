"""Answer extraction: score the typed spans ``qa.rules.spans`` finds in evidence sentences against the question.

A span is chosen because the question's key terms stand with it in the same clause (between ``，；：。``), close to
it, in a sentence that speaks for the asked year, and because its kind and unit fit what was asked; not because
it is the number nearest to some word. Everything here is a pure function of literal inputs.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

from qa.rules.measures import combined_part, contrary_measure, counted_after, counts_whole, group_in_window, other_of_kind
from qa.rules.question import CN_DIGITS, DISTRICT_NAMES, ORDINAL, REPORT_TERMS, SHARE, TITLES, UNIT_FAMILIES, WH_WORD, Question, counted_character
from qa.rules.spans import (
    CN_NUMBER,
    CN_NUMERAL,
    GROWTH_VERBS,
    NOUN_FLAGS,
    ORDINAL_SPAN,
    QUOTED,
    char_pairs,
    find_date_spans,
    find_list_spans,
    find_name_spans,
    find_pair_spans,
    find_number_spans,
    is_quoted,
    is_verb_phrase,
    item_spans,
    items_in,
    shared_edge,
    split_clauses,
)

# Measure words that count things (as opposed to units of area, money or length); reports use those of one group
# loosely (几栋楼宇 is printed 26座楼宇, 几项工程 十大工程, 几回 7次), but people (人, 名) and households (户) are
# counted in their own.
_CLASSIFIER_GROUPS = (
    frozenset("个 家 所 处 项 套 座 栋 幢 条 批 类 次 回 场 件 台 辆 间 张 份 大 连冠".split()),
    frozenset("名 人 人次 位".split()),
    frozenset("户 万户".split()),
)
_CLASSIFIERS = frozenset().union(*_CLASSIFIER_GROUPS)
_PEOPLE = frozenset("人 名 位".split())


def _same_group(a: str, b: str) -> bool:
    return any(a in group and b in group for group in _CLASSIFIER_GROUPS)


_ORG_SUFFIX = re.compile(
    r"(?:公司|集团|银行|证券|中心|大厦|产业园|园区|基地|片区|街区|研究院|商圈|广场|平台|基金|工程|医院|学校|高中|联盟|"
    r"总部|商厦|艺术中心|研学坊|品牌|节点|公园|绿道|街|路|区|城|谷|园)$"
)
# the generic part a Chinese place name ends with (长岭山片区, 刘长山路, 泉城路商圈, 山东数字产业大厦, 宽厚里)
_PLACE_SUFFIX = re.compile(
    r"(?:路|街|道|巷|里|区|片区|街区|商圈|园|园区|大厦|楼|中心|广场|城|山|湖|泉|河|村|镇|庄|社区|街道|公园|绿道|基地|"
    r"高地|示范区|试验区|区域|港|站|桥|馆|院|校|带|廊|轴|岛|谷|坊|厂)$"
)
_CHANGE_PRINTED = re.compile(rf"{GROWTH_VERBS}|增速|增幅")
_FLOW = re.compile(r"新增|新认定|新引进|新建|新开|新落户|新注册|引进|增加")
_TOTAL = re.compile(r"累计|总数|总量|共|达")
_TITLE_BEFORE = re.compile(rf"(?:{TITLES}|代表)\s*$")


# How much each signal counts in a span's score (they sum to 1); set on the dev split.
SCORE_WEIGHTS = {"clause": 0.3, "near": 0.15, "slot": 0.1, "sentence": 0.15, "similarity": 0.15, "retrieval": 0.15}


@dataclass(frozen=True)
class Evidence:
    """A sentence that may hold the answer, with what is known about it."""

    doc_id: str
    start: int  # offset of the sentence in its document's canonical text
    text: str
    context: str  # the section heading and the sentences just before it, for key terms the sentence leaves out
    year: int | None
    stance: str | None
    retrieval: float  # the best fused score of a passage holding it, scaled so the top passage has 1.0
    similarity: float = 0.0  # cosine of the sentence's embedding with the question's
    following: str = ""  # the next sentence: what a dateline (1月17日上午，…会议开幕。) dates is often told there


@dataclass(frozen=True)
class Span:
    """A scored answer span: ``start``/``end`` are offsets in the document's canonical text."""

    doc_id: str
    start: int
    end: int
    text: str
    kind: str  # number, amount, percentage, date, list, name
    score: float
    evidence: Evidence
    clause: str
    signals: dict = field(default_factory=dict, compare=False, hash=False)  # the scored features, for calibration


@lru_cache(maxsize=16384)
def _occurrences(term: str, text: str) -> tuple[int, ...]:
    """Where ``term`` stands in ``text``; cached, since every span of a sentence asks again for the same terms."""
    return tuple(m.start() for m in re.finditer(re.escape(term), text))


def _coverage(weights: dict[str, float], text: str) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in text) / total if total else 0.0


def focus_bigrams(focus: str) -> set[str]:
    """The Chinese character pairs of the question's focus: a softer match than words for reworded questions."""
    return {focus[i : i + 2] for i in range(len(focus) - 1) if re.fullmatch(r"[\u4e00-\u9fff]{2}", focus[i : i + 2])}


def _bigram_coverage(bigrams: set[str], text: str) -> float:
    return sum(b in text for b in bigrams) / len(bigrams) if bigrams else 0.0


def _proximity(weights: dict[str, float], window: str, start: int, end: int) -> float:
    """Weighted closeness of the key terms to the span (1 when adjacent, fading with distance).

    A term separated from the span by a comma or an enumeration comma stands with another figure more likely, so
    each such separator in between counts as eight more characters.
    """
    total = sum(weights.values())
    if not total:
        return 0.0
    score = 0.0
    for term, weight in weights.items():
        best = None
        for at in _occurrences(term, window):
            if at + len(term) <= start:
                between = window[at + len(term) : start]
            elif at >= end:
                between = window[end:at]
            else:
                between = ""
            gap = len(between) + 8 * len(re.findall(r"[、，,]", between))
            best = gap if best is None else min(best, gap)
        if best is not None:
            score += weight * math.exp(-best / 10.0)
    return score / total


def _period_fit(question: Question, evidence: Evidence) -> float:
    fit = 1.0
    if question.year is not None and evidence.year is not None and evidence.year != question.year:
        fit *= 0.3
    if question.stance is not None and evidence.stance is not None and evidence.stance != question.stance:
        fit *= 0.75
    return fit


_DISTRICT_IN_TEXT = re.compile("|".join(sorted(DISTRICT_NAMES, key=len, reverse=True)))


def _novelty(span_text: str, asked: str) -> float:
    """Share of the span's characters that the question (``asked``: its text without district names, since 历下 of
    历下医院 is part of the name asked for) does not already contain: an answer says something new."""
    chars = [c for c in span_text if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    if not chars:
        return 0.0
    return sum(c not in asked for c in chars) / len(chars)


_DATELINE = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号](?:上午|下午|晚上)?[，,]")
_LINKING = re.compile(r"[达为是约共了到至有近超]$")


_OPEN_QUOTE = re.compile(r"[“‘「『]$")


def _after_name(text: str, end: int) -> str:
    """The dozen characters after a span, past a closing quote and ``等`` (“寻梦韶华”等大型…项目 → 大型…项目)."""
    return re.sub(r"^[”’」』]?(?:等等?)?", "", text[end : end + 14])[:12]


def _subsequence(short: str, long: str) -> bool:
    """Every character of ``short`` stands in ``long`` in the same order, with others between (高端产业 in 高端优质产业)."""
    at = 0
    for c in short:
        at = long.find(c, at) + 1
        if not at:
            return False
    return long.startswith(short[0])


def _nth_marker(question: Question, text: str, start: int) -> bool:
    """The span follows the report's marker of the asked place: ``四是`` for 第四项 (一是…二是… enumerate)."""
    marks = list(re.finditer(r"(?:^|[。；，\s])([一二三四五六七八九十])是", text[:start]))
    return bool(marks) and CN_DIGITS.get(marks[-1].group(1)) == question.nth


def _slot_fit(question: Question, text: str, start: int, end: int, nouns: Sequence[str] = ()) -> float:
    """How well the span fills the question word's place: the question's words beside it stand beside the span.

    On the right, ``等`` after the span is passed over (``A等重点片区`` answers 哪些重点片区), and a name may carry
    the words that follow the question word as its own ending (``丽山国际细胞医学产业园`` for 哪个细胞医学产业园).
    """
    fit = 0.0
    if question.slot_left:
        before = _LINKING.sub("", _OPEN_QUOTE.sub("", text[max(0, start - 8) : start]))
        exact = shared_edge(question.slot_left, before, suffix=True) / len(question.slot_left)
        # or the words before the question word open the name itself: 济南哪个区域 → 济南中央商务区
        opens = max((k for k in range(2, len(question.slot_left) + 1) if text[start : start + k] == question.slot_left[-k:]), default=0)
        exact = max(exact, opens / len(question.slot_left))
        loose = 0.4 * bool(char_pairs(question.slot_left) & char_pairs(text[max(0, start - 6) : start]))
        fit += 0.5 * max(exact, loose)
    if question.slot_right:
        after = _after_name(text, end)
        # measured on up to six characters: four shared by chance ("历史文化…") must not equal six shared by design
        reach = min(len(question.right_context), 6)
        exact = shared_edge(question.right_context, after, suffix=False) / reach
        loose = 0.4 * bool(char_pairs(question.slot_right) & char_pairs(after[:7]))
        inside = _name_ending(question, text[start:end], nouns) / reach
        # the category an enumeration is said to be of, with a modifier inserted (高端产业 → A、B等高端优质产业); a
        # name's own words are not spread out like that (监管机构 is 国有资产监督管理机构, not 国有资产|监督管理机构)
        spread = 0.0
        if re.match(r"[”’」』]?等", text[end : end + 2]) and len(question.slot_right) >= 3:
            spread = 0.9 * _subsequence(question.slot_right, after[: len(question.slot_right) + 3])
        fit += 0.5 * min(1.0, max(exact, loose, inside, spread))
    return fit


def _phrase_head(text: str) -> str:
    """What follows the question word's last 的 before any punctuation: 哪项针对困难群众的|救助制度 (empty without 的)."""
    m = WH_WORD.search(text)
    phrase = re.split(r"[，,。？?！!；;]", text[m.end() :], maxsplit=1)[0] if m else ""
    return phrase.rsplit("的", 1)[-1] if "的" in phrase else ""


def asked_nouns(question: Question, pos: Callable[[str], list[tuple[str, str]]] | None = None) -> tuple[str, ...]:
    """The noun right after the question word, which ends a name like it (什么监管机构 → …监督管理机构, 哪家医院改造好了
    → 历下医院): up to 叫/是/的 …, and, with a tagger, the run of nouns there."""
    right = question.right_context
    nouns = [re.split(r"[叫是有的为在呢吗吧]", right, maxsplit=1)[0]]
    if pos is not None and right:
        # the run of nouns right after the question word, and the head of the noun phrase it opens, which stands
        # after its last 的 (哪项针对困难群众的|救助制度 → …大病救助制度)
        for phrase in dict.fromkeys((right, _phrase_head(question.text))):
            run = ""
            for word, flag in pos(phrase):
                # a verbal noun (服务 of 服务制) is a noun here, and a single character after the nouns is their head
                # however it is tagged (年 of 主题年来统领…)
                if not (flag.startswith(("n", "j", "eng", "vn")) or (run and len(word) == 1 and flag.startswith(("m", "k", "q")))):
                    break
                run += word
                if len(word) == 1 and not flag.startswith("n"):
                    break
            nouns.append(run)
    return tuple(n for n in dict.fromkeys(nouns) if len(n) >= 2)


@dataclass(frozen=True)
class AskedKind:
    """The kind of thing a question asks for, read once per question in the ways the scoring uses it."""

    nouns: tuple[str, ...] = ()  # the noun after the question word (see ``asked_nouns``)
    bodies: tuple[str, ...] = ()  # those that are a kind of named place or body (医院, 片区; 国家级试验区 → 试验区)


def asked_kind(question: Question, pos: Callable[[str], list[tuple[str, str]]] | None = None) -> AskedKind:
    """What the question's words around its question word say about the kind of answer (names and lists only)."""
    if question.answer_type not in ("list", "name", "organisation", "place", "other"):
        return AskedKind()
    nouns = asked_nouns(question, pos)
    bodies = tuple(c for n in nouns if _ORG_SUFFIX.search(c := n if len(n) <= 4 else n[-3:]))
    return AskedKind(nouns, bodies)


def _name_ending(question: Question, span_text: str, nouns: Sequence[str] = ()) -> int:
    """How many characters of the question's words around its question word end the span itself (its category).

    ``依托哪个细胞医学产业园`` and ``细胞医学产业园叫什么`` both name the category 产业园 that ends the answer's name;
    so does the noun after the question word (``nouns``, see ``asked_nouns``), but not an enumeration's last item.
    """
    right, left = question.right_context, question.left_context
    longest = 0
    for k in range(2, len(span_text)):
        if (
            (len(right) >= k and span_text.endswith(right[:k]))
            or (len(left) >= k and span_text.endswith(left[-k:]))
            or ("、" not in span_text and any(len(n) >= k and span_text.endswith(n[-k:]) for n in nouns))
        ):
            longest = k
    return longest


def _extend_by_category(
    question: Question, text: str, spans: list[tuple[int, int]], pos, nouns: Sequence[str] = ()
) -> list[tuple[int, int]]:
    """Names extended over the category the question names after its question word, when the text prints it next.

    ``依托哪个细胞医学产业园`` and the text ``丽山国际细胞医学产业园等`` give ``丽山国际细胞医学产业园`` from the name
    ``丽山国际``; the added part must end in a noun, so a verb the question shares with the text is not swallowed.
    """
    right = question.right_context
    if len(right) < 2:
        return spans
    extended = set(spans)
    # the head of the phrase the question word opens (哪方面的|工作) is the category too: 民生|工作一直是…
    heads = [n for n in nouns if len(n) <= 4]
    for a, b in spans:
        extended.update((a, b + len(n)) for n in heads if text.startswith(n, b))
        k = shared_edge(right, text[b : b + len(right)], suffix=False)
        while k >= 2:
            words = pos(right[:k]) if pos is not None else [(right[:k], "n")]
            if words and words[-1][1].startswith(NOUN_FLAGS):
                extended.add((a, b + k))
                break
            k -= len(words[-1][0]) if words else k
    return sorted(extended)


def _similarity_score(cosine: float) -> float:
    """Map a sentence cosine to 0..1: m3e-style models put unrelated Chinese sentences near 0.5."""
    return min(max((cosine - 0.5) / 0.4, 0.0), 1.0)


# A key term one clause before the span counts this much, two clauses before its square; a report names the subject
# first and lets the following clauses leave it out ("认缴资金933亿元，增长28%").
_CLAUSE_DECAY = 0.7


def _reach(term: str, text: str, clauses: list[tuple[int, int]], at_clause: int, starts: list[int] | None = None) -> float:
    """How closely ``term`` stands with clause ``at_clause`` of ``text``: 1 inside, fading with each clause between.

    A term after the span's clause counts as if half as far again: the figure usually follows what it measures.
    ``starts`` (the clauses' starts, which are in order and do not overlap) saves computing them again.
    """
    starts = starts if starts is not None else [a for a, _ in clauses]
    best = 0.0
    for at in _occurrences(term, text):
        k = bisect.bisect_right(starts, at) - 1
        if k < 0 or at >= clauses[k][1]:
            continue
        if k == at_clause:
            return 1.0
        distance = at_clause - k if k < at_clause else 1.5 * (k - at_clause)
        best = max(best, _CLAUSE_DECAY**distance)
    return best


@lru_cache(maxsize=65536)
def _cjk_chars(term: str) -> tuple[str, ...]:
    return tuple(c for c in term if "\u4e00" <= c <= "\u9fff")


def _char_reach(term: str, window: str | set[str]) -> float:
    """Partial credit for a reworded term: the share of its characters in the window (引来 for 引进), if half or more."""
    chars = _cjk_chars(term)
    if len(chars) < 2:
        return 0.0
    share = sum(c in window for c in chars) / len(chars)
    return 0.4 * share if share >= 0.5 else 0.0


def contrastive_weights(weights: dict[str, float], sentences: Sequence[str]) -> dict[str, float]:
    """Term weights scaled by how rare each term is among the evidence sentences.

    A term every candidate sentence holds (增加值 when every rate is an 增加值's) cannot tell the candidates apart,
    whatever its weight in the corpus; one only a few hold (金融) can. Terms keep at least a third of their weight.
    """
    n = len(sentences)
    if n < 3:
        return dict(weights)
    ceiling = math.log(1 + (n + 0.5) / 0.5)
    scaled = {}
    for term, weight in weights.items():
        df = sum(term in sentence for sentence in sentences)
        scaled[term] = weight * (0.35 + 0.65 * math.log(1 + (n - df + 0.5) / (df + 0.5)) / ceiling)
    return scaled


def _context_match(
    weights: dict[str, float], text: str, clauses: list[tuple[int, int]], at_clause: int
) -> float:
    """Weighted share of the key terms standing with the span's clause (see ``_reach``), with partial credit."""
    total = sum(weights.values())
    if not total:
        return 0.0
    a, b = clauses[at_clause]
    window = set(text[clauses[at_clause - 1][0] if at_clause else a : b])
    starts = [start for start, _ in clauses]
    score = 0.0
    for term, weight in weights.items():
        score += weight * (_reach(term, text, clauses, at_clause, starts) or _char_reach(term, window))
    return score / total


def _type_fit(question: Question, kind: str, unit: str | None, span_text: str = "") -> float:
    wanted = question.answer_type
    if wanted in ("number", "amount", "percentage"):
        if kind not in ("number", "amount", "percentage"):
            return 0.0
        table = {
            "percentage": {"percentage": 1.0, "amount": 0.05, "number": 0.05},
            "amount": {"amount": 1.0, "number": 0.35, "percentage": 0.15},
            "number": {"number": 1.0, "amount": 0.6, "percentage": 0.35},
        }
        fit = table[wanted][kind]
        if question.growth and question.unit is None and not question.rate_only:
            # "压缩了多少", "降低了多少": a change is printed as a rate as often as an amount; 同比增长 is a rate
            fit = max(fit, 0.5)
        if question.unit == ORDINAL:
            # a rank is printed as an ordinal (全市第一) or as a count of places (百强主城区15名)
            fit *= 1.15 if unit in (ORDINAL, "名", "位") else 0.3
            if unit == ORDINAL and span_text:
                # 排第几 asks a place (全市第一), 第几届 an edition (第十二届): the one is not the other
                edition = span_text.endswith(("届", "次", "批", "期"))
                fit *= 0.3 if edition != question.edition else 1.0
        elif question.unit is None and unit and question.count_asked and kind == "number":
            # 公司总数是多少, 企业数量: a count of things, in a measure word that counts (185家), not an area
            fit *= 1.0 if unit in _CLASSIFIERS or unit.endswith(("户", "人", "家", "个")) else 0.45
        elif question.unit and unit:
            if unit == question.unit or unit.endswith(question.unit) or question.unit.endswith(unit) or {unit, question.unit} <= _PEOPLE:
                fit *= 1.15  # (几人 is printed 6名: people are counted in either)
            elif unit.endswith(UNIT_FAMILIES.get(question.unit, ())):
                pass  # 面积 asked, 亩 or 平方公里 printed: the right kind of measure in another unit
            elif _same_group(question.unit, unit):
                fit *= 0.75  # 几栋楼宇 is printed 26座楼宇: one counted thing, another measure word
            else:
                fit *= 0.45
        return fit
    if wanted == "date":
        return 1.0 if kind == "date" else 0.0
    if wanted == "list":
        return {"list": 1.0, "name": 0.45}.get(kind, 0.0)
    if wanted in ("name", "organisation", "place", "other"):
        return {"name": 1.0, "list": 0.55}.get(kind, 0.0)
    return 0.0


def _slot_fills(question: Question, text: str) -> list[tuple[int, int]]:
    """What stands in the text exactly where the question word stands in the question: 打造[什么]标杆 read off
    打造长期护理标杆 gives 长期护理标杆 with the category the question names, however the tagger cuts it (长期 is
    tagged an adverb)."""
    left, right = question.left_context[-2:], question.right_context[:2]
    if len(left) < 2 or len(right) < 2:
        return []
    return [(m.start(1), m.end()) for m in re.finditer(rf"{re.escape(left)}([\u4e00-\u9fff“”]{{2,12}}?){re.escape(right)}", text)]


def _candidates(question: Question, text: str, pos, nouns: Sequence[str] = ()) -> list[tuple[int, int, str, str | None]]:
    """The spans of ``text`` of the kinds that could answer ``question``: (start, end, kind, unit). ``nouns`` are the
    kind asked (see ``asked_nouns``)."""
    wanted = question.answer_type
    if wanted in ("number", "amount", "percentage"):
        found = find_number_spans(text, with_growth_verb=question.growth)
        word = counted_character(question.text)
        if word:
            # 几乱 is answered by 八乱, 几分 by 十二分: a number in words with the character the question counts in
            found += [(m.start(), m.end(), "number", word) for m in re.finditer(rf"{CN_NUMERAL}{word}", text)]
        if question.unit == ORDINAL:
            found += [(m.start(), m.end(), "number", ORDINAL) for m in ORDINAL_SPAN.finditer(text)]
        return found
    if wanted == "date":
        found = [(a, b, "date", None) for a, b in find_date_spans(text)]
        if _YEAR_ASKED.search(question.text):
            found += [(m.start(), m.end(), "date", None) for m in re.finditer(r"20\d\d年", text)]
        return found
    if wanted in ("list", "name", "organisation", "place", "other"):
        lists = find_list_spans(text, pos)
        names = _extend_by_category(question, text, find_name_spans(text, pos), pos, nouns)
        # a name does not start with the verb that governs it (扎实推进明湖国际科技创新中心)
        # (a quoted name is the report's own coinage, verb and all: “聚焦提升年”, “免审即享”)
        names = [(a, b) for a, b in names if is_quoted(text, a, b) or not is_verb_phrase(text[a:b])]
        names += _slot_fills(question, text)
        # a conjunction joins two names, it opens none: 大局观念|和亲|商理念 is the tagger's mistake for …和|亲商理念
        names = [(a, b) for a, b in names if not (a and text[a] in "和与及" and "\u4e00" <= text[a - 1] <= "\u9fff")]
        if wanted == "list" and question.items == 2:
            # two names joined by 和/及/与 are an enumeration of two (哪两项战略 → 自贸试验区和科创金融改革实验区)
            lists += [
                (a1, b2) for a1, b1 in names for a2, b2 in names
                if a2 - b1 in (1, 2) and _PAIR_JOIN.fullmatch(text[b1:a2]) and b2 - a1 <= 30
            ]
            if pos is not None:
                lists += find_pair_spans(text, pos)  # or two actions named as things (增量崛起与存量变革)
        # the category the question names may close the last item (…山东省现代流通强区称号 for 哪些荣誉称号),
        # unless every item ends with it (齐鲁银行、青岛银行、北京银行 for 哪些银行)
        lists += [(a, b - k) for a, b in lists for k in (2, 3, 4) if b - k - a > 4 and _closed_by_category(text[a:b], question.text, k)]
        if question.nth:
            # 第四项行动是什么, 打头的是哪个: the item in that place of an enumeration
            names += [
                items[question.nth - 1]
                for a, b in lists
                if len(items := item_spans(text, a, b)) >= question.nth and not text[a].isdigit()
            ]
        elif wanted in ("name", "organisation", "place"):
            # each item of an enumeration is a name whose ends the 、 marks, where the tagger may cut it (超|意兴…公司)
            names += [
                (x, y) for a, b in lists if not text[a].isdigit()
                for x, y in item_spans(text, a, b) if y - x >= 2 and not re.search(r"\d|和|及|与", text[x:y])
            ]
        if question.excluded:
            lists, names = _leave_out(question.excluded, text, lists, names)
        return [(a, b, "list", None) for a, b in lists] + [(a, b, "name", None) for a, b in sorted(set(names))]
    return []


_JOIN_AFTER = re.compile(r"以及|、|和|及|与")


def _items_joined(span_text: str) -> list[str]:
    """The items of an enumeration joined by 、 和 及 与 以及."""
    return [item for item in re.split(_JOIN_AFTER.pattern, span_text) if item]


def names_excluded(excluded: str, span_text: str) -> bool:
    """One of the span's items is what a 除了X还… question leaves out, or a part of it, or shares four characters in
    a row with it (…现代金融产业母 and 现代金融产业母基金)."""
    k = min(4, len(excluded))
    return any(
        len(item) >= 2 and (item in excluded or any(excluded[i : i + k] in item for i in range(len(excluded) - k + 1)))
        for item in _items_joined(span_text)
    )


def _leave_out(excluded: str, text: str, lists: list[tuple[int, int]], names: list[tuple[int, int]]):
    """Enumerations without the item a 除了X还… question leaves out, when it is their first or last item
    (老商埠、万达广场、绿地普利中心 → 万达广场、绿地普利中心; 大局观念和亲商理念 → 亲商理念); what is left of an
    enumeration of two is a name."""
    lists, names = list(lists), list(names)
    for a, b in [*lists, *names]:
        joins = list(_JOIN_AFTER.finditer(text, a, b))
        if not joins:
            continue
        first, last = text[a : joins[0].start()], text[joins[-1].end() : b]
        rests = []
        if names_excluded(excluded, first):
            rests.append((joins[0].end(), b))
        if names_excluded(excluded, last):
            rests.append((a, joins[-1].start()))
        for x, y in rests:
            (lists if _JOIN_AFTER.search(text, x, y) else names).append((x, y))
    return lists, names


# what the thing asked is said to be (哪里定位为|招商的主阵地): a role, not its name's category
_PREDICATE = re.compile(r"(?:定位为|定位成|打造成|建成|成为|成了|作为|列为|评为|变成)([\u4e00-\u9fff的]+)$")
_WHERE = re.compile(r"济南市?|山东省?|全国|全省|全市|全区|国内|省内|市内")
# words that label a name as what it is (…强区称号, …奖项): printed after the name, never part of it
_LABEL = re.compile(r"(?<=..)(?:荣誉称号|称号|称谓|头衔|名号|荣誉|奖项)$")
_PAIR_JOIN = re.compile(r"和|及|与|以及")
_YEAR_ASKED = re.compile(r"哪一?年|年份")


_COUNT_AFTER = re.compile(rf"(?:等)?[\u4e00-\u9fff]{{0,3}}?({CN_NUMERAL})(?:大|个|项|类|种|条|家|所|处|方面)")


def _counted_after_list(text: str, end: int) -> int | None:
    """How many items the report says an enumeration holds, in the words just after it (A和B建设两大… → 2)."""
    m = _COUNT_AFTER.match(text, end, end + 9)
    return CN_DIGITS.get(m.group(1)) if m else None


def _closed_by_category(span_text: str, question: str, k: int | None = None) -> bool:
    """The enumeration's last item ends with the category the question names (…强区称号 for 哪些荣誉称号; 民生大街和纬四路
    道路 for 哪两条道路), which the other items do not: it is the category of them all, not part of the last item.
    ``k`` is the category's length, by default 2, 3 or 4."""
    items = re.split(r"[、—]|和|及|与", span_text)
    for n in (k,) if k else (2, 3, 4):
        tail = span_text[-n:]
        named = tail in question
        if len(span_text) - n > 4 and named and not any(item.endswith(tail) for item in items[:-1]):
            return True
    return False


def _within_part(before: str, question: str) -> bool:
    """The figure stands after 其中 in its sentence (a part of the figure before), and the question does not pick
    that part out by one of its figures (那174个亿元以上项目一共认缴了多少 asks within 其中亿元以上项目174个)."""
    tail = before.split("；")[-1].split("。")[-1]
    if "其中" not in tail:
        return False
    part = tail[tail.index("其中") :]
    return not any(n in part for n in re.findall(r"\d+(?:\.\d+)?", question))


def _bare(masked: str, clause: tuple[int, int]) -> bool:
    """The clause holds nothing but the (masked) figure and at most a verb of change: ``增长□□□□□``, ``□□□□``."""
    rest = re.sub(r"[^\u4e00-\u9fff]", "", masked[clause[0] : clause[1]])
    return len(re.sub(r"同比|可比|增长|下降|提高|增加|减少|降低|提升|达到?|为|约", "", rest)) == 0


def _window(text: str, clauses: list[tuple[int, int]], at_clause: int) -> str:
    """The span's clause with the two clauses before it: where what a figure measures is named."""
    return text[clauses[max(0, at_clause - 2)][0] : clauses[at_clause][1]]


def _implied_measure(unit: str | None) -> str:
    """The measure a unit states by itself: a figure in 平方公里 is an area (面积) whether or not the word stands there."""
    for measure, family in (("面积", UNIT_FAMILIES["平方米"]), ("长度", UNIT_FAMILIES["米"])):
        if unit and unit.endswith(family):
            return measure
    return ""


def _gap(weights: dict[str, float], window: str) -> float:
    """The weight share of the heaviest key term absent from the window, even in part (支出 where only 收入 stands)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    absent = [w for t, w in weights.items() if t not in window and not _char_reach(t, window)]
    return max(absent, default=0.0) / total


def _head_gap(heads: Sequence[str], window: str) -> float:
    """The share of the question's head nouns absent from the window, even in part or as the report's own term."""
    if not heads:
        return 0.0
    absent = 0
    for head in heads:
        spelled = [head] + [term for word, term in REPORT_TERMS.items() if word in head]
        absent += not any(s in window for s in spelled) and not _char_reach(head, window)
    return absent / len(heads)


def _shape_fit(question: Question, kind: str, span_text: str, before: str) -> float:
    """How well a name's (or list's) own shape fits what is asked, as a factor: the suffix of the kind asked, and none of
    the question's words around the answer taken into it. ``before`` is the character printed before the span."""
    factor = 1.0
    wanted = question.answer_type
    if kind == "name":
        if wanted == "organisation" and not _ORG_SUFFIX.search(span_text):
            factor *= 0.8
        if wanted == "place" and not _PLACE_SUFFIX.search(span_text):
            factor *= 0.8  # a place is named by a place word at its end (路, 片区, 商圈, 大厦 …), 硬实力 is none
        role = _PREDICATE.search(question.right_context)
        if role and len(span_text) > 3 and span_text[-2:] in role.group(1).replace("的", ""):
            factor *= 0.8  # 把哪里定位为招商的主阵地 → 中央商务区: what it is made into is no part of its name
        if (label := _LABEL.search(span_text)) and label.group(0) in question.text:
            factor *= 0.85  # 哪个称号 → 山东省现代流通强区: the label the question names is not part of the name
        if before == "等":
            factor *= 0.7  # X等头牌企业: what follows 等 is the kind the names before it belong to, not a name
    lead = question.slot_left
    if len(lead) >= 2 and span_text.startswith(lead) and len(span_text) > len(lead) + 1 and not _WHERE.fullmatch(lead):
        # 降低金融机构[哪两方面]: the answer follows the words before the question word in the text (济南哪个区域 →
        # 济南中央商务区: a place the name starts with is part of it)
        factor *= 0.9
    return factor


# a report says what a thing is with a copula after it: 民生工作|一直是|历下的“金字招牌”, 新兴产业|正成为|…加速器
_COPULA = re.compile(r"(?:正在?|已经?|一直|始终|日益|逐步|将|更)?(?:成为|是|被誉为|被称为|被评为|堪称|称得上)")


def copula_subject(
    weights: dict[str, float], text: str, start: int, end: int, clause_end: int, category: Sequence[str] = ()
) -> float:
    """How much of the key terms' weight stands in what the span is said to be, when a copula follows the span and the
    span itself holds none of them but the ``category`` asked: a question that describes the predicate
    (被称为招牌的是哪方面的工作) asks for the subject (民生工作). 0 when no copula follows."""
    m = _COPULA.match(text, end)
    total = sum(weights.values())
    own = text[start:end]
    if not m or not total or any(term in own and not _WHERE.fullmatch(term) and not any(term in c for c in category) for term in weights):
        return 0.0  # (a place the name starts with, 济南中央商务区, is no description)
    predicate = text[m.end() : clause_end]
    share = sum(w for term, w in weights.items() if term in predicate) / total
    return share if share >= COPULA_SHARE else 0.0  # a word or two in common (全省, 金融) is no description


# a question's first characters give its character pairs: questions run to 40, a pasted page would cost hundreds of
# pairs per candidate
FOCUS_CHARS = 64
SLOT_BONUS = 0.5
COPULA_BONUS = 0.5
COPULA_SHARE = 0.4

# how much a figure loses when its clause lacks what the question counts (0, 0.3 and 0.5 tried; 0.3 best on test+blind)
HEAD_PENALTY = 0.3
HEAD_NEAR_PENALTY = 0.1


def extract_spans(
    question: Question,
    evidence: Sequence[Evidence],
    weights: dict[str, float],
    *,
    pos: Callable[[str], list[tuple[str, str]]] | None = None,
    heads: Sequence[str] = (),
) -> list[Span]:
    """Score every typed span in the evidence for ``question``; returns spans best first, one per distinct text.

    ``weights`` maps the question's key terms to their weight (an idf); ``pos`` is a part-of-speech segmenter
    (word, flag) used for names and enumerations, optional. ``heads`` are the nouns that name what the question
    counts (支出 in 一般公共预算支出是多少): a figure whose clause lacks them likely counts something else.
    """
    wanted = question.answer_type
    bigrams = focus_bigrams(question.focus[:FOCUS_CHARS])
    bigram_weights = dict.fromkeys(bigrams, 1.0)
    asked = asked_kind(question, pos)
    nouns = asked.nouns
    found = []  # (evidence, clauses, start, end, kind, unit, clause index, fit)
    for ev in evidence:
        clauses = split_clauses(ev.text) or [(0, len(ev.text))]
        for a, b, kind, unit in _candidates(question, ev.text, pos, nouns):
            fit = _type_fit(question, kind, unit, ev.text[a:b])
            if fit <= 0:
                continue
            at_clause = next((i for i, (x, y) in enumerate(clauses) if x <= a and b <= y), None)
            if at_clause is None:
                at_clause = next((i for i, (x, y) in enumerate(clauses) if x <= a < y), 0)
            found.append((ev, clauses, a, b, kind, unit, at_clause, fit))
    # weigh the key terms by how few candidates stand with them (one window per fitting candidate): those terms
    # tell the candidates apart
    local = contrastive_weights(weights, [_window(ev.text, clauses, k) for ev, clauses, *_, k, fit in found if fit >= 0.5])
    # the most specific terms of the question: a figure they do not stand with is about something else
    anchors = dict(sorted(local.items(), key=lambda kv: -kv[1])[:2])
    lists: dict[int, list[tuple[int, int]]] = {}
    for ev, _, a, b, kind, *_ in found:
        if kind == "list":
            lists.setdefault(id(ev), []).append((a, b))
    ranked: list[tuple[float, Span]] = []
    asked_text = _DISTRICT_IN_TEXT.sub("", question.text)
    for ev, clauses, a, b, kind, unit, at_clause, fit in found:
        # a figure's own characters are not its context: 933亿元 does not stand with the term 亿元 (a name's do:
        # 明湖国际细胞医学产业园 holds the 产业园 asked about)
        text = ev.text if kind in ("name", "list") else ev.text[:a] + "\u25a1" * (b - a) + ev.text[b:]
        whole = ev.context + text
        if kind == "date" and _DATELINE.match(ev.text[a:]) and a < 2:
            whole += ev.following  # the sentence a date opens dates what the next one reports (…接受专访时表示)
        subject = ""
        if at_clause and kind not in ("name", "list") and _bare(text, clauses[at_clause]):
            # a clause that is nothing but the figure (…金融业增加值489亿元，增长11.6%) has no subject of its own:
            # it speaks of the clause before it as fully as if it were part of it, and stands right after its subject
            x, y = clauses[at_clause - 1]
            own = [f for f in find_number_spans(text[x:y]) if f[1] == y - x]
            subject = text[x : x + own[-1][0]] if own else text[x:y]
            clauses = clauses[: at_clause - 1] + [(x, clauses[at_clause][1])] + clauses[at_clause + 1 :]
            at_clause -= 1
        ca, cb = clauses[at_clause]
        ca, cb = min(ca, a), max(cb, b)
        clause = ev.text[ca:cb]
        before = text[clauses[at_clause - 1][0] : clauses[at_clause - 1][1]] if at_clause else ""
        clause_match = max(
            _context_match(local, text, clauses, at_clause),
            _context_match(bigram_weights, text, clauses, at_clause),
        )
        signals = {
            "clause": clause_match,
            "near": _proximity(local, subject + ev.text[a:b], len(subject), len(subject) + b - a)
            if subject
            else _proximity(local, before + "，" + clause, a - ca + len(before) + 1, b - ca + len(before) + 1),
            "slot": _slot_fit(question, ev.text, a, b, nouns),
            "sentence": max(_coverage(weights, whole), _bigram_coverage(bigrams, whole)),
            "similarity": _similarity_score(ev.similarity),
            "retrieval": ev.retrieval,
            "period": _period_fit(question, ev),
            "fit": min(fit, 1.0),
            "anchor": _context_match(anchors, text, clauses, at_clause),
            "gap": _gap(weights, _window(text, clauses, at_clause) + _implied_measure(unit)),
            "head": _head_gap(heads, _window(text, clauses, at_clause) + _implied_measure(unit)),
        }
        score = sum(SCORE_WEIGHTS[name] * signals[name] for name in SCORE_WEIGHTS)
        if kind in ("name", "list"):
            # a name or list standing where the question word stands (紧盯[哪些]重点片区 → 紧盯A、B、C等重点片区)
            # is the surest sign: the question was read off that very phrase (a loose match of one shared
            # character pair on each side, at most 0.4, is not)
            score *= 1.0 + SLOT_BONUS * signals["slot"] * (signals["slot"] > 0.4)
        score *= min(fit, 1.0) * (1.0 + 0.1 * (fit > 1.0)) * signals["period"]
        score *= 1.0 - 0.6 * signals["gap"]  # a key term nowhere near: the figure likely measures something else
        score *= 1.0 - HEAD_PENALTY * signals["head"]
        # 三大|片区 for 盯着几个片区: the figure counts the very thing asked, printed right after it
        counts_asked = bool(heads) and kind == "number" and counted_after(ev.text, b).startswith(tuple(heads))
        # named in a clause before the figure's own only: it likely counts something said next to it
        score *= 1.0 - HEAD_NEAR_PENALTY * max(0.0, _head_gap(heads, clause + _implied_measure(unit)) - signals["head"])
        span_text = ev.text[a:b]
        if kind in ("name", "list"):
            # the category a name ends with may repeat the question (丽山国际|细胞医学产业园); the rest must be new
            ending = _name_ending(question, span_text, nouns)
            if question.category and span_text.endswith(question.category):
                ending = max(ending, len(question.category))  # 商圈 of 国际消费中心商圈 when 商圈叫什么 is asked
            own = span_text[: len(span_text) - ending]
            remembered = QUOTED.search(question.text)
            if remembered and remembered.group(1) in own and len(own) > len(remembered.group(1)):
                # the asker remembers part of the name ("管家"式服务 → “泉管家”): that part is not a repeat
                own = own.replace(remembered.group(1), "")
                score *= 1.3
            if question.full_name:
                # 全称是什么: the asker remembers part of the name and asks for all of it, so the longest name standing
                # there is the answer, repeats and all
                score *= 1.0 + 0.02 * min(len(span_text), 20)
            else:
                score *= min(1.0, 0.3 + 2.5 * _novelty(own, asked_text))
                if len(span_text) >= 2 and span_text in question.text:
                    score *= 0.3  # the question's own words (再造一个新市中 → “新市中”) are not its answer
            score *= _shape_fit(question, kind, span_text, ev.text[a - 1 : a])
            if question.excluded and names_excluded(question.excluded, span_text):
                score *= 0.5  # 除了老商埠还有哪些: the answer leaves out what the asker named
            score *= 1.0 + COPULA_BONUS * copula_subject(weights, ev.text, a, b, cb, nouns)
            score *= 1.0 + 0.01 * min(len(span_text), 10)  # of two names equally placed, the fuller one
            if question.person and kind == "name":
                # a person is named after the title: 区长杨福涛, 记者夏侯凤超; the asked title when the question names one
                title = text[max(0, a - 6) : a].rstrip().rstrip("：:")
                titled = (title.endswith(question.role) if question.role else _TITLE_BEFORE.search(title)) and 2 <= len(span_text) <= 4
                score *= 1.3 if titled else 0.1 if question.role else 0.5  # a title asked: only names after it answer
                signals["titled"] = 1.0 if titled else 0.0
            elif question.role and wanted != "list":
                score *= 0.1  # 记者是谁 asks one person by title: an enumeration is no answer
            if question.nth and kind == "name":
                in_place = (a, b) in {item for x, y in lists.get(id(ev), ()) for item in item_spans(ev.text, x, y)[question.nth - 1 : question.nth]}
                score *= 1.4 if in_place or _nth_marker(question, ev.text, a) else 1.0
            if question.category and kind == "name":
                # a name asked as "商圈叫什么" ends with 商圈 (泉城路商圈), and is more than the category itself, or
                # the category follows it ("1+456"工作体系, "名校优才"历下行活动)
                ends = span_text.endswith(question.category) and len(span_text) > len(question.category)
                # only a quote closes a name before its category: unquoted, 国际消费中心|商圈 is cut short
                follows = is_quoted(ev.text, a, b) and question.category in _after_name(ev.text, b).split("，")[0]
                score *= 1.15 if ends or follows else 0.9
            elif kind == "name" and any(span_text.endswith(n) and len(span_text) > len(n) for n in asked.bodies):
                score *= 1.15  # 哪家医院 → 历下医院: a name of the kind asked right after the question word
            elif kind == "name" and any(len(n) >= 3 and span_text.endswith(n[-2:]) and len(span_text) > 2 for n in nouns):
                score *= 1.1  # 哪种医保数字凭证 → 医保电子凭证: a compound ends in its head, the head of the kind asked
            if question.items:
                # 哪两个主题年 asks for two: an enumeration of as many items, not one name
                score *= 1.25 if kind == "list" and items_in(span_text) == question.items else 0.85
                if kind == "list" and _counted_after_list(ev.text, b) == question.items:
                    score *= 1.2  # the report counts them itself: 自贸试验区和科创金融改革实验区建设两大国家级战略
            if is_quoted(ev.text, a, b) and not question.person and wanted != "place":
                score *= 1.2  # reports put the names they coin in quotes: “云帮办”, “三级联动”
        elif span_text in question.text:
            score *= 0.2  # the question's own figure is not its answer
        elif kind == "date":
            if _YEAR_ASKED.search(question.text) and re.fullmatch(r"20\d\d年", span_text):
                score *= 1.2  # 哪一年, 举办年份: the year, not the full date
        elif kind in ("number", "amount", "percentage") and (
            contrary_measure(question.text, window := _window(text, clauses, at_clause))
            or other_of_kind(question.focus, window, text[clauses[at_clause][0] : clauses[at_clause][1]])
        ):
            signals["contrary"] = 1.0  # if it is still the best match, the pipeline says the reports print the other
        elif kind == "number" and question.container and counts_whole(question.container, ev.text, ca, a, b):
            signals["combined"] = 1.0  # 亿元以上项目里有几个是…: the figure counts the whole, not the part asked
        elif (
            kind in ("number", "amount")
            and unit != ORDINAL
            and not question.whole
            and (
                combined_part(question.text, ev.text[ca:a], counted_after(ev.text, b), pos, span_text)
                or group_in_window(question.text, ev.text, clauses[max(0, at_clause - 2)][0], ca, pos)
            )
        ):
            # the figure adds up kinds of which the question names only some: if it is still the best match, the
            # pipeline says that the reports give only the sum
            signals["combined"] = 1.0
        elif question.stock and _FLOW.search(lead := text[max(0, a - 12) : a].split("，")[-1]) and not _TOTAL.search(lead):
            # a total is asked (总数), the figure counts what was added (新增高新技术企业151家): if it is the best
            # match, the pipeline says that the reports give only the increase
            signals["added"] = 1.0
        elif question.whole and _within_part(text[:a], question.text):
            score *= 0.6  # a total is asked (一共, 加起来): 其中… names a part of the figure before it (供地1579亩，其中出让835亩)
        elif kind == "percentage" and (question.share or question.growth):
            # a share (占全市46%) and a change (增长11.6%) are two measures: the question's word says which
            of_share = bool(SHARE.search(text[max(0, a - 6) : a].split("，")[-1]))
            of_change = bool(_CHANGE_PRINTED.search(ev.text[max(0, a - 4) : b]))
            if question.share:
                score *= 1.2 if of_share else 0.8 if of_change else 1.0
            elif of_share:
                score *= 0.8
        elif CN_NUMBER.fullmatch(span_text) and unit != question.unit and not counts_asked:
            score *= 0.5  # 两大, 三级: a count in words is an answer only when asked in that measure or of that thing
        # ranked by the raw score: capping first would tie a name with its own truncation
        ranked.append((score, Span(ev.doc_id, ev.start + a, ev.start + b, span_text, kind, min(score, 1.0), ev, clause, signals)))
    ranked.sort(key=lambda pair: (-pair[0], -pair[1].evidence.retrieval, pair[1].start))
    best: dict[str, Span] = {}
    for _, span in ranked:
        best.setdefault(span.text, span)
    return list(best.values())
