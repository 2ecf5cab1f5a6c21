"""Document changes through the API: ``POST``/``PUT``/``DELETE /api/documents``, behind a bearer token.

A change is checked cheaply at once (token, size, type by content, metadata, id) and answered 202 with the report's
id; a worker thread then applies the changes one at a time through ``qa.index.library.Library`` (the full read, the corpus,
the rebuild that reuses unchanged vectors) and swaps the served answerer for one over the new index. Questions asked
meanwhile are answered from the old index, whole; a failed change leaves everything as it was, with the reason in
``GET /api/documents`` and ``GET /api/changes``. Each accepted change is kept on disk until it is done (``<index>.pending/``), so a restart
runs what a kill interrupted.
"""
from __future__ import annotations

import gc
import hmac
import json
import logging
import os
import queue
import threading
import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, Sequence

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from qa.errors import CorpusError
from qa.schema import Document
from qa.ingest.corpus import DOC_ID, META_FIELDS
from qa.ingest.formats import MAX_FILE_BYTES, TooLarge, WrongKind, check_kind
from qa.index.housekeeping import release_memory
from qa.index.library import Library, check_metadata, report_id
from qa.settings import Settings
from qa.server.guards import is_documents_path
from qa.server.loading import NotReady, QAHolder, public_reason
from qa.server.models import DocumentOut, ErrorOut, JobOut, document_out

logger = logging.getLogger(__name__)

WRITE_METHODS = {"POST", "PUT", "DELETE"}


@dataclass(frozen=True)
class Job:
    """One accepted change and how far it got."""

    seq: int
    doc_id: str
    action: str  # add, replace, remove
    status: str  # queued, indexing, done, failed
    file: str | None = None
    reason: str | None = None
    submitted: str = ""


