"""The question-answering pipeline: ``QA.load(index_dir).ask(question) -> Result``. ``QA`` loads and orchestrates;
the parts it joins each do one job: ``view`` (the index by report and sentence), ``scope`` (district, year, places),
``terms`` (key terms and heads), ``evidence`` (what the rules and the reader read), ``rule_answer`` (the rules'
outcome), the ranker (``qa.models``) and ``compose`` (the result)."""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.answering.compose import Composer
from qa.answering.deliberation import Deliberation, RuleOutcome, Settled
from qa.answering.evidence import EvidenceReader
from qa.answering.history import checked_history
from qa.answering.report_facts import ReportFacts
from qa.answering.rule_answer import RuleAnswerer
from qa.answering.scope import Scope
from qa.answering.terms import KeyTerms
from qa.answering.view import CorpusView
from qa.errors import IndexMismatchError, QuestionError
from qa.index.embedding import Embedder, load_embedder
from qa.index.store import Index
from qa.models.calibration import Calibration
from qa.models.candidates import Option, TurnContext, gather
from qa.models.ranker import GENERAL_PATH, Ranker, familiar_documents
from qa.models.reader import GENERAL_ADAPTER, Reader, Window, WindowLogits
from qa.retrieve.retrieval import DEFAULT_LEXICAL_WEIGHT, Retriever
from qa.rules.signals import Reason
from qa.rules.conversation import read_conversation
from qa.rules.question import Question, analyse, validate_question
from qa.schema import Document, Result, Turn

logger = logging.getLogger(__name__)

# Used only when no calibration file is shipped: below this raw score the pipeline abstains.
FALLBACK_ABSTAIN_BELOW = 0.42
# The confidence of an ordinal follow-up answered from the list just given (第二个是什么): the share of such answers
# that were right on the train conversations (eval/reports/conversations/train.jsonl: 12 of 17; see docs/conversation.md).
ITEM_CONFIDENCE = 0.7


