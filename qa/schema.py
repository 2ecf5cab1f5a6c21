"""Frozen records passed between stages; every span is a character offset into a document's canonical text."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """A block of the canonical text: ``kind`` is heading, body or caption."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Document:
    """One report: canonical text plus the metadata read from its sidecar or inferred from the text."""

    doc_id: str
    text: str
    title: str
    district: str | None
    year: int | None  # the year whose plans the report announces
    review_year: int | None  # the year whose results it reviews
    source: str | None  # the newspaper
    date: str | None
    source_file: str
    metadata_origin: str  # "file" or "inferred"
    paragraphs: tuple[Paragraph, ...] = ()


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, with the year it speaks for and whether it states a plan or a result."""

    doc_id: str
    start: int
    end: int
    section: str
    kind: str  # heading, body or caption
    year: int | None = None
    stance: str | None = None  # "plan" or "result"


@dataclass(frozen=True)
class Passage:
    """A retrieval unit: consecutive sentences of one section."""

    passage_id: int
    doc_id: str
    start: int
    end: int
    text: str
    section: str


@dataclass(frozen=True)
class Hit:
    """A passage found for a query, with its fused score and the scores it was fused from."""

    passage: Passage
    score: float
    bm25: float = 0.0
    dense: float = 0.0


@dataclass(frozen=True)
class Citation:
    """Where an answer stands: its span and the sentence holding it, in a document's canonical text."""

    doc_id: str
    title: str
    year: int | None
    district: str | None
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    stance: str | None = None


@dataclass(frozen=True)
class Candidate:
    """One ranked answer with its evidence."""

    text: str
    score: float
    citation: Citation


@dataclass(frozen=True)
class Turn:
    """An earlier turn of a chat: the question as asked and, when known, the answer given and where it stands
    (character offsets into ``doc_id``'s canonical text), which a follow-up may refer to."""

    question: str
    answer: str | None = None
    doc_id: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Result:
    """What ``QA.ask`` returns: the best answer (or none), its candidates, citations and the passages seen."""

    question: str
    answer: str | None
    abstained: bool
    confidence: float
    message: str
    answers: tuple[Candidate, ...] = ()
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = ()
    latency_ms: float = 0.0
    resolved_question: str = ""
    analysis: dict = field(default_factory=dict, compare=False, hash=False)


def answered_turn(question: str, result: Result) -> Turn:
    """The turn a question and its result make for the next question to refer to: the answer and where it stands,
    or the question alone when it was abstained on."""
    if result.abstained or not result.answer or not result.citations:
        return Turn(question)
    citation = result.citations[0]
    return Turn(question, result.answer, citation.doc_id, citation.start, citation.end)
