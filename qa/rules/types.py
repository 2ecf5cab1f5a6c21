"""The values the rules pass on: an evidence sentence and a scored answer span in it, with offsets into the report's
canonical text. Every later stage (the reader's candidates, the decision, the result) reads these."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Evidence:
    """A sentence that may hold the answer, with what is known about it."""

    doc_id: str
    start: int  # offset of the sentence in its document's canonical text
    text: str
    context: str  # the section heading and the sentences just before it, for key terms the sentence leaves out
    year: int | None
    stance: str | None
    retrieval: float  # the best fused score of a passage holding it, scaled so the top passage has 1.0
    similarity: float = 0.0  # cosine of the sentence's embedding with the question's
    following: str = ""  # the next sentence: what a dateline (1月17日上午，…会议开幕。) dates is often told there


@dataclass(frozen=True)
class Span:
    """A scored answer span: ``start``/``end`` are offsets in the document's canonical text."""

    doc_id: str
    start: int
    end: int
    text: str
    kind: str  # number, amount, percentage, date, list, name
    score: float
    evidence: Evidence
    clause: str
    signals: dict = field(default_factory=dict, compare=False, hash=False)  # the scored features, for calibration
