"""What training and evaluation may use of an answerer: the questions it answers and the ingredients of its answers,
never its parts. ``QA`` is one; a test may pass any object with these members."""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from qa.answering.deliberation import Deliberation
from qa.index.store import Index
from qa.models.candidates import Option
from qa.models.reader import Window, WindowLogits
from qa.retrieve.retrieval import Retriever
from qa.rules.question import Question
from qa.schema import Document, Result, Turn


class Answerer(Protocol):
    """An answerer as training and evaluation see it: read-only, varied only through ``with_options``."""

    @property
    def index(self) -> Index: ...  # read: its passages, reports, tokenizer and manifest

    @property
    def retriever(self) -> Retriever: ...  # passages for a question, by each retriever alone or fused

    def ask(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = ()) -> Result: ...

    def compare(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = (),
                modes: Sequence[str] = ("hybrid", "rules", "reader")) -> dict[str, Result]: ...

    def deliberate(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = ()) -> Deliberation: ...

    def options(self, seen: Deliberation) -> tuple[list[Window], list[WindowLogits], list[Option], dict[str, float]]: ...

    def reader_windows(self, seen: Deliberation, k: int) -> list[Window]: ...

    def passage_boost(self, asked: Question) -> np.ndarray: ...

    def document(self, doc_id: str) -> Document: ...

    def with_options(self, **changes) -> "Answerer": ...
