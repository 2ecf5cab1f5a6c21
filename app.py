"""The serving shell: JSON API under /api, the Gradio chat at /, one uvicorn process; all answering is ``qa.pipeline.QA``."""
from __future__ import annotations

import argparse
import html
import logging
import math
import os
import re
import threading
import time
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any, Callable, Protocol, Sequence

# Set before Gradio is imported: nothing may be fetched at run time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402
from starlette.routing import Match  # noqa: E402
from fastapi_offline import FastAPIOffline  # noqa: E402
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints  # noqa: E402

from qa.errors import QuestionError  # noqa: E402
from qa.schema import Citation, Document, Result  # noqa: E402
from qa.serialize import result_to_dict  # noqa: E402
from qa.settings import Settings  # noqa: E402

# Named explicitly: run as a script, __name__ would be "__main__".
logger = logging.getLogger("app")

MAX_QUESTION_CHARS = 500
MAX_HISTORY = 20
API_BODY_LIMIT = 64 * 1024
# The chat page posts its whole history with every turn, so it gets more room than the API.
PAGE_BODY_LIMIT = 4 * 1024 * 1024
EXAMPLES = [
    "历下2024年新增学位多少",
    "2022年历下区一般公共预算收入完成了多少？",
    "2024年历下区项目建设全年要投进去多少钱？",
    "2019年济南市中区外贸进出口总额是多少？",
    "2023年接受齐鲁晚报·齐鲁壹点记者采访的历下区区长是谁？",
]


class Answerer(Protocol):
    """What the shell needs from ``qa.pipeline.QA`` (the tests pass a fake of the same shape)."""

    documents: Sequence[Document]
    index: Any  # .manifest.embedding_model, .passages

    def ask(self, question: str, *, top_k: int | None = None, history: Sequence[str] = ()) -> Result: ...


# ---------------------------------------------------------------------------------------------------------------------
# Loading: once, in a background thread started by the lifespan, so the server answers 503 (not "connection refused")
# while the index is built or loaded.


class NotReady(Exception):
    """The QA object is not available: still loading, or loading failed."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class QAHolder:
    """The shared, read-only QA object once loaded, or why it is not there; only the loader thread writes it."""

    def __init__(self, loader: Callable[[], Answerer]) -> None:
        self.loader = loader
        self.qa: Answerer | None = None
        self.error: str | None = None
        self.degraded: str | None = None  # why the index served is not the corpus's newest, when it is not
        self.started: float | None = None
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
        logger.info("index ready after %.1f s", time.monotonic() - (self.started or 0.0))

    def degrade(self, reason: str) -> None:
        """Record that answers come from an older index than the corpus asks for, and why."""
        self.degraded = reason

    def get(self) -> Answerer:
        """The QA object; raises ``NotReady`` with a reason while loading or after a failure."""
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
    from qa.embedding import SentenceEmbedder
    from qa.errors import IndexDamagedError, IndexMismatchError, IndexMissingError, QAError, StaleIndexError
    from qa.index import Index, build_index, remove_leftovers
    from qa.pipeline import QA

    remove_leftovers(settings.index_dir)
    options = settings.answerer_options()
    paths = {"corpus_dir": settings.corpus_dir, "embedding_model": settings.embedding_model}
    try:
        Index.check(settings.index_dir, **paths)
        return QA.load(settings.index_dir, **paths, **options)
    except (IndexMissingError, StaleIndexError, IndexMismatchError) as exc:  # IndexDamagedError is a StaleIndexError
        problem = exc
    logger.info("building the index in %s first (%s)", settings.index_dir, problem)
    started = time.perf_counter()
    embedder = SentenceEmbedder(settings.embedding_model)
    try:
        build_index(settings.corpus_dir, settings.index_dir, embedder, progress=False)
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


# ---------------------------------------------------------------------------------------------------------------------
# HTTP models: Pydantic only here, converted from the library's dataclasses.

def _stripped(text: str) -> str:
    if not text.strip():
        raise ValueError("the question is empty")
    return text.strip()


def _whole_number(value: Any) -> Any:
    """2.0 is the integer 2 in JSON Schema's sense; 2.5 and "2" stay what they are and are refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# the length limit holds for the text as sent, before surrounding white space is trimmed
