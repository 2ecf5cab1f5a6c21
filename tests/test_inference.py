"""The server's inference thread: model calls run there one at a time, waiting questions are embedded together and
each gets its own rows, errors reach the caller and the thread lives on, and indexing runs on its caller's thread."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qa.server.inference import SHORT_CALL, InferenceThread


class SlowEmbedder:
    """Rows that depend only on each text; each call takes a while and records its thread and size."""

    name = "slow"
    dimension = 4

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.calls: list[tuple[str, int]] = []

    def embed(self, texts, *, progress: bool = False) -> np.ndarray:
        if any(t == "boom" for t in texts):
            raise RuntimeError("the model failed")
        self.calls.append((threading.current_thread().name, len(texts)))
        time.sleep(self.delay)
        return np.array([[len(t), ord(t[0]), ord(t[-1]), 1.0] for t in texts], dtype=np.float32)


class CountingReader:
    """Records how many reads run at once."""

    name = "counting"

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def read(self, question, windows):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.threads.add(threading.current_thread().name)
        time.sleep(0.005)
        with self._lock:
            self.running -= 1
        if question == "boom":
            raise ValueError("bad read")
        return [question, len(windows)]


def test_waiting_questions_are_embedded_together_and_each_gets_its_own_rows():
    thread = InferenceThread(name="test-inference")
    inner = SlowEmbedder()
    embedder = thread.embedder(inner)
    questions = [f"问题{i}号" * (1 + i % 3) for i in range(40)]
    with ThreadPoolExecutor(16) as pool:
        rows = list(pool.map(lambda q: embedder.embed([q]), questions))
    for question, row in zip(questions, rows):
        assert np.array_equal(row, inner.embed([question]))
    shared = [size for name, size in inner.calls if name == "test-inference"]
    assert sum(shared) == len(questions) and max(shared) > 1  # batched, nothing lost or doubled
    assert max(thread.batches) > 1


def test_long_calls_run_on_the_callers_thread():
    inner = SlowEmbedder(delay=0)
    embedder = InferenceThread(name="test-inference").embedder(inner)
    texts = [f"段落{i}" for i in range(SHORT_CALL + 1)]
    assert embedder.embed(texts).shape == (len(texts), 4)
    assert inner.calls == [(threading.current_thread().name, len(texts))]
    assert embedder.embed([]).shape[0] == 0
    assert embedder.name == "slow" and embedder.dimension == 4


def test_an_embedding_error_reaches_every_waiting_caller_and_the_thread_lives_on():
    embedder = InferenceThread().embedder(SlowEmbedder())
    with pytest.raises(RuntimeError, match="the model failed"):
        embedder.embed(["boom"])
    assert embedder.embed(["还在"]).shape == (1, 4)


def test_reads_run_one_at_a_time_on_the_inference_thread():
    thread = InferenceThread(name="test-inference")
    inner = CountingReader()
    reader = thread.reader(inner)
    with ThreadPoolExecutor(12) as pool:
        out = list(pool.map(lambda i: reader.read(f"q{i}", [None] * i), range(30)))
    assert out == [[f"q{i}", i] for i in range(30)]
    assert inner.most == 1 and inner.threads == {"test-inference"}
    assert reader.name == "counting"  # what the health endpoint reads of the reader
    with pytest.raises(ValueError, match="bad read"):
        reader.read("boom", [])
    assert reader.read("after", []) == ["after", 0]
    assert thread.reader(None) is None  # the rules alone: nothing to wrap
