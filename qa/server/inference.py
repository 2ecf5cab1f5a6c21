"""One inference thread for the server: every request's model calls (the question's embedding, the reader's pass)
run on it, one after another, instead of on each request's own thread.

Both models are arithmetic-bound on the CPU (a question's embedding and its reader pass take ~15 and ~45 ms of both
cores), so several threads calling torch at once only divide the cores between them and multiply torch's working
memory; one thread keeps the cores on one call at a time, the memory to one call's, and leaves the request threads
the rules' Python work, which overlaps with it. Questions that wait together are embedded in one batch (their
vectors agree with one-at-a-time embedding to ~1e-7, as padding changes the arithmetic's order); the reader's passes
are never batched across questions, because its int8 layers scale each call's activations by that call's range.
Long embedding calls (a report being indexed) run on the caller's thread, so indexing never holds questions back.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from qa.index.embedding import document_vectors

logger = logging.getLogger(__name__)

# at most this many texts make a call "a question's embedding" (a batch to share); longer calls are indexing
SHORT_CALL = 4
MAX_BATCH = 32


@dataclass
class _Job:
    run: Callable[[], Any] | None  # a call of its own, or None for texts to embed with others
    texts: Sequence[str] = ()
    embedder: Any = None  # with texts: the embedder they go through
    future: Future = field(default_factory=Future)


class InferenceThread:
    """The thread and its queue. ``embedder(e)`` and ``reader(r)`` wrap models so that their calls run here."""

    def __init__(self, name: str = "inference") -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.batches: list[int] = []  # the sizes of the last embedding batches (for tests and the benchmark)
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def embedder(self, embedder) -> "QueuedEmbedder":
        return QueuedEmbedder(embedder, self)

    def reader(self, reader) -> "QueuedReader | None":
        return None if reader is None else QueuedReader(reader, self)

    def call(self, run: Callable[[], Any]) -> Any:
        """Run ``run()`` on the inference thread and return what it returns (or raise what it raises)."""
        job = _Job(run)
        self._jobs.put(job)
        return job.future.result()

    def embed(self, embedder, texts: Sequence[str]) -> np.ndarray:
        """Embed a few texts on the inference thread, in one batch with whatever other questions wait."""
        job = _Job(None, list(texts), embedder)
        self._jobs.put(job)
        return job.future.result()

    def _work(self) -> None:
        while True:
            waiting = [self._jobs.get()]
            while len(waiting) < MAX_BATCH:
                try:
                    waiting.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            by_embedder: dict[int, list[_Job]] = {}
            for job in waiting:
                if job.run is None:
                    by_embedder.setdefault(id(job.embedder), []).append(job)
            for shared in by_embedder.values():
                self._embed_together(shared)
            for job in waiting:
                if job.run is not None:
                    _settle(job.future, job.run)

    def _embed_together(self, jobs: list[_Job]) -> None:
        texts = [text for job in jobs for text in job.texts]
        try:
            vectors = jobs[0].embedder.embed(texts)
        except BaseException as exc:  # each waiting question gets the error, and the thread lives on
            for job in jobs:
                job.future.set_exception(exc)
            return
        self.batches = (self.batches + [len(texts)])[-64:]
        at = 0
        for job in jobs:
            job.future.set_result(vectors[at : at + len(job.texts)])
            at += len(job.texts)


def _settle(future: Future, run: Callable[[], Any]) -> None:
    try:
        future.set_result(run())
    except BaseException as exc:
        future.set_exception(exc)


class QueuedEmbedder:
    """An embedder whose short calls run on the inference thread, batched; long ones on the caller's thread."""

    def __init__(self, embedder, thread: InferenceThread) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self._thread = thread

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if 0 < len(texts) <= SHORT_CALL and not progress:
            return self._thread.embed(self.inner, texts)
        return self.inner.embed(texts, progress=progress)

    def embed_documents(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Reports' passages and sentences: on the caller's (indexing) thread, in the inner embedder's precision."""
        return document_vectors(self.inner, texts, progress=progress)


class QueuedReader:
    """A reader whose passes run on the inference thread, one question at a time."""

    def __init__(self, reader, thread: InferenceThread) -> None:
        self.inner = reader
        self._thread = thread

    def __getattr__(self, name: str):  # name, meta … of the reader it wraps
        return getattr(self.inner, name)

    def read(self, question, windows):
        return self._thread.call(lambda: self.inner.read(question, windows))