QuestionText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUESTION_CHARS), AfterValidator(_stripped)]
HistoryItem = Annotated[str, StringConstraints(max_length=MAX_QUESTION_CHARS), AfterValidator(str.strip)]
TopK = Annotated[int, BeforeValidator(_whole_number)]


class AskRequest(BaseModel):
    """A question, how many passages to retrieve, and the earlier questions of the same chat (oldest first)."""

    # strict: 123 is not a question and "5" is not a top_k; forbid: a misspelt field is an error, not ignored
    model_config = ConfigDict(strict=True, extra="forbid")

    question: QuestionText
    top_k: TopK = Field(5, ge=1, le=20)
    history: list[HistoryItem] = Field(default_factory=list, max_length=MAX_HISTORY)


class CitationOut(BaseModel):
    """Offsets are character offsets into the document's canonical text (``GET /api/documents/{doc_id}``)."""

    doc_id: str
    title: str
    year: int | None
    district: str | None
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    stance: str | None = None


class AnswerOut(BaseModel):
    text: str
    score: float
    citation: CitationOut


class PassageOut(BaseModel):
    doc_id: str
    title: str
    start: int
    end: int
    text: str
    score: float
    passage_id: int
    section: str
    bm25: float
    dense: float


class AskResponse(BaseModel):
    question: str
    resolved_question: str
    answer: str | None
    abstained: bool
    confidence: float
    message: str
    answers: list[AnswerOut]
    citations: list[CitationOut]
    passages: list[PassageOut]
    latency_ms: float


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    district: str | None
    year: int | None
    review_year: int | None
    source: str | None
    date: str | None
    chars: int


class DocumentTextOut(DocumentOut):
    text: str


class HealthOut(BaseModel):
    status: str
    documents: int
    passages: int
    embedding_model: str
    answerer: str = "rules"  # "hybrid": the rules and the trained reader, decided by the ranker; "rules": the rules alone
    detail: str | None = None  # with status "degraded": why the index served is not built from the corpus as it is now


class ErrorOut(BaseModel):
    detail: str


def ask_response(result: Result, titles: dict[str, str]) -> AskResponse:
    """Convert the library's ``Result`` into the response model (the shape ``qa ask --json`` prints too)."""
    return AskResponse.model_validate(result_to_dict(result, titles))


def document_out(doc: Document, *, with_text: bool = False) -> DocumentOut:
    fields = dict(
        doc_id=doc.doc_id, title=doc.title, district=doc.district, year=doc.year, review_year=doc.review_year,
        source=doc.source, date=doc.date, chars=len(doc.text),
    )
    return DocumentTextOut(**fields, text=doc.text) if with_text else DocumentOut(**fields)


# ---------------------------------------------------------------------------------------------------------------------
# Routes. Sync functions: FastAPI runs them in its threadpool, so a slow ask never blocks the event loop.

NOT_READY = {503: {"model": ErrorOut, "description": "the index is still loading, or failed to load"}}
router = APIRouter(prefix="/api", tags=["api"])
QADep = Annotated[Answerer, Depends(get_qa)]


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={422: {"model": ErrorOut, "description": "invalid request"}, 413: {"model": ErrorOut}, **NOT_READY},
)
def ask(body: AskRequest, qa: QADep) -> AskResponse:
    """Answer a question from the reports, with citations; abstains when the reports do not say."""
    history = [h for h in body.history if h]
    try:
        result = qa.ask(body.question, top_k=body.top_k, history=history)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return ask_response(result, {d.doc_id: d.title for d in qa.documents})


@router.get("/documents", response_model=list[DocumentOut], responses=NOT_READY)
def list_documents(qa: QADep) -> list[DocumentOut]:
    """The reports in the index, with their metadata."""
    return [document_out(doc) for doc in qa.documents]


