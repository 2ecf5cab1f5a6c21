"""BM25, dense search and their fusion."""
import numpy as np
import pytest

from qa.index.dense import DenseIndex
from qa.retrieve.fusion import normalise_max, weighted_fusion
from qa.index.lexical import BM25
from qa.retrieve.retrieval import Retriever


def test_bm25_ranks_the_passage_with_the_rare_term_first():
    bm25 = BM25([["历下", "学位", "新增"], ["历下", "公园"], ["历下", "学位"]])
    ranked = bm25.search(["公园"], 3)
    assert ranked[0][0] == 1 and len(ranked) == 1
    assert bm25.search(["不存在"], 3) == []


def test_dense_index_returns_cosines_and_survives_a_round_trip(tmp_path):
    vectors = np.eye(3, dtype=np.float32)
    index = DenseIndex.build(vectors)
    assert index.search(vectors[2], 1)[0][0] == 2
    index.save(tmp_path / "d.faiss")
    again = DenseIndex.load(tmp_path / "d.faiss")
    assert again.search(vectors[1], 1)[0] == (1, pytest.approx(1.0))


def test_weighted_fusion_respects_the_weight():
    lexical, dense = np.array([10.0, 0.0]), np.array([0.1, 0.9])
    assert np.argmax(weighted_fusion(lexical, dense, lexical_weight=1.0)) == 0
    assert np.argmax(weighted_fusion(lexical, dense, lexical_weight=0.0)) == 1
    with pytest.raises(ValueError):
        weighted_fusion(lexical, dense, lexical_weight=1.5)
    assert list(normalise_max(np.array([0.0, 0.0]))) == [0.0, 0.0]


def test_hybrid_search_finds_the_passage(small_index, fake_embedder):
    index, _ = small_index
    hits = Retriever(index, fake_embedder).search("信息通信业税收", 2)
    assert "信息通信业" in hits[0].passage.text
    assert hits[0].score >= hits[1].score


def test_bm25_postings_give_the_textbook_scores():
    """The postings-based scores equal Okapi BM25 computed passage by passage, for every query token set."""
    import math
    import random
    from collections import Counter

    rng = random.Random(3)
    vocabulary = [f"词{i}" for i in range(40)]
    passages = [[rng.choice(vocabulary) for _ in range(rng.randint(0, 30))] for _ in range(60)]
    bm25 = BM25(passages)
    mean = sum(map(len, passages)) / len(passages)
    for _ in range(20):
        query = [rng.choice(vocabulary + ["生词"]) for _ in range(rng.randint(1, 6))]
        expected = []
        for tokens in passages:
            tf, score = Counter(tokens), 0.0
            for token in set(query):
                df = sum(token in p for p in passages)
                if tf[token]:
                    idf = math.log(1 + (len(passages) - df + 0.5) / (df + 0.5))
                    score += idf * tf[token] * 2.2 / (tf[token] + 1.2 * (0.25 + 0.75 * len(tokens) / mean))
            expected.append(score)
        assert np.allclose(bm25.scores(query), expected, rtol=1e-12, atol=1e-12)


def test_dense_scores_are_every_rows_cosine():
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[4] + 0.1
    assert np.allclose(DenseIndex.build(vectors).scores(query), vectors @ query, atol=1e-5)


def _random_change(rng, n_old):
    """A random change of a passage list: which old passages stay (in order), and where new ones go."""
    kept = sorted(rng.sample(range(n_old), rng.randint(0, n_old)))
    rows = [("old", i) for i in kept]
    for _ in range(rng.randint(0, 6)):
        rows.insert(rng.randint(0, len(rows)), ("new", None))
    moved = np.full(n_old, -1, dtype=np.int64)
    fresh = []
    for position, (kind, i) in enumerate(rows):
        if kind == "old":
            moved[i] = position
        else:
            fresh.append(position)
    return rows, moved, fresh


def test_a_spliced_bm25_scores_as_one_built_from_the_new_token_lists():
    import random

    rng = random.Random(11)
    words = ["历下", "学位", "新增", "公园", "增长", "亿元", "5g", "泺源智谷", "停车", "泊位"]
    for _ in range(40):
        old = [[rng.choice(words) for _ in range(rng.randint(0, 8))] for _ in range(rng.randint(1, 12))]
        rows, moved, fresh = _random_change(rng, len(old))
        new = [old[i] if kind == "old" else [rng.choice(words + ["新词"]) for _ in range(rng.randint(0, 8))] for kind, i in rows]
        spliced = BM25(old).splice(moved, len(new), {p: new[p] for p in fresh})
        built = BM25(new)
        for query in (rng.sample(words + ["新词", "无"], 3) for _ in range(10)):
            assert spliced.scores(query).tolist() == built.scores(query).tolist()


def test_a_splice_leaves_the_bm25_it_came_from_as_it_was():
    old = BM25([["历下", "学位"], ["公园"]])
    before = old.scores(["历下", "公园", "新词"]).tolist()
    old.splice(np.array([1, -1]), 3, {0: ["新词", "公园"], 2: ["新词"]})
    assert old.scores(["历下", "公园", "新词"]).tolist() == before
