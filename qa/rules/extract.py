"""Answer extraction: the spans ``qa.rules.finding`` finds in the evidence sentences, scored by the signals of
``qa.rules.scoring``, each multiplier kept as its own signal (``qa.rules.signals``).

A span is chosen because the question's key terms stand with it in the same clause (between ``，；：。``), close to
it, in a sentence that speaks for the asked year, and because its kind and unit fit what was asked; not because
it is the number nearest to some word. Everything here is a pure function of literal inputs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from qa.rules.finding import YEAR_ASKED, AskedKind, asked_kind, candidate_spans, names_excluded
from qa.rules.lexicon import ORDINAL, SHARE, TITLES
from qa.rules.measures import combined_part, contrary_measure, counted_after, counts_whole, group_in_window, other_of_kind
from qa.rules.question import Question
from qa.rules.scoring import (
    DATELINE,
    DISTRICT_IN_TEXT,
    after_name,
    bare_clause,
    bigram_coverage,
    context_match,
    contrastive_weights,
    copula_subject,
    counted_after_list,
    focus_bigrams,
    head_gap,
    implied_measure,
    measure_window,
    name_ending,
    novelty,
    nth_marker,
    period_fit,
    proximity,
    shape_fit,
    similarity_score,
    slot_fit,
    term_coverage,
    term_gap,
    type_fit,
    within_part,
)
from qa.rules.spans import CN_NUMBER, GROWTH_VERBS, QUOTED, find_number_spans, is_quoted, item_spans, items_in, split_clauses
from qa.rules.signals import SCORE_WEIGHTS, Signal
from qa.rules.types import Evidence, Span


_CHANGE_PRINTED = re.compile(rf"{GROWTH_VERBS}|增速|增幅")


_FLOW = re.compile(r"新增|新认定|新引进|新建|新开|新落户|新注册|引进|增加")


_TOTAL = re.compile(r"累计|总数|总量|共|达")


_TITLE_BEFORE = re.compile(rf"(?:{TITLES}|代表)\s*$")


# a question's first characters give its character pairs: questions run to 40, a pasted page would cost hundreds of
# pairs per candidate
FOCUS_CHARS = 64


SLOT_BONUS = 0.5


COPULA_BONUS = 0.5


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
    bigrams = focus_bigrams(question.focus[:FOCUS_CHARS])
    bigram_weights = dict.fromkeys(bigrams, 1.0)
    asked = asked_kind(question, pos)
    nouns = asked.nouns
    found = []  # (evidence, clauses, start, end, kind, unit, clause index, fit)
    for ev in evidence:
        clauses = split_clauses(ev.text) or [(0, len(ev.text))]
        for a, b, kind, unit in candidate_spans(question, ev.text, pos, nouns):
            fit = type_fit(question, kind, unit, ev.text[a:b])
            if fit <= 0:
                continue
            at_clause = next((i for i, (x, y) in enumerate(clauses) if x <= a and b <= y), None)
            if at_clause is None:
                at_clause = next((i for i, (x, y) in enumerate(clauses) if x <= a < y), 0)
            found.append((ev, clauses, a, b, kind, unit, at_clause, fit))
    # weigh the key terms by how few candidates stand with them (one window per fitting candidate): those terms
    # tell the candidates apart
    local = contrastive_weights(weights, [measure_window(ev.text, clauses, k) for ev, clauses, *_, k, fit in found if fit >= 0.5])
    # the most specific terms of the question: a figure they do not stand with is about something else
    anchors = dict(sorted(local.items(), key=lambda kv: -kv[1])[:2])
    lists: dict[int, list[tuple[int, int]]] = {}
    for ev, _, a, b, kind, *_ in found:
        if kind == "list":
            lists.setdefault(id(ev), []).append((a, b))
    ranked: list[tuple[float, Span]] = []
    asked_text = DISTRICT_IN_TEXT.sub("", question.text)
    for ev, clauses, a, b, kind, unit, at_clause, fit in found:
        # a figure's own characters are not its context: 933亿元 does not stand with the term 亿元 (a name's do:
        # 明湖国际细胞医学产业园 holds the 产业园 asked about)
        text = ev.text if kind in ("name", "list") else ev.text[:a] + "\u25a1" * (b - a) + ev.text[b:]
        whole = ev.context + text
        if kind == "date" and DATELINE.match(ev.text[a:]) and a < 2:
            whole += ev.following  # the sentence a date opens dates what the next one reports (…接受专访时表示)
        subject = ""
        if at_clause and kind not in ("name", "list") and bare_clause(text, clauses[at_clause]):
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
            context_match(local, text, clauses, at_clause),
            context_match(bigram_weights, text, clauses, at_clause),
        )
        measured = measure_window(text, clauses, at_clause) + implied_measure(unit)  # where what a figure measures is named
        signals = {
            Signal.CLAUSE: clause_match,
            Signal.NEAR: proximity(local, subject + ev.text[a:b], len(subject), len(subject) + b - a)
            if subject
            else proximity(local, before + "，" + clause, a - ca + len(before) + 1, b - ca + len(before) + 1),
            Signal.SLOT: slot_fit(question, ev.text, a, b, nouns),
            Signal.SENTENCE: max(term_coverage(weights, whole), bigram_coverage(bigrams, whole)),
            Signal.SIMILARITY: similarity_score(ev.similarity),
            Signal.RETRIEVAL: ev.retrieval,
            Signal.PERIOD: period_fit(question, ev),
            Signal.FIT: min(fit, 1.0),
            Signal.ANCHOR: context_match(anchors, text, clauses, at_clause),
            Signal.GAP: term_gap(weights, measured),
            Signal.HEAD: head_gap(heads, measured),
        }
        score = sum(SCORE_WEIGHTS[name] * signals[name] for name in SCORE_WEIGHTS)
        if kind in ("name", "list"):
            # a name or list standing where the question word stands (紧盯[哪些]重点片区 → 紧盯A、B、C等重点片区)
            # is the surest sign: the question was read off that very phrase (a loose match of one shared
            # character pair on each side, at most 0.4, is not)
            score *= _factor(signals, Signal.X_SLOT, 1.0 + SLOT_BONUS * signals[Signal.SLOT] * (signals[Signal.SLOT] > 0.4))
        over = _factor(signals, Signal.X_FIT_OVER, 1.0 + 0.1 * (fit > 1.0))  # the unit asked, printed
        score *= min(fit, 1.0) * over * signals[Signal.PERIOD]
        score *= 1.0 - 0.6 * signals[Signal.GAP]  # a key term nowhere near: the figure likely measures something else
        score *= 1.0 - HEAD_PENALTY * signals[Signal.HEAD]
        # named in a clause before the figure's own only: it likely counts something said next to it
        near = 1.0 - HEAD_NEAR_PENALTY * max(0.0, head_gap(heads, clause + implied_measure(unit)) - signals[Signal.HEAD])
        score *= _factor(signals, Signal.X_HEAD_NEAR, near)
        span_text = ev.text[a:b]
        place = _Place(question, ev, text, clauses, at_clause, a, b, ca, cb, kind, unit, span_text)
        if kind in ("name", "list"):
            factors = _name_factors(place, weights, nouns, asked, asked_text, lists, signals)
        else:
            factors = _figure_factors(place, heads, pos, signals)
        for signal, factor in factors:
            score *= _factor(signals, signal, factor)
        # ranked by the raw score: capping first would tie a name with its own truncation
        ranked.append((score, Span(ev.doc_id, ev.start + a, ev.start + b, span_text, kind, min(score, 1.0), ev, clause, signals)))
    ranked.sort(key=lambda pair: (-pair[0], -pair[1].evidence.retrieval, pair[1].start))
    best: dict[str, Span] = {}
    for _, span in ranked:
        best.setdefault(span.text, span)
    return list(best.values())


def _factor(signals: dict, signal: Signal, factor: float) -> float:
    """Keep a multiplier the rules apply as the span's own signal (``Signal.X_…``), and give it back to apply."""
    if factor != 1.0:
        signals[signal] = signals.get(signal, 1.0) * factor
    return factor


