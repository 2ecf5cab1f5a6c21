"""The hand-written rules' answer to a question: its key terms weighed, the evidence read, the spans found and
ranked, the newest near-best figure preferred, and the reasons a best span still does not answer."""
from __future__ import annotations

import numpy as np

from qa.answering.deliberation import RuleOutcome
from qa.answering.evidence import EvidenceReader, clause_context
from qa.answering.scope import PLACE_WORD
from qa.answering.terms import KeyTerms
from qa.models.calibration import Calibration
from qa.rules.extract import Span, extract_spans
from qa.rules.question import ORDINAL, Question
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
            return RuleOutcome((), "报告中没有提到问题里的这些内容。", "no_terms", missing=missing, weights=weights)
        heads = self.terms.heads(asked, weights)
        spans = extract_spans(asked, self.evidence.evidence(hits, query_vector, asked), weights, pos=self.terms.view.tag, heads=heads)
        if not spans:
            return RuleOutcome((), "报告中没有找到这个问题的答案。", "nothing", missing=missing, weights=weights)
        if asked.year is not None:
            # a figure for another year is not an answer, however well it matches: say what the reports do hold
            elsewhere = [s for s in spans if s.evidence.year not in (None, asked.year)]
            spans = [s for s in spans if s.evidence.year in (None, asked.year)]
            if not spans or (elsewhere and elsewhere[0].score > 2 * spans[0].score):
                hint = f"（{elsewhere[0].evidence.year}年：{elsewhere[0].text}）" if elsewhere else ""
                return RuleOutcome(tuple(spans), f"报告中没有{asked.district or ''}{asked.year}年的这项内容{hint}。", "other_year", missing=missing, weights=weights)
        elif asked.answer_type in ("number", "amount", "percentage", "date"):
            # a figure asked without a year: the newest report's, when it is nearly as good a match. A name or a list
            # from another year is another thing, not a newer value of the same one, so the best match stands.
            spans = prefer_latest(spans)
        best = spans[0]
        runner_up = next((s.score for s in spans[1:] if s.text != best.text), 0.0)
        signals = {
            **best.signals,
            "score": best.score,
            "missing": missing,
            "margin": best.score - runner_up,
            "numeric": float(asked.answer_type in ("number", "amount", "percentage")),
        }
        confidence = calibration.confidence(signals) if calibration else best.score * (1.0 - missing)
        reason, kind = unsupported(asked, best)
        if reason is None and confidence < abstain_below:
            reason, kind = "报告中没有找到可靠的答案；下面是最接近的段落。", "unsure"
        return RuleOutcome(tuple(spans), reason, kind, confidence, signals, missing, weights)


def prefer_latest(spans: list[Span]) -> list[Span]:
    """With no year asked, the most recent year among near-best answers wins: the newest report covering the topic."""
    top = spans[0].score
    # a newer value of the same thing stands with the question's most specific terms as fully as the best match
    # does; one that lacks them (第三次会议 for 十九届二次人代会) is another thing
    anchor = spans[0].signals.get("anchor", 0.0)
    close = [s for s in spans if s.score >= 0.85 * top and s.signals.get("anchor", 0.0) >= anchor - 0.1]
    latest = max(close, key=lambda s: (s.evidence.year or 0, s.score))
    return [latest] + [s for s in spans if s is not latest]


def unsupported(asked: Question, best: Span) -> tuple[str | None, str | None]:
    """Why the best-placed span still does not answer the question, as the message to give and a short key, or
    (None, None) when it does."""
    where = clause_context(best)
    if asked.person and not best.signals.get("titled"):
        # reports name a person after the title (区长杨福涛); no name stands after one here
        return f"报告中没有提到{asked.role or '这个人'}的姓名。", "person"
    if best.signals.get("added"):
        # a total was asked and the reports print only what was added that year: that is not the total
        return f"报告中没有这项总数（只给出了新增数：{where}）。", "added"
    if asked.members and (best.kind != "list" or items_in(best.text) != asked.members):
        # 那57家高企都是哪些: the reports count them but do not name them all
        return f"报告中只给出了数目，没有列出这{asked.members}个的名称（最接近的是：{where}）。", "members"
    if asked.actual and best.evidence.stance == "plan":
        # 实际新增了多少: the reports give only the year's plan, which is no outcome
        return f"报告中只有{best.evidence.year or ''}年的计划数（{where}），没有实际完成的数字。", "actual"
    if asked.superlative and asked.superlative not in best.evidence.text:
        # 投资最大的是哪个: the reports would have to say which is the biggest; this sentence does not
        return f"报告中没有说哪一个“{asked.superlative}”（最接近的是：{where}）。", "superlative"
    if best.signals.get("contrary"):
        # the figure measures the contrary of what was asked (收入 for 支出), or another sector or measure
        return f"报告中没有这项数字（只有另一项的：{where}）。", "contrary"
    if best.signals.get("combined"):
        # the figure adds up several kinds, or counts the whole, and the question asks for a part
        return f"报告中没有单独的这项数字（只给出了合计：{where}）。", "combined"
    if best.kind in _FIGURES and best.signals.get("fit", 1.0) < MIN_FIGURE_FIT:
        # the best figure is in another measure than the one asked (多少户 answered by 13个, 覆盖率 by a count)
        return f"报告中没有{_asked_measure(asked)}的这项数字（最接近的是：{where}）。", "fit"
    return None, None


def _asked_measure(asked: Question) -> str:
    if asked.answer_type == "percentage":
        return "百分比形式"
    if asked.answer_type == "amount":
        return "金额形式"
    return f"以“{asked.unit}”计" if asked.unit and asked.unit != ORDINAL else "所问形式"
