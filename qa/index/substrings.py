"""Which passages hold a string, by substring (not by token): a sorted array of character and character-pair postings.

The answer stage weighs a question's key terms by how many passages hold them as substrings (``QA.term_weights``).
Scanning every passage for every term costs time proportional to the corpus (5-17 ms a term at 38,000 passages);
looking a term's character pairs up in sorted postings and checking only the passages holding all of them costs
time proportional to those passages.

Each key is one 64-bit number: the first character's code point (21 bits), the second's (21 bits, 0 for a single
character) and the passage's number (22 bits). Sorted, the passages holding a character or a pair are one
contiguous run, found by two binary searches, and come out in ascending order.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_PASSAGE_BITS = 22
_CHAR_BITS = 21
MAX_PASSAGES = 1 << _PASSAGE_BITS
_PASSAGE_MASK = np.uint64(MAX_PASSAGES - 1)


class SubstringCounts:
    """Answers ``passages(term)``: the passages whose text holds ``term``, as a scan would find them.

    ``texts`` are kept (not copied) and must not change. Building takes about half a second and 90 MB for
    7.5 million characters (38,000 passages); a corpus with more than ``MAX_PASSAGES`` passages is refused."""

    def __init__(self, texts: Sequence[str]) -> None:
        if len(texts) >= MAX_PASSAGES:
            raise ValueError(f"at most {MAX_PASSAGES - 1} passages can be counted, not {len(texts)}")
        if any("\0" in text for text in texts):
            raise ValueError("passage texts must not hold NUL")
        self.texts = texts
        self._keys = _keys(texts, range(len(texts)))
        self._keys.flags.writeable = False

    def splice(self, moved: np.ndarray, texts: Sequence[str], fresh: Sequence[int]) -> "SubstringCounts":
        """The counts over ``texts``, another passage list: old passage ``i`` is now ``texts[moved[i]]`` (-1: gone),
        the passages at the positions ``fresh`` are new. Costs a pass over the kept keys and the characters of the
        new passages; gives what counting ``texts`` from scratch gives (tested)."""
        if len(texts) >= MAX_PASSAGES:
            raise ValueError(f"at most {MAX_PASSAGES - 1} passages can be counted, not {len(texts)}")
        if any("\0" in texts[i] for i in fresh):
            raise ValueError("passage texts must not hold NUL")
        out = SubstringCounts.__new__(SubstringCounts)
        out.texts = texts
        position = moved[(self._keys & _PASSAGE_MASK).astype(np.int64)]
        kept = position >= 0
        keys = (self._keys[kept] & ~_PASSAGE_MASK) | position[kept].astype(np.uint64)
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):  # kept passages changed their order
            keys.sort()
        new = _keys(texts, fresh)
        keys = np.insert(keys, np.searchsorted(keys, new), new)
        keys.flags.writeable = False
        out._keys = keys
        return out

    def _postings(self, first: str, second: str = "") -> np.ndarray:
        prefix = (ord(first) << _CHAR_BITS) | (ord(second) if second else 0)
        lo = np.searchsorted(self._keys, np.uint64(prefix << _PASSAGE_BITS))
        hi = np.searchsorted(self._keys, np.uint64((prefix + 1) << _PASSAGE_BITS))
        return self._keys[lo:hi] & _PASSAGE_MASK

    def passages(self, term: str) -> np.ndarray:
        """The passages holding ``term``, ascending (int64); empty when none does or ``term`` is empty."""
        if not term or "\0" in term:
            return np.empty(0, dtype=np.int64)
        if len(term) == 1:
            found = self._postings(term)
        else:
            # the passages holding every pair of the term: exact for two characters, candidates beyond
            runs = sorted((self._postings(a, b) for a, b in zip(term, term[1:])), key=len)
            found = runs[0]
            for run in runs[1:]:
                if not len(found):
                    break
                found = found[np.isin(found, run, assume_unique=True)]
            if len(term) > 2:
                return np.array([k for k in found.tolist() if term in self.texts[k]], dtype=np.int64)
        return found.astype(np.int64)


def _keys(texts: Sequence[str], positions: Sequence[int]) -> np.ndarray:
    """The sorted distinct keys of the passages at ``positions`` of ``texts``."""
    positions = list(positions)
    chosen = [texts[i] for i in positions]
    # every passage followed by NUL, as code points; NUL marks where pairs must not cross
    codes = np.frombuffer(("\0".join(chosen) + "\0").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(text) + 1 for text in chosen), dtype=np.int64, count=len(chosen))
    passage = np.repeat(np.array(positions, dtype=np.uint64), lengths)[:-1]
    first, second = codes[:-1], codes[1:]
    char = first != 0
    pair = char & (second != 0)
    single_keys = (first[char] << np.uint64(_CHAR_BITS + _PASSAGE_BITS)) | passage[char]
    pair_keys = (
        (first[pair] << np.uint64(_CHAR_BITS + _PASSAGE_BITS))
        | (second[pair] << np.uint64(_PASSAGE_BITS))
        | passage[pair]
    )
    keys = np.concatenate([single_keys, pair_keys])
    keys.sort()
    # dropping repeats by hand: np.unique on 15 million uint64 took 13 s here against 0.25 s for the sort
    fresh = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
    return keys[fresh]
