"""Lexical search: Okapi BM25 over the token lists of the passages."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np


class BM25:
    """BM25 with the usual ``k1`` and ``b``; built from token lists, scored against a query's tokens."""

    def __init__(self, documents: list[list[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.documents = documents
        self.k1, self.b = k1, b
        self._tf = [Counter(tokens) for tokens in documents]
        lengths = np.array([len(tokens) for tokens in documents], dtype=np.float64)
        self._norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0)) if len(documents) else lengths
        df = Counter(token for tf in self._tf for token in tf)
        n = len(documents)
        # the "plus one" form keeps every idf positive, so a common word never lowers a score
        self.idf = {token: math.log(1 + (n - f + 0.5) / (f + 0.5)) for token, f in df.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        """The BM25 score of every passage for ``query`` (repeated query tokens count once)."""
        out = np.zeros(len(self.documents), dtype=np.float64)
        for token in set(query):
            idf = self.idf.get(token)
            if idf is None:
                continue
            for i, tf in enumerate(self._tf):
                f = tf.get(token)
                if f:
                    out[i] += idf * f * (self.k1 + 1) / (f + self._norm[i])
        return out

    def search(self, query: list[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages with a positive score, as (position, score), best first."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
