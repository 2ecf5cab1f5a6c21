"""Loading the answerer once, in the background: ``load_qa`` builds or rebuilds the index when it must, ``QAHolder``
keeps the loaded object (or why there is none) for the routes and the page."""
from __future__ import annotations

import gc
import logging
import re
import threading
import time
from typing import Any, Callable, Protocol, Sequence

from fastapi import Request

from qa.schema import Document, Result, Turn
from qa.settings import Settings

logger = logging.getLogger(__name__)


class Answerer(Protocol):
    """What the shell needs from ``qa.answering.pipeline.QA`` (the tests pass a fake of the same shape)."""

    documents: Sequence[Document]
    index: Any  # .manifest.embedding_model, .passages

    def ask(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = ()) -> Result: ...


class NotReady(Exception):
    """The QA object is not available: still loading, or loading failed."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def settle() -> None:
    """Move every object alive now (the index just loaded or swapped in: hundreds of thousands of passages,
    sentences and token lists at 2,000 reports) out of the cyclic collector's reach: they live until the next swap
    and are freed by reference counting then. Without it each full collection walks them all (0.2-0.3 s at 2,000
    reports), landing on whichever request or change happens to allocate. The heap memory freed by then (the
    index swapped out, what loading or changing left) goes back to the system."""
    from qa.index.housekeeping import release_memory

    gc.freeze()
    release_memory()


class QAHolder:
    """The shared, read-only QA object once loaded, or why it is not there. The loader thread sets it once; the
    document worker replaces it (``swap``) with one over a rebuilt index."""

    def __init__(self, loader: Callable[[], Answerer]) -> None:
        self.loader = loader
        self.qa: Answerer | None = None
        self.error: str | None = None
        self.degraded: str | None = None  # why the index served is not the corpus's newest, when it is not
        self.started: float | None = None
        self.last_asked = 0.0  # when a request last asked for the answerer (the page is built in a quiet moment)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start loading in a daemon thread, unless it has already started."""
        with self._lock:
            if self.started is not None:
                return
            self.started = time.monotonic()
        threading.Thread(target=self._load, name="qa-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            qa = self.loader()
        except Exception as exc:  # any failure becomes a 503 with its reason instead of a dead server
            logger.exception("loading the index failed")
            self.error = public_reason(exc)
            return
        self.qa = qa
        settle()
        logger.info("index ready after %.1f s", time.monotonic() - (self.started or 0.0))

    def swap(self, qa: Answerer) -> None:
        """Serve ``qa`` from now on (one assignment: a request holds the old object or the new, whole); the index it
        answers from is built from the corpus as it is, so a degraded state is over."""
        self.qa = qa
        self.degraded = None
        settle()

    def degrade(self, reason: str) -> None:
        """Record that answers come from an older index than the corpus asks for, and why."""
        self.degraded = reason

    def get(self) -> Answerer:
        """The QA object; raises ``NotReady`` with a reason while loading or after a failure."""
        self.last_asked = time.monotonic()
        if self.qa is not None:
            return self.qa
        if self.error is not None:
            raise NotReady("failed", f"the index could not be loaded: {self.error}")
        if self.started is None:
            raise NotReady("loading", "the index has not started loading")
        waited = time.monotonic() - self.started
        raise NotReady("loading", f"the index and model are still loading ({waited:.0f} s so far); retry shortly")


_ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:[^\s/'\"():,]+/)+([^\s/'\"():,]*)")
_SOURCE_LOCATION = re.compile(r"Error in .+? at \S+?:\d+:\s*")


def public_reason(exc: BaseException) -> str:
    """What went wrong, for a client: the exception's kind and message with folders and library source locations
    left out (``/srv/qa/index/manifest.json`` → ``manifest.json``); the log keeps the whole of it."""
    text = _SOURCE_LOCATION.sub("", str(exc))
    return f"{type(exc).__name__}: {_ABSOLUTE_PATH.sub(lambda m: m.group(1) or '/', text)}".strip()


def load_qa(settings: Settings, on_degraded: Callable[[str], None] | None = None) -> Answerer:
    """Load the index and model named by ``settings``, building the index first when missing, stale, mismatched or
    damaged. When that build fails (a report that cannot be read, a full disk) and a valid index from an earlier
    build is there, it keeps answering and ``on_degraded`` is told why; with none, the build's error is raised."""
    from qa.index.embedding import load_embedder
    from qa.server.inference import InferenceThread
    from qa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError, QAError, StaleIndexError
    from qa.index.housekeeping import remove_leftovers
    from qa.index.store import Index, build_index
    from qa.answering.pipeline import QA, answerer_options

    from qa.index.library import recover

    remove_leftovers(settings.index_dir)
    recover(settings.corpus_dir)  # a report change killed midway: rolled back, or kept to be indexed now
    # the models' calls run on one inference thread (qa.server.inference), whichever request makes them
    inference = InferenceThread()
    options = answerer_options(settings.reader)
    reader, general = options["reader"], options["general_reader"]
    options["reader"] = inference.reader(reader)
    options["general_reader"] = options["reader"] if general is reader else inference.reader(general)
    embedder = inference.embedder(load_embedder(settings.embedding_model, documents=settings.document_precision))
    paths = {"corpus_dir": settings.corpus_dir, "embedding_model": settings.embedding_model}
    try:
        Index.check(settings.index_dir, **paths)
        return QA.load(settings.index_dir, **paths, embedder=embedder, **options)
    except (IndexMissingError, StaleIndexError, IndexMismatchError) as exc:  # IndexDamagedError is a StaleIndexError
        problem = exc
    logger.info("building the index in %s first (%s)", settings.index_dir, problem)
    started = time.perf_counter()
    try:
        # a corpus changed since the build (a change killed midway, reports dropped in by hand) changes the saved
        # index by the reports that differ; a damaged one, or one another code version or model made (build_index
        # finds it cannot be loaded as it is), is built again from scratch
        build_index(settings.corpus_dir, settings.index_dir, embedder, progress=False,
                    reuse=not isinstance(problem, IndexDamagedError))
    except Exception as exc:
        logger.exception("building the index failed")
        if isinstance(problem, IndexDamagedError):
            raise QAError(f"{public_reason(problem)}; rebuilding it from the corpus failed: {public_reason(exc)}") from exc
        try:  # the last good index, built from the corpus as it was before, keeps answering
            qa = QA.load(settings.index_dir, embedding_model=settings.embedding_model, embedder=embedder, **options)
        except QAError:
            raise exc from None
        reason = f"the index could not be rebuilt ({public_reason(exc)}); answering from the last good index, built {qa.index.manifest.built_at}"
        logger.warning(reason)
        if on_degraded is not None:
            on_degraded(reason)
        return qa
    logger.info("built the index in %.1f s", time.perf_counter() - started)
    return QA.load(settings.index_dir, **paths, embedder=embedder, **options)


def get_qa(request: Request) -> Answerer:
    """FastAPI dependency: the shared QA object (replace it in tests with ``app.dependency_overrides[get_qa]``)."""
    return request.app.state.holder.get()
