"""Lexical search: Okapi BM25 over the token lists of the passages."""
from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


class BM25:
    """BM25 with the usual ``k1`` and ``b``; built from token lists, scored against a query's tokens."""

    def __init__(self, documents: list[list[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.documents = documents
        self.k1, self.b = k1, b
        lengths = np.array([len(tokens) for tokens in documents], dtype=np.float64)
        self._norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0)) if len(documents) else lengths
        # postings: token -> (the passages holding it, how often each does); a query touches only its tokens' lists
        where: dict[str, list[int]] = defaultdict(list)
        count: dict[str, list[int]] = defaultdict(list)
        for i, tokens in enumerate(documents):
            for token, f in Counter(tokens).items():
                where[token].append(i)
                count[token].append(f)
        self._postings = {
            token: (np.array(where[token], dtype=np.int64), np.array(count[token], dtype=np.float64)) for token in where
        }
        n = len(documents)
        # the "plus one" form keeps every idf positive, so a common word never lowers a score
        self.idf = {token: math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5)) for token, (ids, _) in self._postings.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        """The BM25 score of every passage for ``query`` (repeated query tokens count once)."""
        out = np.zeros(len(self.documents), dtype=np.float64)
        for token in set(query):
            idf = self.idf.get(token)
            if idf is None:
                continue
            ids, f = self._postings[token]
            out[ids] += idf * f * (self.k1 + 1) / (f + self._norm[ids])
        return out

    def search(self, query: list[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages with a positive score, as (position, score), best first."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