@dataclass(frozen=True)
class _Place:
    """Where a candidate span stands: its evidence, the text it is scored in (a figure masked), the clauses and the
    span's own clause, its offsets in the sentence, kind and unit."""

    question: Question
    ev: Evidence
    text: str  # the sentence, a figure's own characters masked
    clauses: list
    at_clause: int
    a: int
    b: int
    ca: int  # the span's clause, widened to hold the span
    cb: int
    kind: str
    unit: str | None
    span_text: str


def _name_factors(place: _Place, weights: dict[str, float], nouns: Sequence[str], asked: AskedKind, asked_text: str,
                  lists: dict, signals: dict) -> Iterator[tuple[Signal, float]]:
    """The multipliers a name or an enumeration earns, in the order they apply (``asked_text``: the question without
    district names; ``lists``: the enumerations of each evidence sentence)."""
    question, ev, text, a, b, kind, span_text = place.question, place.ev, place.text, place.a, place.b, place.kind, place.span_text
    wanted = question.answer_type
    # the category a name ends with may repeat the question (丽山国际|细胞医学产业园); the rest must be new
    ending = name_ending(question, span_text, nouns)
    if question.category and span_text.endswith(question.category):
        ending = max(ending, len(question.category))  # 商圈 of 国际消费中心商圈 when 商圈叫什么 is asked
    own = span_text[: len(span_text) - ending]
    remembered = QUOTED.search(question.text)
    if remembered and remembered.group(1) in own and len(own) > len(remembered.group(1)):
        # the asker remembers part of the name ("管家"式服务 → “泉管家”): that part is not a repeat
        own = own.replace(remembered.group(1), "")
        yield Signal.X_REMEMBERED, 1.3
    if question.full_name:
        # 全称是什么: the asker remembers part of the name and asks for all of it, so the longest name standing
        # there is the answer, repeats and all
        yield Signal.X_FULL_NAME, 1.0 + 0.02 * min(len(span_text), 20)
    else:
        yield Signal.X_NOVELTY, min(1.0, 0.3 + 2.5 * novelty(own, asked_text))
        if len(span_text) >= 2 and span_text in question.text:
            yield Signal.X_ECHO, 0.3  # the question's own words (再造一个新市中 → “新市中”) are not its answer
    yield Signal.X_SHAPE, shape_fit(question, kind, span_text, ev.text[a - 1 : a])
    if question.excluded and names_excluded(question.excluded, span_text):
        yield Signal.X_EXCLUDED, 0.5  # 除了老商埠还有哪些: the answer leaves out what the asker named
    yield Signal.X_COPULA, 1.0 + COPULA_BONUS * copula_subject(weights, ev.text, a, b, place.cb, nouns)
    yield Signal.X_FULLER, 1.0 + 0.01 * min(len(span_text), 10)  # of two names equally placed, the fuller one
    if question.person and kind == "name":
        # a person is named after the title: 区长杨福涛, 记者夏侯凤超; the asked title when the question names one
        title = text[max(0, a - 6) : a].rstrip().rstrip("：:")
        titled = (title.endswith(question.role) if question.role else _TITLE_BEFORE.search(title)) and 2 <= len(span_text) <= 4
        signals[Signal.TITLED] = 1.0 if titled else 0.0
        yield Signal.X_TITLED, 1.3 if titled else 0.1 if question.role else 0.5  # a title asked: only names after it answer
    elif question.role and wanted != "list":
        yield Signal.X_ROLE_LIST, 0.1  # 记者是谁 asks one person by title: an enumeration is no answer
    if question.nth and kind == "name":
        in_place = (a, b) in {item for x, y in lists.get(id(ev), ()) for item in item_spans(ev.text, x, y)[question.nth - 1 : question.nth]}
        yield Signal.X_NTH, 1.4 if in_place or nth_marker(question, ev.text, a) else 1.0
    if question.category and kind == "name":
        # a name asked as "商圈叫什么" ends with 商圈 (泉城路商圈), and is more than the category itself, or
        # the category follows it ("1+456"工作体系, "名校优才"历下行活动)
        ends = span_text.endswith(question.category) and len(span_text) > len(question.category)
        # only a quote closes a name before its category: unquoted, 国际消费中心|商圈 is cut short
        follows = is_quoted(ev.text, a, b) and question.category in after_name(ev.text, b).split("，")[0]
        yield Signal.X_CATEGORY, 1.15 if ends or follows else 0.9
    elif kind == "name" and any(span_text.endswith(n) and len(span_text) > len(n) for n in asked.bodies):
        yield Signal.X_BODY, 1.15  # 哪家医院 → 历下医院: a name of the kind asked right after the question word
    elif kind == "name" and any(len(n) >= 3 and span_text.endswith(n[-2:]) and len(span_text) > 2 for n in nouns):
        yield Signal.X_COMPOUND_HEAD, 1.1  # 哪种医保数字凭证 → 医保电子凭证: a compound ends in its head, the head of the kind asked
    if question.items:
        # 哪两个主题年 asks for two: an enumeration of as many items, not one name
        yield Signal.X_ITEMS, 1.25 if kind == "list" and items_in(span_text) == question.items else 0.85
        if kind == "list" and counted_after_list(ev.text, b) == question.items:
            yield Signal.X_COUNTED, 1.2  # the report counts them itself: 自贸试验区和科创金融改革实验区建设两大国家级战略
    if is_quoted(ev.text, a, b) and not question.person and wanted != "place":
        yield Signal.X_QUOTED, 1.2  # reports put the names they coin in quotes: “云帮办”, “三级联动”


