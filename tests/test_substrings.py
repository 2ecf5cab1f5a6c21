import random

import numpy as np
import pytest

from qa.index.substrings import SubstringCounts


def _scan(texts: list[str], term: str) -> list[int]:
    return [i for i, text in enumerate(texts) if term and term in text]


def _holding(counts: SubstringCounts, term: str) -> list[int]:
    found = counts.passages(term)
    assert found.dtype == np.int64
    return found.tolist()


def test_counts_equal_a_scan_on_random_texts_and_terms():
    rng = random.Random(7)
    alphabet = "历下区新增学位个亿元增长年5g𠀀的，。"  # a small alphabet makes shared pairs and near misses common
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    counts = SubstringCounts(texts)
    terms = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(2000)}
    for text in rng.sample(texts, 50):  # terms that occur, some of them only once
        if text:
            start = rng.randrange(len(text))
            terms.add(text[start : start + rng.randint(1, 8)])
    for term in terms:
        assert _holding(counts, term) == _scan(texts, term), term


def test_a_term_never_counts_across_two_passages():
    counts = SubstringCounts(["新增学", "位7000个", "学位"])
    assert _holding(counts, "学位") == [2]
    assert _holding(counts, "学位7") == []


def test_repeated_pairs_are_checked_in_the_text():
    # every pair of 增长增长 is in the first passage, the term itself is not
    counts = SubstringCounts(["增长了增长", "增长增长"])
    assert _holding(counts, "增长增长") == [1]
    assert _holding(counts, "长增") == [1]


def test_edge_terms_and_texts():
    counts = SubstringCounts(["", "gdp", "𠀀𠀁"])
    assert _holding(counts, "") == []
    assert _holding(counts, "\0") == []
    assert _holding(counts, "𠀀𠀁") == [2]
    assert _holding(counts, "p") == [1]
    assert _holding(SubstringCounts([]), "学位") == []
    with pytest.raises(ValueError):
        SubstringCounts(["含\0的文本"])


def test_spliced_counts_equal_counts_of_the_new_texts():
    rng = random.Random(5)
    alphabet = "历下区新增学位个亿元增长年5g𠀀的，。"
    for _ in range(30):
        old = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(rng.randint(1, 40))]
        kept = sorted(rng.sample(range(len(old)), rng.randint(0, len(old))))
        rows = [old[i] for i in kept]
        origin = list(kept)
        for _ in range(rng.randint(0, 8)):
            at = rng.randint(0, len(rows))
            rows.insert(at, "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))))
            origin.insert(at, None)
        moved = np.full(len(old), -1, dtype=np.int64)
        for position, i in enumerate(origin):
            if i is not None:
                moved[i] = position
        fresh = [p for p, i in enumerate(origin) if i is None]
        spliced = SubstringCounts(old).splice(moved, rows, fresh)
        terms = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(200)}
        for term in terms:
            assert _holding(spliced, term) == _scan(rows, term), term
