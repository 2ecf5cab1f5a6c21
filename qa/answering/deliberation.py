"""What is known of a question before an answer is chosen: the question read, its passages, and what the rules make
of it. Plain data passed from the pipeline to the parts that decide and compose."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qa.rules.types import Span
from qa.rules.question import Question
from qa.rules.signals import Reason
from qa.schema import Hit, Turn


@dataclass(frozen=True)
class RuleOutcome:
    """What the rules found for a question: spans best first, and why they would not answer (a message and its
    ``Reason``)."""

    spans: tuple[Span, ...]
    reason: str | None = None
    reason_kind: Reason | None = None
    confidence: float = 0.0  # the rules' own confidence in their best span (calibration.json)
    signals: dict = field(default_factory=dict, compare=False, hash=False)  # the best span's, by ``Signal``
    missing: float = 0.0  # the share of the question's key-term weight no report holds
    weights: dict = field(default_factory=dict, compare=False, hash=False)  # the question's key terms and their idf


@dataclass(frozen=True)
class Settled:
    """An answer known before any span is ranked: the item of the list just answered (第二个是什么), or a fact of a
    report's heading (报告是谁作的); where it stands, its kind, its confidence and what settled it."""

    doc_id: str
    start: int
    end: int
    kind: str
    confidence: float
    by: str  # "conversation" or "heading"


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
    settled: Settled | None = None  # an answer known before any span is ranked, which answers it
    kind: str = "alone"  # the kind of turn (``conversation.KINDS``): alone, or how it follows the turns before
    anchor: Turn | None = None  # the earlier turn whose answer is evidence for this one (placed in a report or not)
