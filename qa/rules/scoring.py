"""The signals of a candidate span: how closely the question's key terms stand with it (in its clause, a clause or
two before, in part), whether it fills the question word's place, whether its kind, unit and shape fit what was
asked, and what is missing near it. Pure functions of literal inputs, each a number for ``qa.rules.extract``."""
from __future__ import annotations

import bisect
import math
import re
from functools import lru_cache
from typing import Sequence

from qa.rules.lexicon import CLASSIFIER_GROUPS, CLASSIFIERS, CN_DIGITS, DISTRICT_NAMES, ORDINAL, ORG_SUFFIX, PEOPLE, PLACE_SUFFIX, REPORT_TERMS, UNIT_FAMILIES
from qa.rules.question import Question
from qa.rules.spans import CN_NUMERAL, char_pairs, shared_edge
from qa.rules.types import Evidence


def _same_group(a: str, b: str) -> bool:
    return any(a in group and b in group for group in CLASSIFIER_GROUPS)


@lru_cache(maxsize=16384)
def _occurrences(term: str, text: str) -> tuple[int, ...]:
    """Where ``term`` stands in ``text``; cached, since every span of a sentence asks again for the same terms."""
    return tuple(m.start() for m in re.finditer(re.escape(term), text))


def term_coverage(weights: dict[str, float], text: str) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in text) / total if total else 0.0


def focus_bigrams(focus: str) -> set[str]:
    """The Chinese character pairs of the question's focus: a softer match than words for reworded questions."""
    return {focus[i : i + 2] for i in range(len(focus) - 1) if re.fullmatch(r"[\u4e00-\u9fff]{2}", focus[i : i + 2])}


def bigram_coverage(bigrams: set[str], text: str) -> float:
    return sum(b in text for b in bigrams) / len(bigrams) if bigrams else 0.0


def proximity(weights: dict[str, float], window: str, start: int, end: int) -> float:
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


def period_fit(question: Question, evidence: Evidence) -> float:
    fit = 1.0
    if question.year is not None and evidence.year is not None and evidence.year != question.year:
        fit *= 0.3
    if question.stance is not None and evidence.stance is not None and evidence.stance != question.stance:
        fit *= 0.75
    return fit


DISTRICT_IN_TEXT = re.compile("|".join(sorted(DISTRICT_NAMES, key=len, reverse=True)))


def novelty(span_text: str, asked: str) -> float:
    """Share of the span's characters that the question (``asked``: its text without district names, since 历下 of
    历下医院 is part of the name asked for) does not already contain: an answer says something new."""
    chars = [c for c in span_text if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    if not chars:
        return 0.0
    return sum(c not in asked for c in chars) / len(chars)


DATELINE = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号](?:上午|下午|晚上)?[，,]")


_LINKING = re.compile(r"[达为是约共了到至有近超]$")


_OPEN_QUOTE = re.compile(r"[“‘「『]$")


def after_name(text: str, end: int) -> str:
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


def nth_marker(question: Question, text: str, start: int) -> bool:
    """The span follows the report's marker of the asked place: ``四是`` for 第四项 (一是…二是… enumerate)."""
    marks = list(re.finditer(r"(?:^|[。；，\s])([一二三四五六七八九十])是", text[:start]))
    return bool(marks) and CN_DIGITS.get(marks[-1].group(1)) == question.nth


def slot_fit(question: Question, text: str, start: int, end: int, nouns: Sequence[str] = ()) -> float:
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
        after = after_name(text, end)
        # measured on up to six characters: four shared by chance ("历史文化…") must not equal six shared by design
        reach = min(len(question.right_context), 6)
        exact = shared_edge(question.right_context, after, suffix=False) / reach
        loose = 0.4 * bool(char_pairs(question.slot_right) & char_pairs(after[:7]))
        inside = name_ending(question, text[start:end], nouns) / reach
        # the category an enumeration is said to be of, with a modifier inserted (高端产业 → A、B等高端优质产业); a
        # name's own words are not spread out like that (监管机构 is 国有资产监督管理机构, not 国有资产|监督管理机构)
        spread = 0.0
        if re.match(r"[”’」』]?等", text[end : end + 2]) and len(question.slot_right) >= 3:
            spread = 0.9 * _subsequence(question.slot_right, after[: len(question.slot_right) + 3])
        fit += 0.5 * min(1.0, max(exact, loose, inside, spread))
    return fit