class DocumentJobs:
    """The queue of document changes and the worker that applies them, one at a time."""

    def __init__(self, holder: QAHolder, settings: Settings, library_factory: Callable[[Any], Library] | None = None) -> None:
        self.holder = holder
        self.settings = settings
        self.pending_dir = settings.index_dir.parent / f".{settings.index_dir.name}.pending"
        self.jobs: dict[str, Job] = {}  # doc_id -> its latest change
        self._queue: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._seq = 0
        self._library: Library | None = None
        self._library_factory = library_factory or (
            lambda qa: Library(settings.corpus_dir, settings.index_dir, qa.retriever.embedder, max_documents=settings.max_documents,
                               index=qa.index)
        )
        self._started = False

    # --- accepting -------------------------------------------------------------------------------------------------

    def submit(self, action: str, doc_id: str, data: bytes | None = None, file: str | None = None, metadata: dict | None = None) -> Job:
        """Queue a change (after the caller's checks); it is written to disk first, so a restart still runs it."""
        with self._lock:
            waiting = sum(1 for j in self.jobs.values() if j.status in ("queued", "indexing"))
            if waiting >= self.settings.max_pending:
                raise HTTPException(429, f"{waiting} document changes are waiting; try again when some are done")
            current = self.jobs.get(doc_id)
            if current is not None and current.status in ("queued", "indexing"):
                raise HTTPException(409, f"a change to {doc_id!r} is already {current.status}; wait for it")
            self._seq += 1
            job = Job(self._seq, doc_id, action, "queued", file, None, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            self._persist(job, data, metadata or {})
            self.jobs[doc_id] = job
        self._queue.put(job)
        return job

    def _persist(self, job: Job, data: bytes | None, metadata: dict) -> None:
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        stem = self.pending_dir / f"{job.seq:08d}"
        if data is not None:
            (stem.with_suffix(".part")).write_bytes(data)
            os.replace(stem.with_suffix(".part"), stem.with_suffix(".bin"))
        record = {**asdict(job), "metadata": metadata}
        stem.with_suffix(".tmp").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(stem.with_suffix(".tmp"), stem.with_suffix(".json"))

    def _forget(self, job: Job) -> None:
        stem = self.pending_dir / f"{job.seq:08d}"
        stem.with_suffix(".json").unlink(missing_ok=True)
        stem.with_suffix(".bin").unlink(missing_ok=True)

    # --- working ---------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Re-queue the changes a restart found on disk, then start the worker."""
        if self._started:
            return
        self._started = True
        if self.pending_dir.is_dir():
            for path in sorted(self.pending_dir.glob("*.json")):
                try:
                    record = json.loads(path.read_text(encoding="utf-8"))
                    job = Job(**{k: record[k] for k in Job.__dataclass_fields__})
                except (OSError, ValueError, KeyError, TypeError):
                    logger.warning("dropped an unreadable pending change %s", path.name)
                    path.unlink(missing_ok=True)
                    continue
                job = replace(job, status="queued")
                self._seq = max(self._seq, job.seq)
                self.jobs[job.doc_id] = job
                self._queue.put(job)
                logger.info("resuming the %s of %s, interrupted by a restart", job.action, job.doc_id)
            for leftover in self.pending_dir.glob("*.part"):
                leftover.unlink(missing_ok=True)
        threading.Thread(target=self._work, name="document-jobs", daemon=True).start()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            qa = self._wait_for_answerer()
            if qa is None:
                self._finish(job, "failed", "the index could not be loaded, so no change can be made")
                continue
            self._set(job, status="indexing")
            try:
                index = self._apply(job, qa)
            except CorpusError as exc:
                self._finish(job, "failed", str(exc))
                continue
            except Exception as exc:  # a full disk, a model error: the change is refused, the server goes on
                logger.exception("the %s of %s failed", job.action, job.doc_id)
                self._finish(job, "failed", public_reason(exc))
                continue
            self.holder.swap(qa.with_index(index))
            self._finish(job, "done", None)
            logger.info("%s %s: now %d reports", job.action, job.doc_id, len(index.documents))

    def _apply(self, job: Job, qa: Any):
        if self._library is None:
            self._library = self._library_factory(qa)
        reports = self._library.reports()
        if job.action == "remove":
            if job.doc_id not in reports:  # removed, and indexed at start, before a kill interrupted the job
                return qa.index
            return self._library.remove(job.doc_id)
        stem = self.pending_dir / f"{job.seq:08d}"
        record = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        data = stem.with_suffix(".bin").read_bytes()
        filename, metadata = job.file or job.doc_id, record.get("metadata") or {}
        if self._library.holds(reports.get(job.doc_id), data, filename, metadata) and job.doc_id in {d.doc_id for d in qa.documents}:
            return qa.index  # written, and indexed at start, before a kill interrupted the job
        _, index = self._library.add(data, filename, metadata, doc_id=job.doc_id, replace=job.action == "replace")
        return index

    def _wait_for_answerer(self) -> Any:
        while True:
            try:
                return self.holder.get()
            except NotReady as exc:
                if exc.status == "failed":
                    return None
                time.sleep(0.5)

    def _set(self, job: Job, **changes: Any) -> Job:
        with self._lock:
            updated = replace(self.jobs.get(job.doc_id, job), **changes)
            self.jobs[job.doc_id] = updated
            return updated

    def _finish(self, job: Job, status: str, reason: str | None) -> None:
        self._set(job, status=status, reason=reason)
        self._forget(job)
        if status == "failed":
            logger.warning("the %s of %s failed: %s", job.action, job.doc_id, reason)
            gc.collect()
            release_memory()  # a refused file (a bomb read up to its cap) leaves its pages to glibc otherwise

    def pending(self) -> list[Job]:
        """The changes not done: queued, indexing or failed, oldest first."""
        with self._lock:
            return sorted((j for j in self.jobs.values() if j.status != "done"), key=lambda j: j.seq)


def documents_with_status(documents: Sequence[Document], pending: Sequence[Job]) -> list[DocumentOut]:
    """The reports of the index with their status (ready; or queued/indexing while a replacement or removal waits;
    the reason when their last change failed), then the new reports on their way in, or whose addition failed."""
    changes = {job.doc_id: job for job in pending}
    out = []
    for doc in documents:
        job = changes.pop(doc.doc_id, None)
        row = document_out(doc)
        if job is not None:
            failed = job.status == "failed"
            row = row.model_copy(update={"status": "ready" if failed else job.status,
                                         "reason": f"the {job.action} failed: {job.reason}" if failed else None})
        out.append(row)
    for job in changes.values():
        if job.action != "remove":
            out.append(DocumentOut(doc_id=job.doc_id, title=job.file or job.doc_id, district=None, year=None,
                                   review_year=None, source=None, date=None, chars=None, status=job.status, reason=job.reason))
    return out


def job_out(job: Job) -> JobOut:
    return JobOut(doc_id=job.doc_id, action=job.action, status=job.status, file=job.file, reason=job.reason, submitted=job.submitted)


# --- the token, before any body is read ------------------------------------------------------------------------------


class DocumentWrites:
    """ASGI middleware: a write to /api/documents needs ``Authorization: Bearer <QA_API_TOKEN>``; checked before the
    body is read, so nobody without the token can make the server take in a file. No token configured: writes off."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["method"] in WRITE_METHODS and is_documents_path(scope["path"]):
            refusal = self._refusal(dict(scope["headers"]).get(b"authorization", b"").decode("latin-1"))
            if refusal:
                status, detail = refusal
                headers = {"WWW-Authenticate": 'Bearer realm="reportqa"'} if status == 401 else {}
                return await JSONResponse({"detail": detail}, status_code=status, headers=headers)(scope, receive, send)
        await self.app(scope, receive, send)

    def _refusal(self, authorization: str) -> tuple[int, str] | None:
        if not self.token:
            return 403, "adding, replacing and removing reports is off on this server: start it with QA_API_TOKEN set"
        scheme, _, value = authorization.partition(" ")
        if not authorization or scheme.lower() != "bearer":
            return 401, "this needs the API token: send Authorization: Bearer <token>"
        if not hmac.compare_digest(value.strip().encode(), self.token.encode()):
            return 403, "the API token is wrong"
        return None


# --- the routes -------------------------------------------------------------------------------------------------------

router = APIRouter(prefix="/api", tags=["documents"])
WRITE_ERRORS = {
    401: {"model": ErrorOut, "description": "no token sent"},
    403: {"model": ErrorOut, "description": "wrong token, or writes are off (no QA_API_TOKEN)"},
    413: {"model": ErrorOut}, 415: {"model": ErrorOut, "description": "not a PDF, DOCX, HTML or text file, by content"},
    409: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut},
}


async def _read_upload(request: Request) -> tuple[bytes, str, dict, str | None]:
    """The form's file, its name, the metadata fields and an optional ``doc_id``; 4xx for a malformed form."""
    try:
        form = await request.form(max_files=1, max_fields=len(META_FIELDS) + 2, max_part_size=4096)
    except Exception as exc:  # starlette raises MultiPartException, or a plain error for a body that is no form
        raise HTTPException(422, f"send a multipart form with the report in the field `file` ({type(exc).__name__})") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "send the report in the form field `file`")
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise HTTPException(413, f"a report may be at most {MAX_FILE_BYTES} bytes")
    name = (upload.filename or "").replace("\x00", "")
    unknown = [k for k in form.keys() if k not in (*META_FIELDS, "file", "doc_id")]
    if unknown:
        raise HTTPException(422, f"unknown form field {unknown[0]!r}; known: file, doc_id, {', '.join(META_FIELDS)}")
    metadata = {k: form.get(k) for k in META_FIELDS if isinstance(form.get(k), str)}
    doc_id = form.get("doc_id") if isinstance(form.get("doc_id"), str) and form.get("doc_id") else None
    return data, name, metadata, doc_id


