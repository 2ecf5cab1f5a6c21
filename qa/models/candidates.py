"""Answer candidates: the rules' spans and the reader's, merged by their offsets, each described by features.

A candidate is a span of a document's canonical text. The rules give theirs with scores and signals; the reader
proposes its best spans and scores every rule span it read. What the question states (year, plan or result) is a
hard constraint here; everything else is a feature for the ranker. Pure functions of literal inputs.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from qa.rules.types import Span
from qa.rules.question import Question
from qa.rules.respectively import another_items_figure
from qa.rules.spans import bare_figure
from qa.rules.signals import RANKED_REASONS, SPAN_SIGNALS, feature_value
from qa.models.reader import DECODING, ReaderSpan, WindowLogits, span_score

RULE_CANDIDATES = 8
ANSWER_TYPES = ("number", "amount", "percentage", "date", "list", "name", "organisation", "place")
RULE_KINDS = ("number", "amount", "percentage", "date", "list", "name")
_FIGURE = re.compile(r"^[约超近逾达共仅]?[\d０-９.,，]+(?:[%‰]|[万亿千百十]*[\u4e00-\u9fff]{0,3})[余多左右以上内]*$")
_DIGIT = re.compile(r"[\d０-９一二三四五六七八九十百千万亿两]")
_EDGE_PUNCT = "，。、；：！？“”‘’（）《》,.;:!?()"


@dataclass(frozen=True)
class SentenceFacts:
    """What is known of the sentence a candidate stands in."""

    year: int | None
    stance: str | None
    similarity: float  # cosine with the question's embedding
    coverage: float  # the share of the question's key-term weight in the sentence and the context before it
    text: str = ""  # the sentence as printed
    start: int = 0  # where it starts in its report


@dataclass(frozen=True)
class TurnContext:
    """How a question follows the turns before it: its kind (``conversation.KINDS``; "alone" for a question asked
    alone) and where the last answer stands (report, start, end) when it is evidence for this turn."""

    kind: str = "alone"
    last: tuple[str, int, int] | None = None


ALONE = TurnContext()
NEAR_LAST_CHARS = 300  # a candidate this close to the last answer (same report) stands in the passage that held it


def turn_features(turn: TurnContext) -> dict[str, float]:
    """The question's features of the conversation: a follow-up, one that names a new place or year, one anchored
    on the last answer's place."""
    return {"h_follow": float(turn.kind not in ("alone", "full")), "h_new_scope": float(turn.kind in ("place", "year")),
            "h_anchored": float(turn.last is not None)}


def turn_candidate_features(turn: TurnContext, doc_id: str, start: int, end: int) -> dict[str, float]:
    """A candidate's place against the last answer's: the same report, near it (its passage), the very span."""
    if turn.last is None or turn.last[0] != doc_id:
        return {"h_last_doc": 0.0, "h_last_near": 0.0, "h_last_same": 0.0}
    _, s, e = turn.last
    return {"h_last_doc": 1.0, "h_last_near": float(start < e + NEAR_LAST_CHARS and s - NEAR_LAST_CHARS < end),
            "h_last_same": float(start < e and s < end)}


@dataclass(frozen=True)
class Option:
    """One candidate answer: a span of a document, where it came from, and its features for the ranker."""

    doc_id: str
    start: int
    end: int
    text: str
    rule: Span | None = None
    reader: ReaderSpan | None = None
    features: dict = field(default_factory=dict, compare=False, hash=False)


def _items(text: str) -> int:
    return min(8, len(re.findall(r"[、，]|和|与|及", text)) + 1)


def _q_overlap(text: str, question: str) -> float:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return sum(c in question for c in chars) / len(chars) if chars else 0.0