def name_ending(question: Question, span_text: str, nouns: Sequence[str] = ()) -> int:
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


def similarity_score(cosine: float) -> float:
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


def context_match(
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


def type_fit(question: Question, kind: str, unit: str | None, span_text: str = "") -> float:
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
            fit *= 1.0 if unit in CLASSIFIERS or unit.endswith(("户", "人", "家", "个")) else 0.45
        elif question.unit and unit:
            if unit == question.unit or unit.endswith(question.unit) or question.unit.endswith(unit) or {unit, question.unit} <= PEOPLE:
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


# what the thing asked is said to be (哪里定位为|招商的主阵地): a role, not its name's category
_PREDICATE = re.compile(r"(?:定位为|定位成|打造成|建成|成为|成了|作为|列为|评为|变成)([\u4e00-\u9fff的]+)$")


_WHERE = re.compile(r"济南市?|山东省?|全国|全省|全市|全区|国内|省内|市内")


# words that label a name as what it is (…强区称号, …奖项): printed after the name, never part of it
_LABEL = re.compile(r"(?<=..)(?:荣誉称号|称号|称谓|头衔|名号|荣誉|奖项)$")


_COUNT_AFTER = re.compile(rf"(?:等)?[\u4e00-\u9fff]{{0,3}}?({CN_NUMERAL})(?:大|个|项|类|种|条|家|所|处|方面)")


def counted_after_list(text: str, end: int) -> int | None:
    """How many items the report says an enumeration holds, in the words just after it (A和B建设两大… → 2)."""
    m = _COUNT_AFTER.match(text, end, end + 9)
    return CN_DIGITS.get(m.group(1)) if m else None


def within_part(before: str, question: str) -> bool:
    """The figure stands after 其中 in its sentence (a part of the figure before), and the question does not pick
    that part out by one of its figures (那174个亿元以上项目一共认缴了多少 asks within 其中亿元以上项目174个)."""
    tail = before.split("；")[-1].split("。")[-1]
    if "其中" not in tail:
        return False
    part = tail[tail.index("其中") :]
    return not any(n in part for n in re.findall(r"\d+(?:\.\d+)?", question))


def bare_clause(masked: str, clause: tuple[int, int]) -> bool:
    """The clause holds nothing but the (masked) figure and at most a verb of change: ``增长□□□□□``, ``□□□□``."""
    rest = re.sub(r"[^\u4e00-\u9fff]", "", masked[clause[0] : clause[1]])
    return len(re.sub(r"同比|可比|增长|下降|提高|增加|减少|降低|提升|达到?|为|约", "", rest)) == 0


def measure_window(text: str, clauses: list[tuple[int, int]], at_clause: int) -> str:
    """The span's clause with the two clauses before it: where what a figure measures is named."""
    return text[clauses[max(0, at_clause - 2)][0] : clauses[at_clause][1]]


def implied_measure(unit: str | None) -> str:
    """The measure a unit states by itself: a figure in 平方公里 is an area (面积) whether or not the word stands there."""
    for measure, family in (("面积", UNIT_FAMILIES["平方米"]), ("长度", UNIT_FAMILIES["米"])):
        if unit and unit.endswith(family):
            return measure
    return ""


def term_gap(weights: dict[str, float], window: str) -> float:
    """The weight share of the heaviest key term absent from the window, even in part (支出 where only 收入 stands)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    absent = [w for t, w in weights.items() if t not in window and not _char_reach(t, window)]
    return max(absent, default=0.0) / total


def head_gap(heads: Sequence[str], window: str) -> float:
    """The share of the question's head nouns absent from the window, even in part or as the report's own term."""
    if not heads:
        return 0.0
    absent = 0
    for head in heads:
        spelled = [head] + [term for word, term in REPORT_TERMS.items() if word in head]
        absent += not any(s in window for s in spelled) and not _char_reach(head, window)
    return absent / len(heads)


def shape_fit(question: Question, kind: str, span_text: str, before: str) -> float:
    """How well a name's (or list's) own shape fits what is asked, as a factor: the suffix of the kind asked, and none of
    the question's words around the answer taken into it. ``before`` is the character printed before the span."""
    factor = 1.0
    wanted = question.answer_type
    if kind == "name":
        if wanted == "organisation" and not ORG_SUFFIX.search(span_text):
            factor *= 0.8
        if wanted == "place" and not PLACE_SUFFIX.search(span_text):
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


COPULA_SHARE = 0.4
