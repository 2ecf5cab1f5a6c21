"""Hybrid retrieval: BM25 and dense scores per passage, fused with a measured weight and optional boosts."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index.embedding import Embedder
from qa.retrieve.fusion import normalise_max, weighted_fusion
from qa.index.store import Index
from qa.schema import Hit

# Used when no calibration file is shipped; ``qa calibrate`` measures the weight on the dev split (BM25 is the stronger signal here).
DEFAULT_LEXICAL_WEIGHT = 0.8


@dataclass(frozen=True)
class Scores:
    """Per-passage scores for one query, aligned with ``index.passages``."""

    lexical: np.ndarray
    dense: np.ndarray
    query_vector: np.ndarray


EMBEDDED_QUERY_CHARS = 64


class Retriever:
    """``search(query, k) -> list[Hit]`` over an index, with the embedder that built it."""

    def __init__(self, index: Index, embedder: Embedder, *, lexical_weight: float = DEFAULT_LEXICAL_WEIGHT) -> None:
        if not 0.0 <= lexical_weight <= 1.0:
            raise ValueError("lexical_weight must lie in 0..1")
        self.index = index
        self.embedder = embedder
        self.lexical_weight = lexical_weight

    def scores(self, query: str) -> Scores:
        """BM25 and cosine scores of every passage for ``query`` (its first ``EMBEDDED_QUERY_CHARS`` embedded: a
        question is short, and a pasted page would cost the encoder many times a question's time)."""
        lexical = self.index.bm25.scores(self.index.tokenizer(query))
        vector = self.embedder.embed([query[:EMBEDDED_QUERY_CHARS]])[0]
        return Scores(lexical, self.index.dense.scores(vector), vector)

    def rank(self, scores: Scores, k: int, *, mode: str = "fused", lexical_weight: float | None = None, boost: np.ndarray | None = None) -> list[Hit]:
        """Turn scores into the ``k`` best hits; ``mode`` is fused, bm25 or dense; ``boost`` multiplies fused scores."""
        weight = self.lexical_weight if lexical_weight is None else lexical_weight
        if mode == "bm25":
            fused = normalise_max(scores.lexical)
        elif mode == "dense":
            fused = np.asarray(scores.dense, dtype=np.float64)
        elif mode == "fused":
            fused = weighted_fusion(scores.lexical, scores.dense, lexical_weight=weight)
        else:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        if boost is not None:
            fused = fused * boost
        order = np.argsort(-fused, kind="stable")[:k]
        return [
            Hit(self.index.passages[i], float(fused[i]), float(scores.lexical[i]), float(scores.dense[i]))
            for i in order
        ]

    def search(self, query: str, k: int = 5, *, mode: str = "fused") -> list[Hit]:
        """The ``k`` best passages for ``query``, best first."""
        return self.rank(self.scores(query), k, mode=mode)
