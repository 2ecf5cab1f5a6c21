"""Chinese tokenisation for BM25: jieba in search mode plus a user dictionary derived from each report's own text."""
from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Iterable

logger = logging.getLogger(__name__)

CJK = "\u4e00-\u9fff"
# Words that carry no topic: function words and the question words a user types.
STOPWORDS = frozenset(
    """的 了 和 与 及 以及 在 是 将 等 为 对 把 被 也 都 就 而 并 或 其 之 个 这 那 有 要 于 以 从 向 到 让 由
    多少 几 几个 哪些 哪个 哪家 哪里 哪 什么 怎么 怎样 如何 吗 呢 啊 吧 么 请问 请 问 一下 是否 有没有 多大 多高 多长
    何时 什么时候 哪年 哪天 谁 具体 分别 大概 大约 计划 打算""".split()
)
# A derived word may not begin or end with one of these: they glue a name to the sentence around it.
_EDGE_STOP = set("的了和与及在是将等为对把被也都就而并或其之这那有要于以从向到让由年月日个家所处项中上下新")
_TOKEN = re.compile(rf"[{CJK}]|[A-Za-z0-9.%·]+")
_QUOTED = re.compile(r"“([^“”，。；：！？、\s]{2,12})”")
JIEBA_CHARS = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")


def quiet_jieba() -> None:
    """Silence jieba's start-up log lines."""
    import jieba

    jieba.setLogLevel(logging.WARNING)


def derive_user_words(texts: Iterable[str], *, min_count: int = 3, min_len: int = 3, max_len: int = 6) -> list[str]:
    """Find domain words jieba would split: quoted terms, and recurring character runs with varied neighbours.

    Takes canonical texts; returns the words sorted. A recurring run counts when it appears ``min_count`` times,
    is not glued to a function character at either end, is seen with at least two different characters on each
    side (so it is a unit, not part of a longer phrase), and is not always part of one longer such run.
    """
    cutter = _plain_cutter()
    texts = list(texts)
    words: set[str] = set()
    for text in texts:
        words.update(m.group(1) for m in _QUOTED.finditer(text))
    counts: Counter[str] = Counter()
    aligned: Counter[str] = Counter()
    left: dict[str, set[str]] = defaultdict(set)
    right: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        # where jieba's own segmentation puts word boundaries: a real word starts and ends on one
        boundaries, position = {0}, 0
        for token in cutter.cut(text, HMM=False):
            position += len(token)
            boundaries.add(position)
        for run in re.finditer(rf"[{CJK}]+", text):
            s, base = run.group(0), run.start()
            for n in range(min_len, max_len + 1):
                for i in range(len(s) - n + 1):
                    gram = s[i : i + n]
                    counts[gram] += 1
                    aligned[gram] += base + i in boundaries and base + i + n in boundaries
                    left[gram].add(s[i - 1] if i > 0 else "^")
                    right[gram].add(s[i + n] if i + n < len(s) else "$")
    accepted: dict[str, int] = {}
    for gram, count in counts.items():
        if (
            count < min_count
            or gram[0] in _EDGE_STOP
            or gram[-1] in _EDGE_STOP
            or len(left[gram]) < 2
            or len(right[gram]) < 2
            or 2 * aligned[gram] < count
        ):
            continue
        # a run that always stands inside the same longer run is not a word of its own
        extended = [c + gram for c in left[gram] if c != "^"] + [gram + c for c in right[gram] if c != "$"]
        if any(counts[e] == count for e in extended):
            continue
        accepted[gram] = count
    dictionary = cutter.FREQ
    for gram, count in accepted.items():
        # a run made of an accepted name and one more word (区长 + 杨福涛) is a phrase, not a name of its own
        splits = ((gram[:i], gram[i:]) for i in range(1, len(gram)))
        if any(
            (accepted.get(a, 0) > count and (b in accepted or dictionary.get(b, 0) > 0))
            or (accepted.get(b, 0) > count and (a in accepted or dictionary.get(a, 0) > 0))
            for a, b in splits
        ):
            continue
        words.add(gram)
    return sorted(words)


@lru_cache(maxsize=1)
def _plain_cutter():
    """jieba's default tokenizer over its own dictionary alone, no report's user words (a corpus repeats runs such as
    周恩来总理 that are no words of the language). This code never gives it a word (every ``Tokenizer`` copies its
    dictionary), and reading reports (``derive_user_words``, the normaliser's ``JiebaWords``) cuts with the same one:
    one reading of the dictionary file a process (about a second, which the first upload to a server paid again)."""
    import jieba

    quiet_jieba()
    jieba.dt.check_initialized()
    return jieba.dt