def question_features(asked: Question, rule_reason: str | None, rule_confidence: float, missing: float, n_rule: int,
                      pieces: Sequence[WindowLogits], reader_best: ReaderSpan | None) -> dict[str, float]:
    """Features of the question as a whole: what the no-answer option is scored on."""
    f = {"bias": 1.0, "rules_empty": float(n_rule == 0), "rules_conf": rule_confidence, "missing": missing,
         "search_box": float(asked.search_box), "has_year": float(asked.year is not None)}
    for reason in RANKED_REASONS:
        f[f"reason_{reason}"] = float(rule_reason == reason)
    for t in ANSWER_TYPES:
        f[f"asks_{t}"] = float(asked.answer_type == t)
    if reader_best is not None:
        f["reader_best"] = reader_best.score
        f["reader_null_margin"] = max(-20.0, min(20.0, reader_best.null - reader_best.score))
        f["reader_best_logprob"] = max(-20.0, reader_best.log_prob)
    else:
        f["reader_best"], f["reader_null_margin"], f["reader_best_logprob"] = 0.0, 20.0, -20.0
    nulls = [p.null for p in pieces]
    f["reader_min_null"] = min(nulls) if nulls else 0.0
    f["reader_read"] = float(bool(pieces))
    return f


def gather(
    asked: Question,
    rule_spans: Sequence[Span],
    rule_reason: str | None,
    rule_confidence: float,
    missing: float,
    pieces: Sequence[WindowLogits],
    facts: Callable[[str, int, int], SentenceFacts],
    turn: TurnContext = ALONE,
) -> tuple[list[Option], dict[str, float]]:
    """The candidates (rules' first ``RULE_CANDIDATES`` distinct offsets, bare of a growth verb, and the reader's
    ``DECODING.proposals`` best spans) with their features, and the question's features. ``facts(doc_id, start,
    end)`` describes the sentence a span stands in. A candidate from another year than the one asked, a plan where
    an outcome is asked, or another item's figure where one item of a 分别 is asked (``respectively``) is dropped.
    ``turn`` says how the question follows the conversation before it (``turn_features``)."""
    rules: list[Span] = []
    for span in map(bare_figure, rule_spans):
        if all((s.doc_id, s.start, s.end) != (span.doc_id, span.start, span.end) for s in rules):
            rules.append(span)
        if len(rules) == RULE_CANDIDATES:
            break
    proposed = DECODING.spans(pieces) if pieces else []
    reader_best = proposed[0] if proposed else None
    qf = question_features(asked, rule_reason, rule_confidence, missing, len(rules), pieces, reader_best) | turn_features(turn)

    spans: dict[tuple[str, int, int], Option] = {}
    for s in rules:
        spans[(s.doc_id, s.start, s.end)] = Option(s.doc_id, s.start, s.end, s.text, rule=s)
    for r in proposed:
        key = (r.doc_id, r.start, r.end)
        if key not in spans:
            spans[key] = Option(r.doc_id, r.start, r.end, r.text)
    rule_top = rules[0] if rules else None
    best_rule = rules[0].score if rules else 0.0
    reader_rank = {(r.doc_id, r.start, r.end): i for i, r in enumerate(proposed)}
    kept = []
    for key, option in spans.items():
        sentence = facts(option.doc_id, option.start, option.end)
        if asked.year is not None and sentence.year not in (None, asked.year):
            continue
        if asked.actual and sentence.stance == "plan":
            continue
        if another_items_figure(asked.text, sentence.text, option.start - sentence.start, option.end - sentence.start):
            continue  # 58亿元 of 中集华骏、蓝天集团分别达到69亿元、58亿元 is not 中集华骏's
        if _rate_for_measure(asked, option.text):
            continue  # 5.3% for 地区生产总值是多少亿元: a rate is not the amount asked in its unit
        kept.append((key, option, sentence))
    # with no year asked, a figure of the newest year covering the topic is what is meant
    latest = max((s.year for _, _, s in kept if s.year), default=None) if asked.year is None else None
    options = []
    for key, option, sentence in kept:
        read = span_score(pieces, option.doc_id, option.start, option.end) if pieces else None
        f = _candidate_features(asked, option, read, reader_rank.get(key), reader_best, rule_top, best_rule, rule_reason, rule_confidence, rules, sentence)
        f["year_latest"] = float(latest is not None and sentence.year == latest)
        f |= turn_candidate_features(turn, option.doc_id, option.start, option.end)
        options.append(Option(option.doc_id, option.start, option.end, option.text, rule=option.rule, reader=read, features=f))
    return options, qf


_RATE = re.compile(r"[\d０-９.]+\s*[%‰％]|百分之|个?百分点")