@router.get("/documents/{doc_id}", response_model=DocumentTextOut, responses={404: {"model": ErrorOut}, **NOT_READY})
def get_document(doc_id: str, qa: QADep) -> DocumentOut:
    """One report with its canonical text: every offset in an answer points into this text."""
    for doc in qa.documents:
        if doc.doc_id == doc_id:
            return document_out(doc, with_text=True)
    raise HTTPException(status_code=404, detail=f"no document {doc_id!r}; GET /api/documents lists them")


@router.get("/health", response_model=HealthOut, response_model_exclude_none=True, responses=NOT_READY)
def health(qa: QADep, request: Request) -> HealthOut:
    """200 once the index and model are loaded ("degraded" with the reason when a rebuild failed and the last good
    index answers); 503 with the reason before that."""
    degraded = request.app.state.holder.degraded
    return HealthOut(
        status="degraded" if degraded else "ok",
        detail=degraded,
        documents=len(qa.documents),
        passages=len(qa.index.passages),
        embedding_model=qa.index.manifest.embedding_model,
        answerer="hybrid" if getattr(qa, "reader", None) is not None and getattr(qa, "ranker", None) is not None else "rules",
    )


def readable(error: dict) -> str:
    """One validation error as ``field: message``."""
    location = ".".join(str(part) for part in error.get("loc", ())[1:])  # drop the leading "body"
    if error.get("type") == "json_invalid":
        return f"invalid JSON: {error.get('ctx', {}).get('error', error.get('msg'))} (at character {location or 0})"
    return f"{location or 'body'}: {error.get('msg')}"


async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": "; ".join(readable(e) for e in exc.errors()), "errors": errors})


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """HTTP errors as JSON; a body that cannot be parsed at all (not UTF-8, nested too deeply) is a 422 like any
    other invalid request, not a 400."""
    if exc.status_code == 400 and request.url.path.startswith("/api/"):
        detail = "the request body is not a JSON document in UTF-8 (or it is nested too deeply)"
        return JSONResponse(status_code=422, content={"detail": detail, "errors": [{"loc": ["body"], "msg": detail, "type": "json_invalid"}]})
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=getattr(exc, "headers", None))


async def on_not_ready(request: Request, exc: NotReady) -> JSONResponse:
    headers = {"Retry-After": "5"} if exc.status == "loading" else {}
    return JSONResponse(status_code=503, content={"detail": exc.reason, "status": exc.status}, headers=headers)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"the request body is larger than {limit} bytes")


class BodyLimit:
    """Refuse bodies over the limit with 413 before anything parses them: by Content-Length, then while streaming.

    (FastAPI's own ``max_body_size`` answers the Content-Length case in plain text; this keeps every API error JSON.)
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = API_BODY_LIMIT if scope["path"].startswith("/api/") else PAGE_BODY_LIMIT
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            return await JSONResponse({"detail": BodyTooLarge(limit).detail}, status_code=413)(scope, receive, send)
        received = 0

        async def receive_limited() -> dict:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # an HTTPException: the app's own handler turns it into a JSON 413
                raise BodyTooLarge(limit)
            return message

        await self.app(scope, receive_limited, send)


# Gradio routes the chat does not use, which would let anyone write files (uploads are kept in its temp folder for
# good) or hold a stream open for ever (the developer reload endpoint). They answer 404 before Gradio sees them.
CLOSED_PREFIXES = ("/gradio_api/upload", "/gradio_api/dev/", "/upload", "/dev/")


class ClosedRoutes:
    """Answer 404 (JSON) to the routes in ``CLOSED_PREFIXES`` without reading their bodies."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CLOSED_PREFIXES):
            detail = "uploads are not accepted here" if "upload" in scope["path"] else "not available"
            return await JSONResponse({"detail": detail}, status_code=404)(scope, receive, send)
        await self.app(scope, receive, send)


