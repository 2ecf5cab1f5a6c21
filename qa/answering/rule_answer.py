"""The hand-written rules' answer to a question: its key terms weighed, the evidence read, the spans found and
ranked, the newest near-best figure preferred, and the reasons a best span still does not answer."""
from __future__ import annotations

import numpy as np

from qa.answering import messages
from qa.answering.deliberation import RuleOutcome
from qa.answering.evidence import EvidenceReader, clause_context
from qa.answering.scope import PLACE_WORD
from qa.answering.terms import KeyTerms
from qa.models.calibration import Calibration
from qa.rules.extract import extract_spans
from qa.rules.types import Span
from qa.rules.question import Question
from qa.rules.signals import Reason, Signal
from qa.rules.spans import items_in
from qa.schema import Hit

# A figure whose kind and measure fit the question less than this (13个 for 多少户, 三级 for 多少个) is not an answer.
MIN_FIGURE_FIT = 0.5
_FIGURES = ("number", "amount", "percentage")


class RuleAnswerer:
    """The rules over one index: ``outcome(asked, hits, query_vector)``."""

    def __init__(self, terms: KeyTerms, evidence: EvidenceReader) -> None:
        self.terms = terms
        self.evidence = evidence

    def outcome(self, asked: Question, hits: list[Hit], query_vector: np.ndarray, *, calibration: Calibration | None,
                abstain_below: float) -> RuleOutcome:
        """What the hand-written rules find: their spans, best first, and why they would not answer, if so (their
        confidence by ``calibration``, or the raw score, below ``abstain_below`` being one reason)."""
        weights, missing = self.terms.weights(asked)
        if not weights or all(PLACE_WORD.fullmatch(term) or len(term) == 1 for term in weights):
            # nothing the question asks about is in the reports, or only the place it asks about and single
            # characters (济南哪家把子肉最好吃: 济南, 最)
            return RuleOutcome((), messages.NO_TERMS, Reason.NO_TERMS, missing=missing, weights=weights)
        heads = self.terms.heads(asked, weights)
        spans = extract_spans(asked, self.evidence.evidence(hits, query_vector, asked), weights, pos=self.terms.view.tag, heads=heads)
        if not spans:
            return RuleOutcome((), messages.NOTHING, Reason.NOTHING, missing=missing, weights=weights)
        if asked.year is not None:
            # a figure for another year is not an answer, however well it matches: say what the reports do hold
            elsewhere = [s for s in spans if s.evidence.year not in (None, asked.year)]
            spans = [s for s in spans if s.evidence.year in (None, asked.year)]
            if not spans or (elsewhere and elsewhere[0].score > 2 * spans[0].score):
                said = messages.other_year(asked.district, asked.year, *((elsewhere[0].evidence.year, elsewhere[0].text) if elsewhere else ()))
                return RuleOutcome(tuple(spans), said, Reason.OTHER_YEAR, missing=missing, weights=weights)
        elif asked.answer_type in ("number", "amount", "percentage", "date"):
            # a figure asked without a year: the newest report's, when it is nearly as good a match. A name or a list
            # from another year is another thing, not a newer value of the same one, so the best match stands.
            spans = prefer_latest(spans)
        best = spans[0]
        runner_up = next((s.score for s in spans[1:] if s.text != best.text), 0.0)
        signals = {
            **best.signals,
            Signal.SCORE: best.score,
            Signal.MISSING: missing,
            Signal.MARGIN: best.score - runner_up,
            Signal.NUMERIC: float(asked.answer_type in ("number", "amount", "percentage")),
        }
        confidence = calibration.confidence(signals) if calibration else best.score * (1.0 - missing)
        reason, kind = unsupported(asked, best)
        if reason is None and confidence < abstain_below:
            reason, kind = messages.UNSURE, Reason.UNSURE
        return RuleOutcome(tuple(spans), reason, kind, confidence, signals, missing, weights)


def prefer_latest(spans: list[Span]) -> list[Span]:
    """With no year asked, the most recent year among near-best answers wins: the newest report covering the topic."""
    top = spans[0].score
    # a newer value of the same thing stands with the question's most specific terms as fully as the best match
    # does; one that lacks them (第三次会议 for 十九届二次人代会) is another thing
    anchor = spans[0].signals.get(Signal.ANCHOR, 0.0)
    close = [s for s in spans if s.score >= 0.85 * top and s.signals.get(Signal.ANCHOR, 0.0) >= anchor - 0.1]
    latest = max(close, key=lambda s: (s.evidence.year or 0, s.score))
    return [latest] + [s for s in spans if s is not latest]


def unsupported(asked: Question, best: Span) -> tuple[str | None, Reason | None]:
    """Why the best-placed span still does not answer the question, as the message to give and its ``Reason``, or
    (None, None) when it does."""
    reason = _why_not(asked, best)
    if reason is None:
        return None, None
    return messages.not_an_answer(reason, asked, clause_context(best), best.evidence.year), reason


def _why_not(asked: Question, best: Span) -> Reason | None:
    if asked.person and not best.signals.get(Signal.TITLED):
        return Reason.PERSON  # reports name a person after the title (区长杨福涛); no name stands after one here
    if best.signals.get(Signal.ADDED):
        return Reason.ADDED  # a total was asked and the reports print only what was added that year
    if asked.members and (best.kind != "list" or items_in(best.text) != asked.members):
        return Reason.MEMBERS  # 那57家高企都是哪些: the reports count them but do not name them all
    if asked.actual and best.evidence.stance == "plan":
        return Reason.ACTUAL  # 实际新增了多少: the reports give only the year's plan, which is no outcome
    if asked.superlative and asked.superlative not in best.evidence.text:
        return Reason.SUPERLATIVE  # 投资最大的是哪个: the reports would have to say which is the biggest
    if best.signals.get(Signal.CONTRARY):
        return Reason.CONTRARY  # the contrary of what was asked (收入 for 支出), or another sector or measure
    if best.signals.get(Signal.COMBINED):
        return Reason.COMBINED  # the figure adds up several kinds, or counts the whole; a part is asked
    if best.kind in _FIGURES and best.signals.get(Signal.FIT, 1.0) < MIN_FIGURE_FIT:
        return Reason.FIT  # in another measure than the one asked (多少户 answered by 13个, 覆盖率 by a count)
    return None
