"""Shared fixtures: a deterministic fake embedder, a small inline corpus, and indexes built into tmp folders."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# the per-client rate limit is off in tests (they ask from one address many times a second); test_api turns it on
os.environ["QA_RATE_LIMIT"] = "0"

ROOT = Path(__file__).resolve().parent.parent
REAL_CORPUS = ROOT / "corpus"


class FakeEmbedder:
    """Hash-seeded bag of character pairs: deterministic, fast, and similar texts get similar vectors."""

    def __init__(self, name: str = "fake-embedder", dimension: int = 64) -> None:
        self.name = name
        self.dimension = dimension

    def embed(self, texts, *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for i in range(max(len(text) - 1, 1)):
                digest = hashlib.blake2b(text[i : i + 2].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out


# Two small reports in the shape of the real ones: a review of one year and the plans of the next.
LIXIA_REPORT = """济南市历下区：推推进进国国际际化化一一流流中中心心城城区区跨跨越越发发展展

2022 年，历下完成一般公共预算收入161 . 3 亿元，可比增长9 . 7% ；新建、改扩建12
所中小学、幼儿园；市场主体达14 . 4 万户。

2023 年，历下将新建、改扩建中小学幼儿园10 处，增加学位
6630 个；新增保障性租赁住房 4100 套。

①历下区推动优质教育均衡发展
"""

SHIZHONG_REPORT = """济南市中区：聚焦提升 全面开创品质市中建设新局面

过去的一年，市中区信息通信业做大做强，实现税收4.46亿元，增长28.4%。加快德邦证券、山东人才普惠金融、齐鲁银行理财子公司等金融机构集聚。

新的一年，市中区将把2020年作为“聚焦提升年”，1月4日上午召开动员大会。
"""


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lixia-2023.txt").write_text(LIXIA_REPORT, encoding="utf-8")
    (folder / "shizhong-2020.txt").write_text(SHIZHONG_REPORT, encoding="utf-8")
    return folder


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def small_index(tmp_path: Path, small_corpus: Path, fake_embedder: FakeEmbedder):
    from qa.index.store import build_index

    index_dir = tmp_path / "index"
    index = build_index(small_corpus, index_dir, fake_embedder, target_chars=60, overlap_chars=20)
    return index, index_dir


@pytest.fixture
def small_qa(small_index, fake_embedder):
    from qa.answering.pipeline import QA

    index, _ = small_index
    # raw scores, not the dev-fitted calibration: that belongs to the real corpus and model
    return QA(index, fake_embedder, calibration=False, abstain_below=0.2)