class UnknownDocumentError(KeyError):
    """No document has the given id."""


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
        general_ranker: Ranker | None = None,
        general_reader: Reader | None = None,
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
        # the reader and ranker of reports the models were not built on, and the reports of this index they were built on
        self.general_reader = general_reader
        self.general_ranker = general_ranker
        self.familiar = familiar_documents(general_ranker, index.documents)
        self.reader_windows_read = reader_windows
        self.index = index
        self.retriever = Retriever(index, embedder, lexical_weight=lexical_weight)
        self.abstain_below = abstain_below
        self.top_k = top_k
        self.evidence_passages = evidence_passages
        self.view = CorpusView(index)
        self.scope = Scope(self.view)
        self.report_facts = ReportFacts(self.view)
        self.terms = KeyTerms(self.view)
        self.evidence = EvidenceReader(self.view)
        self.rule_answerer = RuleAnswerer(self.terms, self.evidence)
        self.composer = Composer(self.view, self.scope)
        self.retriever.index.bm25  # noqa: B018 - BM25 is built on first use: here, by the loader or the document worker, not by the first question
        index.tokenizer.tag("预热")  # so is the part-of-speech tagger (its dictionary takes about a second to load)

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

        Unless ``reader=None`` or ``ranker=None`` is passed, the shipped readers (``qa/models/reader.safetensors``, and
        ``reader-general.safetensors`` for reports the models were not built on) and rankers (``ranker.json``,
        ``ranker-general.json``) are loaded too; without the reader or the ranker, the rules alone answer.
        """
        model = embedder.name if embedder is not None else embedding_model
        index = Index.load(index_dir, corpus_dir=corpus_dir, embedding_model=model)
        if embedder is None:
            embedder = load_embedder(index.manifest.embedding_model)
        if options.get("reader", True) is True:
            options["reader"] = load_reader()
        if options.get("ranker", True) is True:
            options["ranker"] = Ranker.load()
        if options.get("general_ranker", True) is True:
            options["general_ranker"] = Ranker.load(GENERAL_PATH) if options["ranker"] is not None else None
        if options.get("general_reader", True) is True:
            has_general = options["reader"] is not None and options["general_ranker"] is not None
            options["general_reader"] = load_reader(GENERAL_ADAPTER) if has_general else None
        return cls(index, embedder, **options)

    def with_index(self, index: Index) -> "QA":
        """The same answerer (model, reader, ranker, settings; nothing loaded again) over another index, built with
        the same embedding model: how the server swaps in a rebuilt index."""
        if index.manifest.embedding_model != self.index.manifest.embedding_model:
            raise IndexMismatchError(
                f"the new index was built with {index.manifest.embedding_model!r}, this answerer uses {self.index.manifest.embedding_model!r}"
            )
        return QA(index, self.retriever.embedder, **self._options())

    def _options(self) -> dict:
        """The keyword options this answerer was built with."""
        return dict(
            lexical_weight=self.retriever.lexical_weight, abstain_below=self.abstain_below, calibration=self.calibration,
            top_k=self.top_k, evidence_passages=self.evidence_passages, reader=self.reader, ranker=self.ranker,
            reader_windows=self.reader_windows_read, general_ranker=self.general_ranker, general_reader=self.general_reader,
        )

    def with_options(self, **changes) -> "QA":
        """A copy of this answerer over the same index and models with some options changed (``lexical_weight``,
        ``abstain_below``, ``calibration``, ``top_k``, ``evidence_passages``, ``reader``, ``ranker``,
        ``reader_windows``, ``general_ranker``, ``general_reader``): how training and evaluation vary it, leaving this one as it is."""
        options = self._options()
        unknown = set(changes) - set(options)
        if unknown:
            raise TypeError(f"unknown options: {', '.join(sorted(unknown))}")
        return QA(self.index, self.retriever.embedder, **{**options, **changes})

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.index.documents

    def document(self, doc_id: str) -> Document:
        """The document with this id; raises ``UnknownDocumentError``."""
        try:
            return self.view.docs[doc_id]
        except KeyError:
            raise UnknownDocumentError(doc_id) from None

    def ask(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = ()) -> Result:
        """Answer ``question`` (resolved against the earlier questions in ``history``, oldest first).

        Returns a ``Result``; raises ``QuestionError`` for a question that is not text of 1 to 500 characters, a
        ``top_k`` outside 1..50 or a history that is not a list of at most 20 strings.
        """
        started = time.perf_counter()
        result = self.compare(question, top_k=top_k, history=history, modes=("hybrid",))["hybrid"]
        return replace(result, latency_ms=round((time.perf_counter() - started) * 1000, 2))

    def compare(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = (),
                modes: Sequence[str] = ("hybrid", "rules", "reader")) -> dict[str, Result]:
        """The answers of several deciders to one question, from one reading of it: ``hybrid`` (the ranker over the
        rules' and the reader's candidates; the rules alone when no reader or ranker is loaded), ``rules`` (the rules'
        own answer) and ``reader`` (the reader's best span, unless its no-answer score is higher)."""
        seen = self.deliberate(question, top_k=top_k, history=history)
        if seen.refusal is not None:
            refused = self.composer.refused(seen)
            return {mode: refused for mode in modes}
        if seen.settled is not None:  # 第二个是什么, 报告是谁作的: known before any span is ranked
            settled = self.composer.settled_result(seen)
            return {mode: settled for mode in modes}
        out: dict[str, Result] = {}
        hybrid = self.ranker is not None and self.reader is not None
        if "rules" in modes or ("hybrid" in modes and not hybrid):
            out["rules"] = self.composer.rules_result(seen)
        if hybrid and ("hybrid" in modes or "reader" in modes):
            windows, pieces, options, question_features = self.options(seen)
            if "hybrid" in modes:
                decision = self.ranker_for(options, windows).decide(options, question_features)
                out["hybrid"] = self.composer.ranked_result(seen, options, decision)
            if "reader" in modes:
                out["reader"] = self.composer.reader_result(seen, options, pieces)
        if "hybrid" in modes and not hybrid:
            out["hybrid"] = out["rules"]
        return {mode: out[mode] for mode in modes if mode in out}

    def ranker_for(self, options: Sequence[Option], windows: Sequence[Window] = ()) -> Ranker:
        """The ranker that decides among these options: the shipped one when every option, and every window the
        reader read, stands in a report the models were built on (or no general ranker is loaded), else the general
        one, fitted on reports they never saw, as read by the general reader."""
        if self.general_ranker is None or (options and self._familiar([*options, *windows])):
            return self.ranker
        return self.general_ranker

    def reader_for(self, windows: Sequence[Window]) -> Reader | None:
        """The reader that reads these windows: the shipped one when they all stand in reports the models were built
        on (or no general reader or ranker is loaded), else the general one, trained further on other places' reports."""
        if self.general_reader is None or self.general_ranker is None or (windows and self._familiar(windows)):
            return self.reader
        return self.general_reader

    def _familiar(self, placed: Sequence[Option | Window]) -> bool:
        """Whether every one of these stands in a report the models were built on."""
        return all(p.doc_id in self.familiar for p in placed)

    def deliberate(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = ()) -> Deliberation:
        """Everything known about a question before an answer is chosen: what it asks, the passages found, and
        either why no report can answer it or what the rules find. Raises ``QuestionError`` as ``ask`` does."""
        text = validate_question(question)
        top_k = self.top_k if top_k is None else top_k
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 50:
            raise QuestionError("top_k must be a whole number from 1 to 50")
        reading = read_conversation(text, checked_history(history, self.view.docs), self.view.districts)
        resolved = reading.resolved
        asked = self.scope.placed(analyse(resolved, self.view.districts))
        if asked.stance is None and reading.stance is not None:  # a follow-up stating neither plan nor result
            asked = replace(asked, stance=reading.stance)
        # district and year filter and boost the passages; searching with them would favour any passage naming them
        scores = self.retriever.scores(asked.focus or resolved)
        boost = self.scope.passage_boost(asked, reading.anchor)
        hits = self.retriever.rank(scores, max(top_k, self.evidence_passages), boost=boost)
        refusal = self.scope.out_of_scope(asked)
        if refusal is None:
            rules = self.rule_answerer.outcome(asked, hits, scores.query_vector, calibration=self.calibration, abstain_below=self.abstain_below)
        else:
            rules = RuleOutcome((), refusal, Reason.OUT_OF_SCOPE)
        # the item of the list just answered (its confidence measured as stated), or a fact of a report's heading
        settled = Settled(*reading.item, "list", ITEM_CONFIDENCE, "conversation") if reading.item is not None else None
        if refusal is None and settled is None:
            settled = self.report_facts.settled(asked)
        return Deliberation(text, resolved, asked, tuple(hits), tuple(hits[:top_k]), scores.query_vector, refusal, rules,
                            settled=settled, kind=reading.kind, anchor=reading.anchor)

    def passage_boost(self, asked: Question) -> np.ndarray:
        """Per-passage factors for a question's district and year (``Scope.passage_boost``)."""
        return self.scope.passage_boost(asked)

    def reader_windows(self, seen: Deliberation, k: int) -> list[Window]:
        """The passages the reader would read for a question, at most ``k`` (``EvidenceReader.reader_windows``)."""
        return self.evidence.reader_windows(seen.hits, seen.rules.spans, k)

    def options(self, seen: Deliberation) -> tuple[list[Window], list[WindowLogits], list[Option], dict[str, float]]:
        """What the reader reads for a question and the candidates it and the rules give, with their features."""
        rules = seen.rules
        windows = self.reader_windows(seen, self.reader_windows_read) if self.reader is not None else []
        pieces = self.reader_for(windows).read(seen.resolved, windows) if windows else []

        def facts(doc_id: str, start: int, end: int):
            return self.evidence.sentence_facts(doc_id, start, rules.weights, seen.query_vector)

        anchor = seen.anchor
        last = (anchor.doc_id, anchor.start, anchor.end) if anchor is not None and anchor.doc_id is not None else None
        options, question_features = gather(seen.asked, rules.spans, rules.reason_kind, rules.confidence, rules.missing, pieces, facts,
                                            turn=TurnContext(seen.kind, last))
        return windows, pieces, options, question_features


def answerer_options(reader: str) -> dict:
    """How ``QA.load`` should build the answerer for the ``QA_READER`` setting: the rules alone for "off" (no reader,
    no ranker); the shipped readers for the shipped reader's path; else the reader whose adapter is at that path for
    every report, with the shipped rankers."""
    from qa.models.reader import DEFAULT_ADAPTER

    if reader.lower() == "off":
        return {"reader": None, "ranker": None, "general_ranker": None, "general_reader": None}
    if Path(reader).resolve() == DEFAULT_ADAPTER.resolve():
        return {"reader": load_reader(reader), "general_reader": load_reader(GENERAL_ADAPTER)}
    one = load_reader(reader)
    return {"reader": one, "general_reader": one}


def load_reader(adapter: Path | str | None = None) -> Reader | None:
    """The trained span reader on m3e-small's encoder, or None (with a warning) when no adapter is shipped."""
    from qa.index.embedding import resolve_model
    from qa.models.reader import DEFAULT_ADAPTER, SpanReader

    path = Path(adapter) if adapter else DEFAULT_ADAPTER
    if not path.is_file():
        logger.warning("no reader weights at %s: the rules alone answer", path)
        return None
    return SpanReader(resolve_model("m3e-small"), path)