def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's own prefix dictionary and total, before any user word: what every ``Tokenizer`` starts from."""
    base = _plain_cutter()
    return base.FREQ, base.total


def _tagger_over(tokenizer):
    """jieba's part-of-speech tagger over ``tokenizer``. Building one reads the dictionary file's tags again (about a
    second); importing ``jieba.posseg`` has read them once for its default tagger, so over the same dictionary file
    a copy of that table serves (the user words' tags join it when the tagger first cuts, as they would)."""
    from jieba import posseg

    if tokenizer.dictionary != posseg.dt.tokenizer.dictionary:
        return posseg.POSTokenizer(tokenizer)
    tagger = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    tagger.tokenizer = tokenizer
    tagger.word_tag_tab = dict(_default_tags())
    return tagger


@lru_cache(maxsize=1)
def _default_tags() -> dict[str, str]:
    """The tags of jieba's own dictionary file, as its default tagger read them at import (before any user word)."""
    from jieba import posseg

    return dict(posseg.dt.word_tag_tab)


@lru_cache(maxsize=4096)
def word_edges(text: str) -> frozenset[int]:
    """The offsets in ``text`` where one of jieba's dictionary words (no user words, no guessed words) starts or
    ends; 0 and ``len(text)`` included. A span whose edge is not among them cuts a word (马店 of 驻马店)."""
    edges, at = {0}, 0
    for word in _plain_cutter().cut(text, HMM=False):
        at += len(word)
        edges.add(at)
    return frozenset(edges)


def dictionary_tag(word: str) -> str | None:
    """The part of speech jieba's own dictionary gives ``word`` (q and m: measure words and numerals, 艘 辆 架), or
    None when it lists no such word."""
    return _default_tags().get(word)


class Tokenizer:
    """A callable ``text -> list[str]``: jieba search-mode tokens, lower-cased, stopwords and punctuation dropped.

    Index time and query time must use the same instance (same user dictionary).
    """

    name = "jieba-search"

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        import jieba

        quiet_jieba()
        self.user_words = tuple(sorted(set(user_words)))
        self.user_words_set = frozenset(self.user_words)
        self._jieba = jieba.Tokenizer()
        # a copy of jieba's own dictionary, read once per process (reading it costs half a second; a copy a fiftieth)
        base, total = _base_dictionary()
        self._jieba.FREQ, self._jieba.total, self._jieba.initialized = dict(base), total, True
        for word in self.user_words:
            self._jieba.add_word(word, freq=max(2000, 500 * len(word)), tag="nz")
        # add_word raises the dictionary's total, which shifts the score of every route through every text; kept at
        # jieba's own total, a text's tokens depend only on the user words it contains (what incremental indexing needs)
        self._jieba.total = total
        # jieba's cutter splits at characters outside its word pattern (the "·" of 星火·链网); such words are
        # matched before jieba sees the text.
        protected = sorted((w for w in self.user_words if not JIEBA_CHARS.match(w)), key=len, reverse=True)
        self._protected = re.compile("|".join(map(re.escape, protected))) if protected else None
        self._tagger = None

    def __call__(self, text: str) -> list[str]:
        text = text.lower()
        pieces: list[str] = []
        position = 0
        if self._protected is not None:
            for m in self._protected.finditer(text):
                pieces.extend(self._cut(text[position : m.start()]))
                pieces.append(m.group(0))
                position = m.end()
        pieces.extend(self._cut(text[position:]))
        return pieces

    def _cut(self, text: str) -> list[str]:
        if not text:
            return []
        return [
            t
            for t in (token.strip() for token in self._jieba.cut_for_search(text, HMM=True))
            if t and t not in STOPWORDS and _TOKEN.match(t)
        ]

    def tag(self, text: str) -> list[tuple[str, str]]:
        """Part-of-speech tagged words of ``text`` (jieba.posseg over the same dictionary), covering it exactly."""
        if self._tagger is None:
            self._tagger = _tagger_over(self._jieba)
        pairs: list[tuple[str, str]] = []
        position = 0
        matches = list(self._protected.finditer(text)) if self._protected is not None else []
        for m in matches:
            pairs.extend((p.word, p.flag) for p in self._tagger.cut(text[position : m.start()], HMM=False))
            pairs.append((m.group(0), "nz"))
            position = m.end()
        pairs.extend((p.word, p.flag) for p in self._tagger.cut(text[position:], HMM=False))
        return pairs
