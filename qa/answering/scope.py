"""Where a question may be answered from: the district and year that filter and boost the passages, a place no
report mentions, questions nothing in the reports can answer, and the other districts an unplaced answer competes with."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Sequence

import numpy as np

from qa.answering import messages
from qa.answering.view import CorpusView
from qa.ingest.gazetteer import NATIONAL
from qa.rules.lexicon import DISTRICT_NAMES
from qa.rules.question import Question
from qa.schema import Hit, Turn

RIVAL_SCORE = 0.9  # a passage of another district this close to the answer's best passage makes the question ambiguous
ANCHOR_BOOST = 1.5  # the passage of the answer a follow-up refers to (its sentence is evidence for the next turn)
# Passages that speak for no sentence of the asked year are kept, but lowered; those that speak for it only in the
# other stance (the plan for a year when its result is asked, or the reverse) less so. A year asked without a plan word
# (2008年全国粮食产量, 驻马店2023年经济增速) asks its result: the next year's review, not that year's plan. Measured on
# the read splits' retrieval (the evidence's passage first: dev 0.763 -> 0.833, train 0.782 -> 0.794; session 28).
_YEAR_MISS_BOOST = 0.5
_STANCE_MISS_BOOST = 0.7
YEAR_FACTORS_KEPT = 32  # (year, stance) pairs whose passage factors are kept: 8 bytes a passage each
# an administrative name (张店区, 潍坊市, 滨海新区, 南部山区) ends in one of these
_ADMIN_END = re.compile(r"[区县市省州旗]$")
PLACE_WORD = re.compile("|".join(["济南市?", "山东省?", "全市", "全区", "全省", "本区", "辖区", *(rf"{name}(?:区|县)?" for name in DISTRICT_NAMES)]))


class Scope:
    """The passages a question may be answered from, and why none may."""

    def __init__(self, view: CorpusView) -> None:
        self.view = view
        # a few arrays of one factor per passage, the years asked most recently (any year a question names could be
        # asked: the cache is bounded, and thread-safe)
        self._year_factors = lru_cache(maxsize=YEAR_FACTORS_KEPT)(self._factors_for_year)

    def passage_boost(self, asked: Question, anchor: Turn | None = None) -> np.ndarray:
        """Per-passage factors: 0 for another district's reports, lowered for passages speaking for the asked year only
        in the other stance than the one asked (a question saying neither asks the result), more for those speaking
        for no sentence of it, raised for the passages holding the earlier answer a follow-up refers to (``anchor``)."""
        boost = np.ones(len(self.view.index.passages), dtype=np.float64)
        if anchor is not None and anchor.doc_id is not None and anchor.start is not None and anchor.end is not None:
            boost[self.view.passages_holding(anchor.doc_id, anchor.start, anchor.end)] = ANCHOR_BOOST
        district = self.view.district_mask(asked.district)
        if district is not None:
            boost *= district
        if asked.report_year is not None:  # 2004年政府工作报告里…: that year's reports only
            boost *= self.view.passage_report_year == asked.report_year
        if asked.year is not None:
            boost *= self._year_factors(asked.year, asked.stance or "result")
        return boost

    def _factors_for_year(self, year: int, stance: str) -> np.ndarray:
        """1 for the passages with a sentence speaking for ``year`` in ``stance``, ``_STANCE_MISS_BOOST`` for those
        speaking for it only in the other, ``_YEAR_MISS_BOOST`` for the others."""
        factors = np.array([
            1.0 if (year, stance) in periods else _STANCE_MISS_BOOST if year in years else _YEAR_MISS_BOOST
            for periods, years in zip(self.view.passage_periods, self.view.passage_years)
        ])
        factors.flags.writeable = False
        return factors

    def foreign_place(self, text: str) -> str | None:
        """A place the question names that no report mentions, or None.

        The tagger knows place names (ns): one with an administrative ending (淄博张店区, 烟台芝罘区, 济南南部山区), or
        one the question opens with (青岛2023年…), is another place than the reports' when no report names it. The
        place words before it (淄博, 南部) go into the name given back."""
        words = self.view.tag(text)
        i = 0
        while i < len(words):
            j = i
            while j < len(words) and words[j][1] in ("ns", "f"):
                j += 1
            run = words[i:j]  # place words in a row: 淄博|张店区, 济南|南部|山区
            for k, (word, flag) in enumerate(run):
                if flag != "ns" or not (_ADMIN_END.search(word) or i == 0) or PLACE_WORD.fullmatch(word):
                    continue
                own = run[k - 1][0] + word if k and run[k - 1][1] == "f" else word  # 南部|山区: the direction is its own
                if not self.view.mentions(own):
                    return "".join(w for w, _ in run)
            i = j + 1
        return None

    def out_of_scope(self, asked: Question) -> str | None:
        """Why nothing in the reports can answer the question, whatever its wording, or None: chit-chat, a question
        with nothing to quote (how, why, yes or no), another district, a year no report covers."""
        coverage = self.view.coverage
        if asked.answer_type == "chitchat":
            return messages.CHITCHAT
        if asked.answer_type == "other":
            return messages.NOTHING_TO_QUOTE
        elsewhere = self.foreign_place(asked.text) if asked.district is None else asked.district
        if elsewhere is not None and elsewhere not in coverage:
            return messages.other_place(elsewhere, sorted(coverage))
        if asked.report_year is not None and not self.view.reports_of(asked.district, asked.report_year):
            years = sorted({d.year for d in self.view.reports_of(asked.district, None) if d.year})
            return messages.no_report(asked.district, asked.report_year, years)
        districts = [asked.district] if asked.district else list(coverage)
        if asked.year is not None and not any(asked.year in coverage[d] for d in districts):
            return messages.year_not_covered(asked.district, asked.year, sorted(set().union(*(coverage[d] for d in districts))))
        return None

    def placed(self, asked: Question) -> Question:
        """The question with its place dropped when it names a report of a year that place has none of but the
        country has (1992年报告里中国政府支持北京市申办…: 北京市 is a topic of the State Council's report)."""
        if (asked.report_year is not None and asked.district not in (None, NATIONAL)
                and not self.view.reports_of(asked.district, asked.report_year) and self.view.reports_of(NATIONAL, asked.report_year)):
            return replace(asked, district=None)
        return asked

    def rival_districts(self, asked: Question, hits: Sequence[Hit], doc_id: str, answer: str) -> list[str]:
        """When the question names no district: the other districts whose reports hold a passage found nearly as
        relevant as the best one of the answer's report (fused score at least ``RIVAL_SCORE`` of it) that does not
        say the answer. The question may then be about any of them, and their reports may say otherwise."""
        if asked.district is not None:
            return []
        docs = self.view.docs
        own = docs[doc_id].district
        best = max((h.score for h in hits if h.passage.doc_id == doc_id), default=0.0)
        rivals: list[str] = []
        for hit in hits:
            district = docs[hit.passage.doc_id].district
            if (district and district != own and district not in rivals and best > 0 and hit.score >= RIVAL_SCORE * best
                    and answer not in hit.passage.text):
                rivals.append(district)
        return rivals
