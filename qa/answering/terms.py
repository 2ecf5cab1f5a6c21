"""A question's key terms: their weights (an idf over the passages that hold them, among the asked district's), the
share of the question no report holds, and the head nouns that name what a figure counts."""
from __future__ import annotations

import math
import re

import numpy as np

from qa.answering.scope import PLACE_WORD
from qa.answering.view import CorpusView
from qa.rules.lexicon import UNITS
from qa.rules.question import Question

# The most key terms a question is scored by (questions hold 2 to 10; a pasted page hundreds).
MAX_KEY_TERMS = 16
# part-of-speech tags of the words that can name what a figure counts, and words that never do (plan, time, place)
_HEAD_FLAGS = ("n", "j", "vn", "eng")
_OWNER = re.compile(r"([^，。？?\s的]{2,16})的[^，。？?\s的]{1,10}?(?:是|有|为|达到)?(?:多少|几|多大|多高)")
_NOT_A_HEAD = re.compile(
    r"计划|预计|目标|任务|指标|今年|全年|当年|去年|总共|一共|济南|全市|全区|全省|历下|市中|数量|数|情况|"
    r"达到|达|实现|完成|新增|新建|增加|增长|提升|提高|下降|降低|减少|有|是|为|共|累计|涉及|打算|准备|要"
)


class KeyTerms:
    """Weighs a question's terms against the passages of one index."""

    def __init__(self, view: CorpusView) -> None:
        self.view = view
        self._holding = view.index.substrings  # how many passages hold a term
        self._lowered = view.index.substrings.texts  # the tokenizer lower-cases: 5g, cbd, gdp

    def weights(self, asked: Question) -> tuple[dict[str, float], float]:
        """Key terms of the question with an idf over passages (by substring), and the weight share of those absent
        from every report.

        A question naming a district is answered from that district's reports only (``Scope.passage_boost``), so
        its terms' idfs are counted among those reports' passages: how telling a word is about 历下 does not change
        when the corpus gains other districts' reports (at 2,000 reports, 400 near-copies of 历下's moved dev-052 to
        another span). Absent is still absent from the whole corpus, the meaning the calibration and the ranker
        were fitted with (counting a word only other districts use as absent lost 7 of the 1,278 read questions)."""
        index = self.view.index
        scope = self.view.district_mask(asked.district)
        n = int(scope.sum()) if scope is not None else len(index.passages)
        weights: dict[str, float] = {}
        missing = 0.0
        ceiling = math.log(1 + (n + 0.5) / 0.5)
        for term in dict.fromkeys(index.tokenizer(asked.focus)):
            found = self._holding.passages(term)
            if not len(found):
                missing += ceiling if len(term) > 1 else ceiling / 2
                continue
            # the term as the reports spell it (5G for the token 5g), which is what the extractor looks for
            first = int(found[0])
            at = self._lowered[first].index(term)
            spelled = index.passages[first].text[at : at + len(term)]
            held = int(np.count_nonzero(scope[found])) if scope is not None else len(found)
            weights[spelled] = math.log(1 + (n - held + 0.5) / (held + 0.5))
        total = sum(weights.values()) + missing
        # scoring costs terms × candidates: a question of report text pasted whole keeps only its most telling terms
        if len(weights) > MAX_KEY_TERMS:
            weights = dict(sorted(weights.items(), key=lambda kv: -kv[1])[:MAX_KEY_TERMS])
        return weights, (missing / total if total else 1.0)

    def heads(self, asked: Question, weights: dict[str, float]) -> tuple[str, ...]:
        """The nouns beside the question word that name what is counted: 支出 in 一般公共预算支出是多少, 托育机构 in
        新建几家托育机构. Only words the reports use somewhere (key terms with a weight) count: a report that measured
        this would have used them, so a figure whose clause lacks them likely measures something else.
        """
        if asked.answer_type not in ("number", "amount", "percentage"):
            return ()
        lowered = {term.lower(): term for term in weights}
        tag = self.view.tag

        def nouns(text: str, last: bool) -> list[str]:
            words = tag(text)
            # jieba tags some counted nouns as verbs (支出, 收入): the word just before 是多少 is taken as it is
            return [
                w for i, (w, f) in enumerate(words)
                if (f.startswith(_HEAD_FLAGS) or (last and i == len(words) - 1 and f == "v"))
                and w.lower() in lowered and w != asked.unit and not _NOT_A_HEAD.fullmatch(w)
            ]

        # what follows the question word is a noun phrase whose head stands after its last 的 (投资上亿的|项目); when
        # it names the thing, what stands before the question word is an action on it (落地了多少个…), no head
        # (a single character there is a measure word: 几|成, 几|倍)
        if asked.search_box:
            # a search-box query has no question word: it ends on what it measures (历下 2024 新幼儿园 学位供给)
            heads = [lowered[w.lower()] for w in self._terse_head(asked.text) if w.lower() in lowered]
        else:
            right = [w for w in nouns(asked.right_context.split("的")[-1], False) if len(w) >= 2][:1]
            heads = [lowered[w.lower()] for w in right or nouns(asked.left_context, True)[-1:]]
        # the named owner of what is counted (济南国际创新设计产业园的营业收入): another owner's figure is not it
        owner = _OWNER.search(asked.text)
        if owner:
            user = self.view.index.tokenizer.user_words_set
            heads += [
                lowered[w.lower()] for w, f in tag(owner.group(1))
                if w.lower() in lowered and (w in user or f.startswith(("nz", "nt", "ns", "nr"))) and not _NOT_A_HEAD.fullmatch(w)
            ]
        return tuple(dict.fromkeys(heads))

    def _terse_head(self, text: str) -> list[str]:
        """The last word of a search-box query, a unit after it left out, when it names a thing: 学位 of
        新幼儿园 学位供给 (an action's object: the noun before 供给), nothing for 主线条数 (jieba's 线条|数)."""
        words = [(w, f) for w, f in self.view.tag(PLACE_WORD.sub(" ", text)) if w.strip() and not re.fullmatch(UNITS, w)]
        if len(words) >= 2 and words[-1][1] in ("v", "vn") and words[-2][1].startswith(("n", "j")):
            words.pop()
        if not words or not words[-1][1].startswith(_HEAD_FLAGS) or _NOT_A_HEAD.fullmatch(words[-1][0]):
            return []
        return [words[-1][0]]
