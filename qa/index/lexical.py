"""Lexical search: Okapi BM25 over the token lists of the passages.

The postings are one sorted array of 64-bit keys (token number << 32 | passage) with the token counts beside it,
so a token's passages are one contiguous run, and a change of corpus (``splice``) moves the kept postings with a
few array operations and counts tokens only in the passages that are new.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

_POSITION_BITS = 32
_POSITION_MASK = np.int64((1 << _POSITION_BITS) - 1)


class BM25:
    """BM25 with the usual ``k1`` and ``b``; built from token lists, scored against a query's tokens.

    An instance never changes; ``splice`` returns another."""

    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._vocabulary: dict[str, int] = {}
        keys, counts = _postings(enumerate(documents), self._vocabulary)
        order = np.argsort(keys, kind="stable")
        lengths = np.array([len(tokens) for tokens in documents], dtype=np.float64)
        self._set(keys[order], counts[order], lengths)

    def _set(self, keys: np.ndarray, counts: np.ndarray, lengths: np.ndarray) -> None:
        self._keys, self._counts, self.lengths = keys, counts, lengths
        # where each token's run starts: token t's postings are keys[offsets[t]:offsets[t + 1]]
        self._offsets = np.searchsorted(keys >> _POSITION_BITS, np.arange(len(self._vocabulary) + 1))
        k1, b = self.k1, self.b
        self._norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0)) if len(lengths) else lengths

    def __len__(self) -> int:
        return len(self.lengths)

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """The passages holding ``token`` (ascending) and how often each holds it."""
        number = self._vocabulary.get(token)
        if number is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        lo, hi = self._offsets[number], self._offsets[number + 1]
        return self._keys[lo:hi] & _POSITION_MASK, self._counts[lo:hi]

    def idf(self, token: str) -> float | None:
        """The token's idf, None when no passage holds it; the "plus one" form keeps every idf positive, so a common
        word never lowers a score."""
        number = self._vocabulary.get(token)
        held = 0 if number is None else int(self._offsets[number + 1] - self._offsets[number])
        if not held:
            return None
        return math.log(1 + (len(self) - held + 0.5) / (held + 0.5))

    def scores(self, query: list[str]) -> np.ndarray:
        """The BM25 score of every passage for ``query`` (repeated query tokens count once)."""
        out = np.zeros(len(self), dtype=np.float64)
        for token in set(query):
            idf = self.idf(token)
            if idf is None:
                continue
            ids, f = self.postings(token)
            out[ids] += idf * f * (self.k1 + 1) / (f + self._norm[ids])
        return out

    def search(self, query: list[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages with a positive score, as (position, score), best first."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    def splice(self, moved: np.ndarray, size: int, fresh: dict[int, Sequence[str]]) -> "BM25":
        """The BM25 of another passage list of ``size`` passages: old passage ``i`` is now at ``moved[i]`` (-1: gone)
        and keeps its tokens; the passages at the positions in ``fresh`` have those tokens. Gives the scores of a
        BM25 built from the new token lists (tested)."""
        out = BM25.__new__(BM25)
        out.k1, out.b = self.k1, self.b
        out._vocabulary = dict(self._vocabulary)  # this instance may still be serving: its numbering must not grow
        position = moved[self._keys & _POSITION_MASK]
        kept = position >= 0
        keys = ((self._keys[kept] >> _POSITION_BITS) << _POSITION_BITS) | position[kept]
        counts = self._counts[kept]
        new_keys, new_counts = _postings(fresh.items(), out._vocabulary)
        order = np.argsort(new_keys, kind="stable")
        new_keys, new_counts = new_keys[order], new_counts[order]
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):  # kept passages changed their order
            order = np.argsort(keys, kind="stable")
            keys, counts = keys[order], counts[order]
        at = np.searchsorted(keys, new_keys)
        keys, counts = np.insert(keys, at, new_keys), np.insert(counts, at, new_counts)
        lengths = np.zeros(size, dtype=np.float64)
        lengths[moved[moved >= 0]] = self.lengths[moved >= 0]
        for position, tokens in fresh.items():
            lengths[position] = len(tokens)
        out._set(keys, counts, lengths)
        return out


def _postings(documents: Iterable[tuple[int, Sequence[str]]], vocabulary: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Keys (token number << 32 | position) and counts of every distinct token of the given passages, numbering
    tokens not yet in ``vocabulary`` there."""
    numbers: list[int] = []
    positions: list[int] = []
    counts: list[int] = []
    for position, tokens in documents:
        for token, count in Counter(tokens).items():
            number = vocabulary.get(token)
            if number is None:
                number = vocabulary[token] = len(vocabulary)
            numbers.append(number)
            positions.append(position)
            counts.append(count)
    keys = (np.array(numbers, dtype=np.int64) << _POSITION_BITS) | np.array(positions, dtype=np.int64)
    return keys, np.array(counts, dtype=np.float64)
