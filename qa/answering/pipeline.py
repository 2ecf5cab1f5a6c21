"""The question-answering pipeline: ``QA.load(index_dir).ask(question) -> Result``."""
from __future__ import annotations

import bisect
import logging
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.models.calibration import Calibration
from qa.index.embedding import Embedder, SentenceEmbedder
from qa.errors import IndexMismatchError, QuestionError
from qa.rules.extract import Evidence, Span, extract_spans
from qa.index.store import Index
from qa.models.reader import Reader, Window, WindowLogits
from qa.models.ranker import Decision, Ranker
from qa.models.candidates import Option, SentenceFacts, gather
from qa.rules.question import (
    DISTRICT_NAMES, MAX_HISTORY, ORDINAL, UNITS, Districts, Question, analyse, resolve_follow_up, validate_question,
)
from qa.retrieve.retrieval import DEFAULT_LEXICAL_WEIGHT, Retriever
from qa.schema import Candidate, Citation, Document, Hit, Result
from qa.rules.spans import items_in, split_clauses

logger = logging.getLogger(__name__)

# Used only when no calibration file is shipped: below this raw score the pipeline abstains.
FALLBACK_ABSTAIN_BELOW = 0.42
# A figure whose kind and measure fit the question less than this (13个 for 多少户, 三级 for 多少个) is not an answer.
MIN_FIGURE_FIT = 0.5
_FIGURES = ("number", "amount", "percentage")
# The most key terms a question is scored by (questions hold 2 to 10; a pasted page hundreds).
MAX_KEY_TERMS = 16
# A candidate this close to the best is mentioned in the message as another answer.
ALSO_RATIO = 0.8
RIVAL_SCORE = 0.9  # a passage of another district this close to the answer's best passage makes the question ambiguous
_YEAR_MISS_BOOST = 0.6  # passages that speak for no sentence of the asked year are kept, but lowered


class UnknownDocumentError(KeyError):
    """No document has the given id."""


# part-of-speech tags of the words that can name what a figure counts, and words that never do (plan, time, place)
_HEAD_FLAGS = ("n", "j", "vn", "eng")
_OWNER = re.compile(r"([^，。？?\s的]{2,16})的[^，。？?\s的]{1,10}?(?:是|有|为|达到)?(?:多少|几|多大|多高)")
_NOT_A_HEAD = re.compile(
    r"计划|预计|目标|任务|指标|今年|全年|当年|去年|总共|一共|济南|全市|全区|全省|历下|市中|数量|数|情况|"
    r"达到|达|实现|完成|新增|新建|增加|增长|提升|提高|下降|降低|减少|有|是|为|共|累计|涉及|打算|准备|要"
)


# an administrative name (张店区, 潍坊市, 滨海新区, 南部山区) ends in one of these
_ADMIN_END = re.compile(r"[区县市省州旗]$")
_PLACE_WORD = re.compile("|".join(["济南市?", "山东省?", "全市", "全区", "全省", "本区", "辖区", *(rf"{name}(?:区|县)?" for name in DISTRICT_NAMES)]))