# The routes that cost a question's worth of work; everything else (the page, documents, health) is cheap.
COSTLY_PATHS = ("/api/ask", "/gradio_api/queue/join", "/gradio_api/run/")


class RateLimit:
    """A token bucket per client address over the costly routes: ``per_minute`` questions a minute, in bursts of up
    to a quarter of that; beyond it 429 with Retry-After. ``per_minute=0`` lets everything through."""

    def __init__(self, app: Any, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = max(3.0, per_minute / 4.0)
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when)
        self._lock = threading.Lock()

    def _take(self, address: str) -> float:
        """0 when a token was taken, else the seconds until one will be there."""
        now = self.clock()
        with self._lock:
            if len(self.buckets) > 10_000:  # forget the addresses whose buckets are full again
                self.buckets = {a: (t, w) for a, (t, w) in self.buckets.items() if t + (now - w) * self.rate < self.burst}
            tokens, when = self.buckets.get(address, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.rate)
            if tokens >= 1.0:
                self.buckets[address] = (tokens - 1.0, now)
                return 0.0
            self.buckets[address] = (tokens, now)
            return (1.0 - tokens) / self.rate

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self.rate > 0 and scope["type"] == "http" and scope["path"].startswith(COSTLY_PATHS) and scope["method"] == "POST":
            wait = self._take((scope.get("client") or ("?",))[0])
            if wait:
                detail = f"too many questions from this address; try again in {math.ceil(wait)} s"
                response = JSONResponse({"detail": detail}, status_code=429, headers={"Retry-After": str(math.ceil(wait))})
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


class MethodCheck:
    """A known API path asked with another method gets 405 with ``Allow`` (else the chat page, mounted at /, would
    answer 404 for it)."""

    def __init__(self, app: Any, routes: Sequence[Any]) -> None:
        self.app = app
        self.routes = [r for r in routes if getattr(r, "path", "").startswith("/api/")]

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            matches = [(route, route.matches(scope)[0]) for route in self.routes]
            if not any(m == Match.FULL for _, m in matches):
                allowed = sorted({method for route, m in matches if m == Match.PARTIAL for method in route.methods})
                if allowed:
                    detail = f"{scope['method']} is not allowed here; use {', '.join(allowed)}"
                    response = JSONResponse({"detail": detail}, status_code=405, headers={"Allow": ", ".join(allowed)})
                    return await response(scope, receive, send)
        await self.app(scope, receive, send)