def _figure_factors(place: _Place, heads: Sequence[str], pos, signals: dict) -> Iterator[tuple[Signal, float]]:
    """The multipliers a figure or a date earns, in the order they apply; and the flags (contrary, combined, added)
    that say why the best span still would not answer."""
    question, ev, text, clauses, at_clause = place.question, place.ev, place.text, place.clauses, place.at_clause
    a, b, ca, kind, unit, span_text = place.a, place.b, place.ca, place.kind, place.unit, place.span_text
    # 三大|片区 for 盯着几个片区: the figure counts the very thing asked, printed right after it
    counts_asked = bool(heads) and kind == "number" and counted_after(ev.text, b).startswith(tuple(heads))
    if span_text in question.text:
        yield Signal.X_OWN_FIGURE, 0.2  # the question's own figure is not its answer
    elif kind == "date":
        if YEAR_ASKED.search(question.text) and re.fullmatch(r"20\d\d年", span_text):
            yield Signal.X_YEAR_ONLY, 1.2  # 哪一年, 举办年份: the year, not the full date
    elif kind in ("number", "amount", "percentage") and (
        contrary_measure(question.text, window := measure_window(text, clauses, at_clause))
        or other_of_kind(question.focus, window, text[clauses[at_clause][0] : clauses[at_clause][1]])
    ):
        signals[Signal.CONTRARY] = 1.0  # if it is still the best match, the pipeline says the reports print the other
    elif kind == "number" and question.container and counts_whole(question.container, ev.text, ca, a, b):
        signals[Signal.COMBINED] = 1.0  # 亿元以上项目里有几个是…: the figure counts the whole, not the part asked
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
        signals[Signal.COMBINED] = 1.0
    elif question.stock and _FLOW.search(lead := text[max(0, a - 12) : a].split("，")[-1]) and not _TOTAL.search(lead):
        # a total is asked (总数), the figure counts what was added (新增高新技术企业151家): if it is the best
        # match, the pipeline says that the reports give only the increase
        signals[Signal.ADDED] = 1.0
    elif question.whole and within_part(text[:a], question.text):
        yield Signal.X_PART, 0.6  # a total is asked (一共, 加起来): 其中… names a part of the figure before it (供地1579亩，其中出让835亩)
    elif kind == "percentage" and (question.share or question.growth):
        # a share (占全市46%) and a change (增长11.6%) are two measures: the question's word says which
        of_share = bool(SHARE.search(text[max(0, a - 6) : a].split("，")[-1]))
        of_change = bool(_CHANGE_PRINTED.search(ev.text[max(0, a - 4) : b]))
        if question.share:
            yield Signal.X_SHARE_CHANGE, 1.2 if of_share else 0.8 if of_change else 1.0
        elif of_share:
            yield Signal.X_SHARE_CHANGE, 0.8
    elif CN_NUMBER.fullmatch(span_text) and unit != question.unit and not counts_asked:
        yield Signal.X_WORD_COUNT, 0.5  # 两大, 三级: a count in words is an answer only when asked in that measure or of that thing