class QA:
    """Answers questions over one index; safe to share between threads once built (it is read-only)."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        lexical_weight: float | None = None,
        abstain_below: float | None = None,
        calibration: Calibration | None | bool = True,
        top_k: int = 5,
        evidence_passages: int = 8,
        reader: Reader | None = None,
        ranker: Ranker | None = None,
        reader_windows: int = 1,
    ) -> None:
        # ``calibration=True`` means the file shipped with the package; False or None means raw scores
        self.calibration = Calibration.load() if calibration is True else (calibration or None)
        if abstain_below is None:
            abstain_below = self.calibration.threshold if self.calibration else FALLBACK_ABSTAIN_BELOW
        if lexical_weight is None:
            lexical_weight = self.calibration.lexical_weight if self.calibration else DEFAULT_LEXICAL_WEIGHT
        if not 0.0 <= abstain_below <= 1.01:
            raise ValueError("abstain_below must lie in 0..1")
        if not 1 <= top_k <= 50 or evidence_passages < 1:
            raise ValueError("top_k must lie in 1..50 and evidence_passages be positive")
        if reader_windows < 1:
            raise ValueError("reader_windows must be positive")
        self.reader = reader
        self.ranker = ranker
        self.reader_windows_read = reader_windows
        self.index = index
        self.retriever = Retriever(index, embedder, lexical_weight=lexical_weight)
        self.abstain_below = abstain_below
        self.top_k = top_k
        self.evidence_passages = evidence_passages
        self._docs = index.by_id
        self._passage_years: list[set[int]] = []
        self._passage_sentences: list[list[int]] = []
        self._year_cache: dict[int, np.ndarray] = {}
        by_doc: dict[str, list[int]] = defaultdict(list)
        for i, sentence in enumerate(index.sentences):
            by_doc[sentence.doc_id].append(i)
        starts = {doc_id: [index.sentences[i].start for i in ids] for doc_id, ids in by_doc.items()}  # ascending
        for passage in index.passages:
            ids, at = by_doc[passage.doc_id], starts[passage.doc_id]
            inside = ids[bisect.bisect_left(at, passage.start) : bisect.bisect_left(at, passage.end)]
            self._passage_sentences.append(inside)
            self._passage_years.append({index.sentences[i].year for i in inside if index.sentences[i].year})
        self.coverage: dict[str, set[int]] = defaultdict(set)  # district -> years some sentence speaks for
        for sentence in index.sentences:
            district = self._docs[sentence.doc_id].district
            if district and sentence.year:
                self.coverage[district].add(sentence.year)
        # each passage's district as a number (-1: none), so a district's mask is one comparison
        self.districts = Districts.of(doc.district for doc in index.documents)  # the districts beyond Jinan's, named in questions as in metadata
        self._district_code = {district: code for code, district in enumerate(sorted(self.coverage))}
        doc_code = {doc.doc_id: self._district_code.get(doc.district, -1) for doc in index.documents}
        self._passage_district = np.array([doc_code[p.doc_id] for p in index.passages], dtype=np.int32)
        self._tag = lru_cache(maxsize=4096)(index.tokenizer.tag)
        self._sentence_starts: dict[str, tuple[list[int], list[int]]] = {doc_id: (starts[doc_id], ids) for doc_id, ids in by_doc.items()}
        self._corpus_text = "\n".join(d.text for d in index.documents)
        self._captions = [i for i, sentence in enumerate(index.sentences) if sentence.kind == "caption"]  # bylines among them
        self._holding = index.substrings  # how many passages hold a term (term_weights)
        self.retriever.index.bm25  # noqa: B018 - BM25 is built on first use: here, by the loader or the document worker, not by the first question
        self._lowered = index.substrings.texts  # the tokenizer lower-cases: 5g, cbd, gdp

    @classmethod
    def load(
        cls,
        index_dir: Path | str,
        *,
        embedder: Embedder | None = None,
        embedding_model: str | None = None,
        corpus_dir: Path | str | None = None,
        **options,
    ) -> "QA":
        """Load the index in ``index_dir`` and the embedding model it was built with (or the given ``embedder``).

        Raises ``IndexMissingError``, ``StaleIndexError`` (``corpus_dir`` changed since the build, or another code
        version), ``IndexMismatchError`` (``embedding_model`` differs from the index's), ``ModelLoadError`` or
        ``ReaderLoadError`` (the shipped reader is damaged or was trained on another base).

        Unless ``reader=None`` or ``ranker=None`` is passed, the shipped reader (``qa/models/reader.safetensors``) and
        ranker (``qa/models/ranker.json``) are loaded too; without either, the rules alone answer.
        """
        model = embedder.name if embedder is not None else embedding_model
        index = Index.load(index_dir, corpus_dir=corpus_dir, embedding_model=model)
        if embedder is None:
            embedder = SentenceEmbedder(index.manifest.embedding_model)
        if options.get("reader", True) is True:
            options["reader"] = load_reader()
        if options.get("ranker", True) is True:
            options["ranker"] = Ranker.load()
        return cls(index, embedder, **options)

    def with_index(self, index: Index) -> "QA":
        """The same answerer (model, reader, ranker, settings; nothing loaded again) over another index, built with
        the same embedding model: how the server swaps in a rebuilt index."""
        if index.manifest.embedding_model != self.index.manifest.embedding_model:
            raise IndexMismatchError(
                f"the new index was built with {index.manifest.embedding_model!r}, this answerer uses {self.index.manifest.embedding_model!r}"
            )
        return QA(
            index, self.retriever.embedder, lexical_weight=self.retriever.lexical_weight, abstain_below=self.abstain_below,
            calibration=self.calibration, top_k=self.top_k, evidence_passages=self.evidence_passages, reader=self.reader,
            ranker=self.ranker, reader_windows=self.reader_windows_read,
        )

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.index.documents

    def document(self, doc_id: str) -> Document:
        """The document with this id; raises ``UnknownDocumentError``."""
        try:
            return self._docs[doc_id]
        except KeyError:
            raise UnknownDocumentError(doc_id) from None

    def ask(self, question: str, *, top_k: int | None = None, history: Sequence[str] = ()) -> Result:
        """Answer ``question`` (resolved against the earlier questions in ``history``, oldest first).

        Returns a ``Result``; raises ``QuestionError`` for a question that is not text of 1 to 500 characters, a
        ``top_k`` outside 1..50 or a history that is not a list of at most 20 strings.
        """
        started = time.perf_counter()
        result = self.compare(question, top_k=top_k, history=history, modes=("hybrid",))["hybrid"]
        return replace(result, latency_ms=round((time.perf_counter() - started) * 1000, 2))

    def compare(self, question: str, *, top_k: int | None = None, history: Sequence[str] = (),
                modes: Sequence[str] = ("hybrid", "rules", "reader")) -> dict[str, Result]:
        """The answers of several deciders to one question, from one reading of it: ``hybrid`` (the ranker over the
        rules' and the reader's candidates; the rules alone when no reader or ranker is loaded), ``rules`` (the rules'
        own answer) and ``reader`` (the reader's best span, unless its no-answer score is higher)."""
        seen = self.deliberate(question, top_k=top_k, history=history)
        if seen.refusal is not None:
            refused = Result(seen.question, None, True, 0.0, seen.refusal, passages=seen.shown, resolved_question=seen.resolved, analysis=_analysis(seen.asked))
            return {mode: refused for mode in modes}
        out: dict[str, Result] = {}
        hybrid = self.ranker is not None and self.reader is not None
        if "rules" in modes or ("hybrid" in modes and not hybrid):
            out["rules"] = self._rules_result(seen)
        if hybrid and ("hybrid" in modes or "reader" in modes):
            _, _, options, question_features = self.options(seen)
            if "hybrid" in modes:
                out["hybrid"] = self._ranked_result(seen, options, self.ranker.decide(options, question_features))
            if "reader" in modes:
                out["reader"] = self._reader_result(seen, options)
        if "hybrid" in modes and not hybrid:
            out["hybrid"] = out["rules"]
        return {mode: out[mode] for mode in modes if mode in out}

    def _reader_result(self, seen: "Deliberation", options: list[Option]) -> Result:
        """The reader alone: its best span, or no answer when it scores no answer higher."""
        best = next((o for o in options if o.features.get("d_top")), None)
        analysis = {**_analysis(seen.asked), "decided_by": "reader"}
        if best is None or best.reader is None or best.reader.null > best.reader.score:
            return Result(seen.question, None, True, 0.0, "阅读模型认为这些段落中没有答案。", passages=seen.shown, resolved_question=seen.resolved, analysis=analysis)
        span = self._option_span(best, 1.0)
        candidate = Candidate(span.text, round(best.reader.score, 4), self._cite(span))
        return Result(seen.question, span.text, False, 0.0, self._message(span, [span]), answers=(candidate,), citations=(candidate.citation,),
                      passages=seen.shown, resolved_question=seen.resolved, analysis=analysis)

    def deliberate(self, question: str, *, top_k: int | None = None, history: Sequence[str] = ()) -> "Deliberation":
        """Everything known about a question before an answer is chosen: what it asks, the passages found, and
        either why no report can answer it or what the rules find. Raises ``QuestionError`` as ``ask`` does."""
        text = validate_question(question)
        top_k = self.top_k if top_k is None else top_k
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 50:
            raise QuestionError("top_k must be a whole number from 1 to 50")
        resolved = resolve_follow_up(text, self._check_history(history), self.districts)
        asked = analyse(resolved, self.districts)
        # district and year filter and boost the passages; searching with them would favour any passage naming them
        scores = self.retriever.scores(asked.focus or resolved)
        hits = self.retriever.rank(scores, max(top_k, self.evidence_passages), boost=self.passage_boost(asked))
        refusal = self._out_of_scope(asked)
        rules = self.rule_outcome(asked, hits, scores.query_vector) if refusal is None else RuleOutcome((), refusal, "out_of_scope")
        return Deliberation(text, resolved, asked, tuple(hits), tuple(hits[:top_k]), scores.query_vector, refusal, rules)

    def options(self, seen: "Deliberation") -> tuple[list[Window], list[WindowLogits], list[Option], dict[str, float]]:
        """What the reader reads for a question and the candidates it and the rules give, with their features."""
        rules = seen.rules
        windows = self.reader_windows(seen.hits, rules.spans, self.reader_windows_read) if self.reader is not None else []
        pieces = self.reader.read(seen.resolved, windows) if windows else []

        def facts(doc_id: str, start: int, end: int) -> SentenceFacts:
            i = self._sentence_at(doc_id, start)
            sentence = self.index.sentences[i]
            doc = self._docs[doc_id]
            before = max(0, i - 2) if self.index.sentences[max(0, i - 2)].doc_id == doc_id else i
            near = doc.text[self.index.sentences[before].start : sentence.end]
            total = sum(rules.weights.values())
            return SentenceFacts(
                year=sentence.year,
                stance=sentence.stance,
                similarity=float(self.index.sentence_vectors[i] @ seen.query_vector),
                coverage=sum(w for t, w in rules.weights.items() if t in near) / total if total else 0.0,
            )

        options, question_features = gather(seen.asked, rules.spans, rules.reason_kind, rules.confidence, rules.missing, pieces, facts)
        return windows, pieces, options, question_features

    def _sentence_at(self, doc_id: str, offset: int) -> int:
        starts, ids = self._sentence_starts[doc_id]
        return ids[max(0, bisect.bisect_right(starts, offset) - 1)]

    def reader_windows(self, hits: Sequence[Hit], spans: Sequence[Span], k: int) -> list[Window]:
        """The passages the reader reads, at most ``k``: those holding the rules' two best distinct spans first (the
        reader then judges their boundaries), then the retrieved ones in rank order."""
        top = max((h.score for h in hits), default=0.0) or 1.0
        chosen: dict[int, Hit] = {}
        for span in _distinct(list(spans), limit=2):
            holder = next((h for h in hits if h.passage.doc_id == span.doc_id and h.passage.start <= span.start and span.end <= h.passage.end), None)
            if holder is not None:
                chosen.setdefault(holder.passage.passage_id, holder)
        for hit in hits:
            if hit.score > 0:
                chosen.setdefault(hit.passage.passage_id, hit)
        return [
            Window(h.passage.doc_id, h.passage.start, h.passage.text, rank=i, retrieval=max(h.score, 0.0) / top)
            for i, h in enumerate(list(chosen.values())[:k])
        ]

    def _check_history(self, history: Sequence[str]) -> list[str]:
        if isinstance(history, str) or not isinstance(history, (list, tuple)):
            raise QuestionError("history must be a list of earlier questions")
        if len(history) > MAX_HISTORY:
            raise QuestionError(f"history may hold at most {MAX_HISTORY} earlier questions")
        return [validate_question(h) for h in history]

    def passage_boost(self, asked: Question) -> np.ndarray:
        """Per-passage factors: 0 for another district's reports, lowered for passages speaking for no sentence of the asked year."""
        boost = np.ones(len(self.index.passages), dtype=np.float64)
        district = self._district_mask(asked)
        if district is not None:
            boost *= district
        if asked.year is not None:
            boost *= self._year_factors(asked.year)
        return boost

    def _district_mask(self, asked: Question) -> np.ndarray | None:
        """True for the passages of the district the question names; None when it names none the corpus knows."""
        if asked.district not in self._district_code:
            return None
        return self._passage_district == self._district_code[asked.district]

    def _year_factors(self, year: int) -> np.ndarray:
        """1 for the passages with a sentence speaking for ``year``, ``_YEAR_MISS_BOOST`` for the others (kept per year)."""
        factors = self._year_cache.get(year)
        if factors is None:
            factors = np.array([1.0 if year in years else _YEAR_MISS_BOOST for years in self._passage_years])
            factors.flags.writeable = False
            self._year_cache[year] = factors
        return factors

    def term_weights(self, asked: Question) -> tuple[dict[str, float], float]:
        """Key terms of the question with an idf over passages (by substring), and the weight share of those absent
        from every report.

        A question naming a district is answered from that district's reports only (``passage_boost``), so its
        terms' idfs are counted among those reports' passages: how telling a word is about 历下 does not change when
        the corpus gains other districts' reports (at 2,000 reports, 400 near-copies of 历下's moved dev-052 to
        another span). Absent is still absent from the whole corpus, the meaning the calibration and the ranker
        were fitted with (counting a word only other districts use as absent lost 7 of the 1,278 read questions)."""
        scope = self._district_mask(asked)
        n = int(scope.sum()) if scope is not None else len(self.index.passages)
        weights: dict[str, float] = {}
        missing = 0.0
        ceiling = math.log(1 + (n + 0.5) / 0.5)
        for term in dict.fromkeys(self.index.tokenizer(asked.focus)):
            found = self._holding.passages(term)
            if not len(found):
                missing += ceiling if len(term) > 1 else ceiling / 2
                continue
            # the term as the reports spell it (5G for the token 5g), which is what the extractor looks for
            first = int(found[0])
            at = self._lowered[first].index(term)
            spelled = self.index.passages[first].text[at : at + len(term)]
            held = int(np.count_nonzero(scope[found])) if scope is not None else len(found)
            weights[spelled] = math.log(1 + (n - held + 0.5) / (held + 0.5))
        total = sum(weights.values()) + missing
        # scoring costs terms × candidates: a question of report text pasted whole keeps only its most telling terms
        if len(weights) > MAX_KEY_TERMS:
            weights = dict(sorted(weights.items(), key=lambda kv: -kv[1])[:MAX_KEY_TERMS])
        return weights, (missing / total if total else 1.0)

    def head_terms(self, asked: Question, weights: dict[str, float]) -> tuple[str, ...]:
        """The nouns beside the question word that name what is counted: 支出 in 一般公共预算支出是多少, 托育机构 in
        新建几家托育机构. Only words the reports use somewhere (key terms with a weight) count: a report that measured
        this would have used them, so a figure whose clause lacks them likely measures something else.
        """
        if asked.answer_type not in ("number", "amount", "percentage"):
            return ()
        lowered = {term.lower(): term for term in weights}

        def nouns(text: str, last: bool) -> list[str]:
            words = self._tag(text)
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
            user = self.index.tokenizer.user_words_set
            heads += [
                lowered[w.lower()] for w, f in self._tag(owner.group(1))
                if w.lower() in lowered and (w in user or f.startswith(("nz", "nt", "ns", "nr"))) and not _NOT_A_HEAD.fullmatch(w)
            ]
        return tuple(dict.fromkeys(heads))

    def _terse_head(self, text: str) -> list[str]:
        """The last word of a search-box query, a unit after it left out, when it names a thing: 学位 of
        新幼儿园 学位供给 (an action's object: the noun before 供给), nothing for 主线条数 (jieba's 线条|数)."""
        words = [(w, f) for w, f in self._tag(_PLACE_WORD.sub(" ", text)) if w.strip() and not re.fullmatch(UNITS, w)]
        if len(words) >= 2 and words[-1][1] in ("v", "vn") and words[-2][1].startswith(("n", "j")):
            words.pop()
        if not words or not words[-1][1].startswith(_HEAD_FLAGS) or _NOT_A_HEAD.fullmatch(words[-1][0]):
            return []
        return [words[-1][0]]

    def foreign_place(self, text: str) -> str | None:
        """A place the question names that no report mentions, or None.

        The tagger knows place names (ns): one with an administrative ending (淄博张店区, 烟台芝罘区, 济南南部山区), or
        one the question opens with (青岛2023年…), is another place than the reports' when no report names it. The
        place words before it (淄博, 南部) go into the name given back."""
        words = self._tag(text)
        i = 0
        while i < len(words):
            j = i
            while j < len(words) and words[j][1] in ("ns", "f"):
                j += 1
            run = words[i:j]  # place words in a row: 淄博|张店区, 济南|南部|山区
            for k, (word, flag) in enumerate(run):
                if flag != "ns" or not (_ADMIN_END.search(word) or i == 0) or _PLACE_WORD.fullmatch(word):
                    continue
                own = run[k - 1][0] + word if k and run[k - 1][1] == "f" else word  # 南部|山区: the direction is its own
                if own not in self._corpus_text:
                    return "".join(w for w, _ in run)
            i = j + 1
        return None

    def _evidence(self, hits: list[Hit], query_vector: np.ndarray, asked: Question | None = None) -> list[Evidence]:
        top = hits[0].score if hits and hits[0].score > 0 else 1.0
        # a heading may print a count its section only lists (重点实施五大行动); its names are slogans, not answers
        headings = asked is not None and asked.answer_type in _FIGURES
        seen: dict[int, Evidence] = {}
        for hit in hits:
            if hit.score <= 0:
                continue
            for i in self._passage_sentences[hit.passage.passage_id]:
                if (headings or self.index.sentences[i].kind != "heading") and i not in seen:
                    seen[i] = self._sentence_evidence(i, max(hit.score, 0.0) / top, query_vector)
        if asked is not None and asked.person and asked.role:
            # a byline (编辑：武俊 美编：马秀霞) shares no words with the report, so retrieval never finds it: the
            # bylines naming the asked title are read directly
            for i in self._bylines(asked):
                seen.setdefault(i, self._sentence_evidence(i, 1.0, query_vector))
        return list(seen.values())

    def _bylines(self, asked: Question) -> list[int]:
        byline = re.compile(rf"{asked.role}(?:\s|[：:])")
        found = []
        for i in self._captions:
            s = self.index.sentences[i]
            doc = self._docs[s.doc_id]
            if asked.district in (None, doc.district) and asked.year in (None, s.year) and byline.search(doc.text, s.start, s.end):
                found.append(i)
        return found

    def _sentence_evidence(self, i: int, retrieval: float, query_vector: np.ndarray) -> Evidence:
        sentences = self.index.sentences
        sentence = sentences[i]
        doc = self._docs[sentence.doc_id]
        before = [sentences[j] for j in (i - 2, i - 1) if j >= 0 and sentences[j].doc_id == sentence.doc_id]
        after = sentences[i + 1] if i + 1 < len(sentences) and sentences[i + 1].doc_id == sentence.doc_id else None
        return Evidence(
            doc_id=sentence.doc_id,
            start=sentence.start,
            text=doc.text[sentence.start : sentence.end],
            context=sentence.section + "".join(doc.text[s.start : s.end] for s in before),
            year=sentence.year,
            stance=sentence.stance,
            retrieval=retrieval,
            similarity=float(self.index.sentence_vectors[i] @ query_vector),
            following=doc.text[after.start : after.end] if after else "",
        )

    def _out_of_scope(self, asked: Question) -> str | None:
        """Why nothing in the reports can answer the question, whatever its wording, or None: chit-chat, a question
        with nothing to quote (how, why, yes or no), another district, a year no report covers."""
        if asked.answer_type == "chitchat":
            return "这不是关于报告内容的问题；请问报告中的数字、名称或事项。"
        if asked.answer_type == "other":
            return "这个问题没有可以从报告原文中摘出的具体答案；请问具体的数字、名称、名单或日期。"
        elsewhere = self.foreign_place(asked.text) if asked.district is None else asked.district
        if elsewhere is not None and elsewhere not in self.coverage:
            covered = "、".join(sorted(self.coverage))
            return f"报告中没有关于{elsewhere}的内容（现有报告只涉及{covered}）。"
        districts = [asked.district] if asked.district else list(self.coverage)
        if asked.year is not None and not any(asked.year in self.coverage[d] for d in districts):
            place = asked.district or "这些报告"
            years = "、".join(str(y) for y in sorted(set().union(*(self.coverage[d] for d in districts))))
            return f"报告中没有{place}{asked.year}年的内容（涉及的年份：{years}）。"
        return None

    def rule_outcome(self, asked: Question, hits: list[Hit], query_vector: np.ndarray) -> RuleOutcome:
        """What the hand-written rules find: their spans, best first, and why they would not answer, if so."""
        weights, missing = self.term_weights(asked)
        if not weights or all(_PLACE_WORD.fullmatch(term) or len(term) == 1 for term in weights):
            # nothing the question asks about is in the reports, or only the place it asks about and single
            # characters (济南哪家把子肉最好吃: 济南, 最)
            return RuleOutcome((), "报告中没有提到问题里的这些内容。", "no_terms", missing=missing, weights=weights)
        heads = self.head_terms(asked, weights)
        spans = extract_spans(asked, self._evidence(hits, query_vector, asked), weights, pos=self._tag, heads=heads)
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
            spans = self._prefer_latest(spans)
        best = spans[0]
        runner_up = next((s.score for s in spans[1:] if s.text != best.text), 0.0)
        signals = {
            **best.signals,
            "score": best.score,
            "missing": missing,
            "margin": best.score - runner_up,
            "numeric": float(asked.answer_type in ("number", "amount", "percentage")),
        }
        confidence = self.calibration.confidence(signals) if self.calibration else best.score * (1.0 - missing)
        reason, kind = _unsupported(asked, best)
        if reason is None and confidence < self.abstain_below:
            reason, kind = "报告中没有找到可靠的答案；下面是最接近的段落。", "unsure"
        return RuleOutcome(tuple(spans), reason, kind, confidence, signals, missing, weights)

    def _rules_result(self, seen: "Deliberation") -> Result:
        """The rules' own answer: their best span unless they give a reason not to answer."""
        rules, shown = seen.rules, seen.shown
        analysis = _analysis(seen.asked)
        if rules.signals:
            analysis["signals"] = {k: round(v, 4) for k, v in rules.signals.items()}
        if rules.reason is not None:
            confidence = rules.confidence if rules.reason_kind == "unsure" else 0.0
            return Result(seen.question, None, True, round(confidence, 4), rules.reason, passages=shown, resolved_question=seen.resolved, analysis=analysis)
        distinct = _distinct(list(rules.spans))
        candidates = tuple(Candidate(s.text, round(s.score, 4), self._cite(s)) for s in distinct)
        confidence, note = self._ambiguity(seen, distinct[0], rules.confidence, analysis)
        return Result(
            question=seen.question,
            answer=distinct[0].text,
            abstained=False,
            confidence=round(confidence, 4),
            message=self._message(distinct[0], distinct) + note,
            answers=candidates,
            citations=tuple(c.citation for c in candidates),
            passages=shown,
            resolved_question=seen.resolved,
            analysis=analysis,
        )

    def _ranked_result(self, seen: "Deliberation", options: list[Option], decision: Decision) -> Result:
        """The ranker's decision as a result: the chosen candidate, or no answer with the rules' reason when they
        gave one; the other candidates, most probable first, that do not overlap a more probable one."""
        analysis = {**_analysis(seen.asked), "decided_by": "ranker", "no_answer_probability": round(decision.null_probability, 4)}
        order = sorted(range(len(options)), key=lambda i: -decision.probabilities[i])
        spans = [self._option_span(options[i], decision.probabilities[i]) for i in order]
        if decision.chosen is None:
            message = seen.rules.reason if seen.rules.reason_kind not in (None, "unsure") else "报告中没有找到可靠的答案；下面是最接近的段落。"
            return Result(seen.question, None, True, round(decision.confidence, 4), message, passages=seen.shown,
                          resolved_question=seen.resolved, analysis=analysis)
        distinct = _distinct(spans)
        candidates = tuple(Candidate(s.text, round(s.score, 4), self._cite(s)) for s in distinct)
        chosen = options[decision.chosen]
        confidence, note = self._ambiguity(seen, distinct[0], decision.confidence, analysis)
        # the message names the figures the rules found as close to the question as the chosen one (另：…)
        said = self._message(chosen.rule, _distinct(list(seen.rules.spans))) if chosen.rule is not None else self._message(distinct[0], distinct[:1])
        return Result(
            question=seen.question,
            answer=distinct[0].text,
            abstained=False,
            confidence=round(confidence, 4),
            message=said + note,
            answers=candidates,
            citations=tuple(c.citation for c in candidates),
            passages=seen.shown,
            resolved_question=seen.resolved,
            analysis=analysis,
        )

    def _ambiguity(self, seen: "Deliberation", best: Span, confidence: float, analysis: dict) -> tuple[float, str]:
        """The confidence and a note for an answer to a question that names no district while other districts'
        reports hold passages as relevant (``rival_districts``): which one the asker means is not known, so the
        confidence is at most an even share among the districts (1 / (1 + rivals)) and the note names them."""
        rivals = self.rival_districts(seen, best.doc_id, best.text)
        if not rivals:
            return confidence, ""
        analysis["other_districts"] = rivals
        named = "、".join(rivals[:3]) + ("等" if len(rivals) > 3 else "")
        own = self._docs[best.doc_id].district or "这份报告"
        note = f"（问题没有说明区县：以上是{own}的；{named}的报告也说到这一项，说法可能不同，请说明区县。）"
        return min(confidence, 1.0 / (1 + len(rivals))), note

    def rival_districts(self, seen: "Deliberation", doc_id: str, answer: str) -> list[str]:
        """When the question names no district: the other districts whose reports hold a passage found nearly as
        relevant as the best one of the answer's report (fused score at least ``RIVAL_SCORE`` of it) that does not
        say the answer. The question may then be about any of them, and their reports may say otherwise."""
        if seen.asked.district is not None:
            return []
        own = self._docs[doc_id].district
        best = max((h.score for h in seen.hits if h.passage.doc_id == doc_id), default=0.0)
        rivals: list[str] = []
        for hit in seen.hits:
            district = self._docs[hit.passage.doc_id].district
            if (district and district != own and district not in rivals and best > 0 and hit.score >= RIVAL_SCORE * best
                    and answer not in hit.passage.text):
                rivals.append(district)
        return rivals

    def _option_span(self, option: Option, probability: float) -> Span:
        """A candidate as a span scored by its probability: the rules' own span, or one the reader found, with the
        sentence it stands in as its evidence."""
        if option.rule is not None:
            return replace(option.rule, score=probability)
        i = self._sentence_at(option.doc_id, option.start)
        sentence = self.index.sentences[i]
        doc = self._docs[option.doc_id]
        end = max(sentence.end, option.end)
        text = doc.text[sentence.start : end]
        a, b = option.start - sentence.start, option.end - sentence.start
        clause = next((text[x:y] for x, y in split_clauses(text) if x <= a and b <= y), text[a:b])
        evidence = Evidence(option.doc_id, sentence.start, text, sentence.section, sentence.year, sentence.stance, 0.0)
        return Span(option.doc_id, option.start, option.end, option.text, "reader", probability, evidence, clause)

    @staticmethod
    def _prefer_latest(spans: list[Span]) -> list[Span]:
        """With no year asked, the most recent year among near-best answers wins: the newest report covering the topic."""
        top = spans[0].score
        # a newer value of the same thing stands with the question's most specific terms as fully as the best match
        # does; one that lacks them (第三次会议 for 十九届二次人代会) is another thing
        anchor = spans[0].signals.get("anchor", 0.0)
        close = [s for s in spans if s.score >= 0.85 * top and s.signals.get("anchor", 0.0) >= anchor - 0.1]
        latest = max(close, key=lambda s: (s.evidence.year or 0, s.score))
        return [latest] + [s for s in spans if s is not latest]

    def _cite(self, span: Span) -> Citation:
        doc = self._docs[span.doc_id]
        ev = span.evidence
        return Citation(
            doc_id=doc.doc_id,
            title=doc.title,
            year=ev.year,
            district=doc.district,
            start=span.start,
            end=span.end,
            quote=ev.text,
            quote_start=ev.start,
            quote_end=ev.start + len(ev.text),
            stance=ev.stance,
        )

    def _message(self, best: Span, spans: list[Span]) -> str:
        doc = self._docs[best.doc_id]
        ev = best.evidence
        when = f"{ev.year}年" if ev.year else ""
        what = "计划" if ev.stance == "plan" else "实现" if ev.stance == "result" else ""
        message = f"{doc.district or ''}{when}{what}：{_clause_context(best)}"
        others = [
            s for s in [s for s in spans if s is not best][:3]
            if s.score >= ALSO_RATIO * best.score and s.kind == best.kind and s.text != best.text and s.doc_id == best.doc_id
        ]
        if others:
            message += "（另：" + "；".join(_clause_context(s) for s in others[:2]) + "）"
        return message


@dataclass(frozen=True)
class RuleOutcome:
    """What the rules found for a question: spans best first, and why they would not answer (a message and a key:
    no_terms, nothing, other_year, person, added, members, actual, superlative, contrary, combined, fit, unsure)."""

    spans: tuple[Span, ...]
    reason: str | None = None
    reason_kind: str | None = None
    confidence: float = 0.0  # the rules' own confidence in their best span (calibration.json)
    signals: dict = field(default_factory=dict, compare=False, hash=False)
    missing: float = 0.0  # the share of the question's key-term weight no report holds
    weights: dict = field(default_factory=dict, compare=False, hash=False)  # the question's key terms and their idf


@dataclass(frozen=True)
class Deliberation:
    """A question read, its passages found, and what the rules make of it (``QA.deliberate``)."""

    question: str
    resolved: str
    asked: Question
    hits: tuple[Hit, ...]
    shown: tuple[Hit, ...]  # the first top_k hits, which a result shows
    query_vector: np.ndarray = field(compare=False, hash=False)
    refusal: str | None  # why no report can answer it (chit-chat, another district, a year not covered)
    rules: RuleOutcome


def answerer_options(reader: str) -> dict:
    """How ``QA.load`` should build the answerer for the ``QA_READER`` setting: the rules alone for "off" (no reader,
    no ranker), else the reader whose adapter is at that path, with the shipped ranker."""
    if reader.lower() == "off":
        return {"reader": None, "ranker": None}
    return {"reader": load_reader(reader)}


def load_reader(adapter: Path | str | None = None) -> Reader | None:
    """The trained span reader on m3e-small's encoder, or None (with a warning) when no adapter is shipped."""
    from qa.index.embedding import resolve_model
    from qa.models.reader import DEFAULT_ADAPTER, SpanReader

    path = Path(adapter) if adapter else DEFAULT_ADAPTER
    if not path.is_file():
        logger.warning("no reader weights at %s: the rules alone answer", path)
        return None
    return SpanReader(resolve_model("m3e-small"), path)


def _analysis(asked: Question) -> dict:
    return {"district": asked.district, "year": asked.year, "stance": asked.stance, "answer_type": asked.answer_type, "unit": asked.unit}


def _distinct(spans: list[Span], limit: int = 5) -> list[Span]:
    """The first ``limit`` spans, best first, that do not overlap a better one in the same document: 市中区坚持稳中求进
    and 稳中求进 are the same answer cut otherwise, not another answer (1600余个 beside 7000余个 is one)."""
    kept: list[Span] = []
    for span in spans:
        if not any(k.doc_id == span.doc_id and k.start < span.end and span.start < k.end for k in kept):
            kept.append(span)
            if len(kept) == limit:
                break
    return kept


def _unsupported(asked: Question, best: Span) -> tuple[str | None, str | None]:
    """Why the best-placed span still does not answer the question, as the message to give and a short key, or
    (None, None) when it does."""
    where = _clause_context(best)
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


def _clause_context(span: Span) -> str:
    """The clause holding the answer, with the clause before it when it is too short to stand alone."""
    text = span.evidence.text
    at = text.find(span.clause)
    if len(span.clause) < 12 and at > 1:
        before = text[:at].rstrip("，；：、")
        cut = max(before.rfind(c) for c in "，；：。") + 1
        return before[cut:] + "，" + span.clause
    return span.clause