def _checked(data: bytes, name: str, metadata: dict) -> None:
    """The cheap checks, done before answering: the kind by name and content (415), size and metadata (413, 422)."""
    try:
        check_kind(data, name)
        check_metadata(metadata)
    except WrongKind as exc:
        raise HTTPException(415, str(exc)) from None
    except TooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except CorpusError as exc:
        raise HTTPException(422, str(exc)) from None


def _jobs(request: Request) -> DocumentJobs:
    return request.app.state.jobs


def _ready_ids(request: Request) -> set[str]:
    try:
        return {d.doc_id for d in request.app.state.holder.get().documents}
    except NotReady as exc:
        raise HTTPException(503, exc.reason) from None


@router.post("/documents", status_code=202, response_model=JobOut, responses=WRITE_ERRORS)
async def add_document(request: Request) -> JobOut:
    """Add a report: a multipart form with the file in `file` (PDF, DOCX, HTML, TXT) and optional `doc_id`, title,
    district, year, review_year, source, date. Answers 202 with its id at once; `GET /api/documents` shows its status
    (queued, indexing, then listed as ready, or failed with the reason)."""
    data, name, metadata, doc_id = await _read_upload(request)
    _checked(data, name, metadata)
    doc_id = doc_id or report_id(name, data)
    if not DOC_ID.match(doc_id):
        raise HTTPException(422, f"{doc_id!r} is not a valid id: letters, digits, '-', '_' and '.' only")
    if doc_id in _ready_ids(request):
        raise HTTPException(409, f"a report with the id {doc_id!r} exists; PUT /api/documents/{doc_id} replaces it")
    return job_out(_jobs(request).submit("add", doc_id, data, name, metadata))


@router.put("/documents/{doc_id}", status_code=202, response_model=JobOut, responses={404: {"model": ErrorOut}, **WRITE_ERRORS})
async def replace_document(doc_id: str, request: Request) -> JobOut:
    """Replace a report's file (and metadata) under the same id; the same form as POST."""
    if doc_id not in _ready_ids(request):
        raise HTTPException(404, f"no document {doc_id!r}; POST /api/documents adds one")
    data, name, metadata, _ = await _read_upload(request)
    _checked(data, name, metadata)
    return job_out(_jobs(request).submit("replace", doc_id, data, name, metadata))


@router.delete("/documents/{doc_id}", status_code=202, response_model=JobOut, responses={404: {"model": ErrorOut}, **WRITE_ERRORS})
def delete_document(doc_id: str, request: Request) -> JobOut:
    """Remove a report; answered 202 at once, gone from the index (and from answers) once its status is done."""
    if doc_id not in _ready_ids(request):
        raise HTTPException(404, f"no document {doc_id!r}; GET /api/documents lists them")
    return job_out(_jobs(request).submit("remove", doc_id))


@router.get("/changes", response_model=list[JobOut])
def list_changes(request: Request) -> list[JobOut]:
    """Every change since the server started, newest last: queued, indexing, done or failed (with the reason)."""
    return [job_out(j) for j in sorted(_jobs(request).jobs.values(), key=lambda j: j.seq)]