def _rate_for_measure(asked: Question, text: str) -> bool:
    """A rate or share offered for a question asking a measure in a unit of its own (多少亿元, 多少人, 多少公里)."""
    return (bool(asked.unit) and asked.answer_type != "percentage" and not _RATE.search(asked.unit) and asked.unit not in text
            and _RATE.search(text) is not None)


def _overlap(a: Option | Span | ReaderSpan, b: Option | Span | ReaderSpan) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end


def _candidate_features(asked: Question, option: Option, read: ReaderSpan | None, rank: int | None, reader_best: ReaderSpan | None,
                        rule_top: Span | None, best_rule: float, rule_reason: str | None, rule_confidence: float,
                        rules: list[Span], sentence: SentenceFacts) -> dict[str, float]:
    text = option.text
    rule = option.rule
    f: dict[str, float] = {}
    rule_rank = next((i for i, s in enumerate(rules) if s is rule), None) if rule is not None else None
    f["r_has"] = float(rule is not None)
    f["r_rank_inv"] = 1.0 / (1 + rule_rank) if rule_rank is not None else 0.0
    f["r_top"] = float(rule_rank == 0)
    f["r_score"] = rule.score if rule is not None else 0.0
    f["r_ratio"] = rule.score / best_rule if rule is not None and best_rule > 0 else 0.0
    f["r_top_conf"] = rule_confidence if rule_rank == 0 else 0.0
    f["r_top_refused"] = float(rule_rank == 0 and rule_reason is not None)
    for kind in RULE_KINDS:
        f[f"r_kind_{kind}"] = float(rule is not None and rule.kind == kind)
    for signal in SPAN_SIGNALS:
        f[f"r_{signal}"] = feature_value(rule.signals, signal) if rule is not None else 0.0
    f["d_has"] = float(read is not None)
    f["d_score"] = read.score if read is not None else 0.0
    f["d_logprob"] = max(-20.0, read.log_prob) if read is not None else -20.0
    f["d_gap"] = min(20.0, reader_best.score - read.score) if read is not None and reader_best is not None else 20.0
    f["d_null_margin"] = max(-20.0, min(20.0, read.null - read.score)) if read is not None else 20.0
    f["d_top"] = float(rank == 0)
    f["d_rank_inv"] = 1.0 / (1 + rank) if rank is not None else 0.0
    f["agree_top"] = float(rule_rank == 0 and rank == 0)
    f["near_r_top"] = float(rule_top is not None and rule_rank != 0 and _overlap(option, rule_top))
    f["near_d_top"] = float(reader_best is not None and rank != 0 and _overlap(option, reader_best))
    f["len"] = math.log1p(len(text))
    digits = bool(_DIGIT.search(text))
    figure = bool(_FIGURE.match(text))
    listy = _items(text) > 1
    f["has_digit"] = float(digits)
    f["figure_shape"] = float(figure)
    f["has_unit"] = float(bool(asked.unit) and asked.unit in text)
    f["items"] = float(_items(text))
    f["quoted"] = float("“" in text or "”" in text)
    f["edge_punct"] = float(text[0] in _EDGE_PUNCT or text[-1] in _EDGE_PUNCT)
    f["q_overlap"] = _q_overlap(text, asked.text)
    numeric = asked.answer_type in ("number", "amount", "percentage")
    f["fig_for_fig"] = float(numeric and figure)
    f["digit_for_name"] = float(not numeric and asked.answer_type != "date" and digits)
    f["list_for_list"] = float(asked.answer_type == "list" and listy)
    f["list_for_one"] = float(asked.answer_type in ("name", "organisation", "place") and listy)
    f["pct_for_pct"] = float(asked.answer_type == "percentage" and "%" in text)
    f["date_for_date"] = float(asked.answer_type == "date" and bool(re.search(r"[年月日]", text)))
    f["year_eq"] = float(asked.year is not None and sentence.year == asked.year)
    f["stance_eq"] = float(asked.stance is not None and sentence.stance == asked.stance)
    f["stance_clash"] = float(asked.stance is not None and sentence.stance not in (None, asked.stance))
    f["similarity"] = sentence.similarity
    f["coverage"] = sentence.coverage
    f["d_window"] = float(read.window_rank) if read is not None else 4.0
    return f