# Everything the page needs is served from this origin; nothing may be framed or fetched from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class HostAndHeaders:
    """Refuse a Host header the server does not go by (Gradio builds its page's URLs from it), add the security
    headers to every response, and drop the credentialed CORS Gradio allows for a development front end."""

    def __init__(self, app: Any, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed = {h.strip().lower().strip("[]") for h in allowed_hosts if h.strip()}

    def _host_ok(self, scope: dict) -> bool:
        if "*" in self.allowed:
            return True
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
        name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return name in self.allowed

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if not self._host_ok(scope):
            return await JSONResponse({"detail": "unknown host"}, status_code=400)(scope, receive, send)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"access-control-allow-credentials"]
                have = {k.lower() for k, _ in kept}
                message = {**message, "headers": kept + [(k, v) for k, v in SECURITY_HEADERS if k not in have]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---------------------------------------------------------------------------------------------------------------------
# The chat page: the handler calls the same ``qa.ask`` and formats its Result as HTML (escaped: the text is data).

SHOW_PASSAGE_CHARS = 300
CSS = """
.qa-offsets, .qa-confidence, .qa-resolved { color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-answer strong { font-size: 1.15em; }
"""


def confidence_cue(confidence: float) -> str:
    level = "高" if confidence >= 0.7 else "中" if confidence >= 0.4 else "低"
    return f"置信度：{level}（{confidence:.2f}）"


def highlighted_quote(citation: Citation) -> str:
    """The cited sentence with the answer span in ``<mark>``; escaped."""
    quote = citation.quote
    left = citation.start - citation.quote_start
    right = citation.end - citation.quote_start
    if not 0 <= left <= right <= len(quote):
        return html.escape(quote)
    return html.escape(quote[:left]) + "<mark>" + html.escape(quote[left:right]) + "</mark>" + html.escape(quote[right:])


def source_line(citation: Citation) -> str:
    parts = [f"《{citation.title}》"]
    if citation.year is not None:
        parts.append(f"{citation.year}年")
    if citation.district:
        parts.append(citation.district)
    return html.escape(" · ".join(parts)) + f'<span class="qa-offsets">（{html.escape(citation.doc_id)}，第{citation.start}–{citation.end}字）</span>'


def one_line(text: str) -> str:
    # a blank line would end the HTML block and let Markdown reinterpret the rest of the message
    return "<br>".join(html.escape(line) for line in text.split("\n") if line.strip())


def format_result(result: Result, titles: dict[str, str]) -> str:
    """The chat message for one ``Result``: answer, highlighted quote, citation, confidence and folded passages."""
    parts: list[str] = ['<div class="qa-result">']
    if result.abstained or not result.answer:
        parts.append(f'<p class="qa-abstain">{html.escape(result.message or "报告中没有找到这个问题的答案。")}</p>')
    else:
        parts.append(f'<p class="qa-answer"><strong>{html.escape(result.answer)}</strong></p>')
        if result.citations:
            citation = result.citations[0]
            parts.append(f'<blockquote class="qa-quote">{highlighted_quote(citation)}</blockquote>')
            parts.append(f'<p class="qa-source">出处：{source_line(citation)}</p>')
        if result.message:
            parts.append(f'<p class="qa-message">{html.escape(result.message)}</p>')
    parts.append(f'<p class="qa-confidence">{confidence_cue(result.confidence)}</p>')
    if result.resolved_question and result.resolved_question != result.question:
        parts.append(f'<p class="qa-resolved">理解为：{html.escape(result.resolved_question)}</p>')
    if result.passages:
        items = []
        for hit in result.passages:
            p = hit.passage
            text = p.text if len(p.text) <= SHOW_PASSAGE_CHARS else p.text[:SHOW_PASSAGE_CHARS] + "…"
            title = html.escape(titles.get(p.doc_id, p.doc_id))
            items.append(f"<li><b>《{title}》</b> 第{p.start}–{p.end}字（得分 {hit.score:.2f}）：{one_line(text)}</li>")
        parts.append(f'<details class="qa-passages"><summary>检索到的段落（{len(items)}）</summary><ol>{"".join(items)}</ol></details>')
    parts.append("</div>")
    return "".join(parts)


def message_text(content: Any) -> str:
    """The text of a Gradio chat message, whose content is a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, (list, tuple)):
        return "".join(message_text(part) for part in content)
    return ""


def earlier_questions(history: list[dict]) -> list[str]:
    """The user's earlier questions in a Gradio chat history, oldest first, at most ``MAX_HISTORY``."""
    questions = [message_text(m.get("content")).strip() for m in history if m.get("role") == "user"]
    return [q[:MAX_QUESTION_CHARS] for q in questions if q][-MAX_HISTORY:]


def build_ui(holder: QAHolder) -> gr.Blocks:
    """The chat tab and the reports tab; both read the same QA object as the API."""

    def respond(message: str, history: list[dict]) -> str:
        try:
            qa = holder.get()
        except NotReady as exc:
            return f'<p class="qa-abstain">{html.escape("暂时无法回答：" + exc.reason)}</p>'
        try:
            result = qa.ask(message, history=earlier_questions(history))
        except QuestionError as exc:
            return f'<p class="qa-abstain">{html.escape(str(exc))}</p>'
        return format_result(result, {d.doc_id: d.title for d in qa.documents})

    def list_reports() -> tuple[list[list[Any]], Any]:
        try:
            documents = holder.get().documents
        except NotReady:
            return [], gr.update(choices=[])
        rows = [[d.doc_id, d.title, d.district or "", d.year or "", d.source or "", d.date or "", len(d.text)] for d in documents]
        return rows, gr.update(choices=[(f"{d.title}（{d.doc_id}）", d.doc_id) for d in documents])

    def show_report(doc_id: str | None) -> str:
        if not doc_id:
            return ""
        try:
            documents = holder.get().documents
        except NotReady as exc:
            return exc.reason
        return next((d.text for d in documents if d.doc_id == doc_id), "")

    with gr.Blocks(title="报告问答") as demo:
        with gr.Tab("问答"):
            gr.ChatInterface(
                respond,
                chatbot=gr.Chatbot(
                    label="报告问答", height="68vh", latex_delimiters=[], feedback_options=None,
                    placeholder="就济南历下区、市中区的政府工作报告提问，答案摘自原文并注明出处。",
                ),
                textbox=gr.Textbox(placeholder="例如：历下2024年新增学位多少", submit_btn=True, max_length=MAX_QUESTION_CHARS),
                examples=EXAMPLES,
                cache_examples=False,
                title="报告问答",
                description="抽取式问答：答案是报告原文中的片段，附出处；报告中没有答案时如实说明。可以接着追问，如“那2023年呢？”。",
                concurrency_limit=8,
                api_name="chat",
            )
        with gr.Tab("报告"):
            table = gr.Dataframe(
                headers=["doc_id", "标题", "区", "年份", "来源", "日期", "字数"], interactive=False, wrap=True, label="报告列表"
            )
            with gr.Row():
                choice = gr.Dropdown(label="查看报告", choices=[], scale=4)
                refresh = gr.Button("刷新", scale=1)
            text = gr.Textbox(label="全文（规范化文本，答案的字符位置以此为准）", lines=20, max_lines=40, interactive=False)
            demo.load(list_reports, outputs=[table, choice], api_visibility="private")
            refresh.click(list_reports, outputs=[table, choice], api_visibility="private")
            choice.change(show_report, inputs=choice, outputs=text, api_visibility="private")
    return demo


# ---------------------------------------------------------------------------------------------------------------------


def create_app(qa_loader: Callable[[], Answerer] | None = None, *, settings: Settings | None = None) -> FastAPI:
    """The FastAPI app with the API and the chat page; ``qa_loader`` (default: ``load_qa(settings)``) runs once, at startup."""
    settings = settings or Settings()
    holder = QAHolder(qa_loader)
    if qa_loader is None:
        holder.loader = partial(load_qa, settings, on_degraded=holder.degrade)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        holder.start()
        yield

    # FastAPIOffline serves the Swagger page's JS and CSS itself: /docs works with no CDN
    app = FastAPIOffline(
        title="报告问答 ReportQA",
        description="Extractive question answering with citations over Chinese government work reports.",
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(NotReady, on_not_ready)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_middleware(BodyLimit)
    app.add_middleware(MethodCheck, routes=router.routes)
    app.add_middleware(RateLimit, per_minute=settings.rate_limit)
    app.add_middleware(ClosedRoutes)
    hosts = settings.allowed_hosts.split(",") + [settings.host]
    app.add_middleware(HostAndHeaders, allowed_hosts=hosts)  # added last: the outermost
    return gr.mount_gradio_app(app, build_ui(holder), path="/", footer_links=["api"], css=CSS)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the API and the chat page: ``python app.py [--host H] [--port P]`` (defaults from QA_HOST, QA_PORT)."""
    settings = Settings()
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__)
    parser.add_argument("--host", default=settings.host, help=f"address to listen on (default {settings.host})")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # it logs every CPU feature it probes
    logger.info("corpus %s, index %s, model %s", settings.corpus_dir, settings.index_dir, settings.embedding_model)
    # open SSE streams from the chat page would otherwise hold shutdown forever
    uvicorn.run(create_app(settings=settings), host=args.host, port=args.port, timeout_graceful_shutdown=5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
