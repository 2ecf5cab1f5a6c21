"""``create_app``: the FastAPI app with the API, the guards and the chat page mounted at /; ``serve`` runs it."""
from __future__ import annotations

import logging
import os
import shutil
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Callable

import uvicorn
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.settings import Settings
from qa.server import GRADIO_TEMP
from qa.server.guards import (AllowedRoutes, BodyLimit, GradioCalls, HostAndHeaders, MethodCheck, RateLimit, RequestDeadlines,
                     TrustedProxies, Utf8Bodies)
from qa.server.handlers import on_http_error, on_not_ready, on_validation_error
from qa.server.loading import Answerer, NotReady, QAHolder, load_qa
from qa.server.pagemount import PageMount, PageSlot
from qa.server.documents import DocumentJobs, DocumentWrites
from qa.server.documents import router as documents_router
from qa.server.openai_compat import OpenAIErrors
from qa.server.openai_compat import router as openai_router
from qa.server.routes import router

logger = logging.getLogger(__name__)


def empty_gradio_temp() -> None:
    """Remove what an earlier run (or an older version that took uploads) left in this app's Gradio temp folder."""
    if Path(os.environ.get("GRADIO_TEMP_DIR", "")) != GRADIO_TEMP or not GRADIO_TEMP.is_dir():
        return  # a folder the operator chose is theirs to clean
    for entry in GRADIO_TEMP.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    logger.info("emptied %s", GRADIO_TEMP.name)


def create_app(qa_loader: Callable[[], Answerer] | None = None, *, settings: Settings | None = None,
               document_changes: bool | None = None, page_later: bool = False) -> FastAPI:
    """The FastAPI app with the API and the chat page; ``qa_loader`` (default: ``load_qa(settings)``) runs once, at
    startup. ``document_changes`` (default: when the answerer is the real one, loaded from ``settings``) runs the
    worker that applies POST/PUT/DELETE /api/documents to the corpus and index of ``settings``. ``page_later``
    builds the chat page once the answerer has loaded (``qa.server.pagemount``: what ``serve`` does, so that the API
    answers first), instead of now."""
    settings = settings or Settings()
    holder = QAHolder(qa_loader)
    if qa_loader is None:
        holder.loader = partial(load_qa, settings, on_degraded=holder.degrade)

    jobs = DocumentJobs(holder, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        empty_gradio_temp()
        holder.start()
        if document_changes if document_changes is not None else qa_loader is None:
            jobs.start()
        async with AsyncExitStack() as stack:
            await mount.open(stack, later=page_later)
            yield

    # FastAPIOffline serves the Swagger page's JS and CSS itself: /docs works with no CDN
    app = FastAPIOffline(
        title="报告问答 ReportQA",
        description="Extractive question answering with citations over Chinese government work reports.",
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.state.jobs = jobs
    app.include_router(router)
    app.include_router(documents_router)
    app.include_router(openai_router)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(NotReady, on_not_ready)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    slot = PageSlot()
    app.state.page = slot
    mount = PageMount(slot, holder, jobs)
    if not page_later:
        mount.now()
    own_routes = list(app.routes)  # the API and its docs, before the page is mounted at /
    app.add_middleware(GradioCalls, page=slot)
    app.add_middleware(Utf8Bodies)
    app.add_middleware(BodyLimit)
    app.add_middleware(DocumentWrites, token=settings.api_token)  # outside the body limit: no token, no body read
    app.add_middleware(MethodCheck, routes=[*router.routes, *documents_router.routes, *openai_router.routes])
    app.add_middleware(RateLimit, per_minute=settings.rate_limit, limit_loopback=settings.rate_limit_loopback)
    app.add_middleware(AllowedRoutes, routes=own_routes)
    hosts = settings.allowed_hosts.split(",") + [settings.host]
    app.add_middleware(HostAndHeaders, allowed_hosts=hosts)
    app.add_middleware(TrustedProxies, trusted=settings.trusted_proxies.split(","), allowed_hosts=hosts)
    app.add_middleware(OpenAIErrors)  # outermost: every error under /v1/, a guard's too, in OpenAI's shape
    app.mount("/", slot)
    return app


def server_config(app: FastAPI, settings: Settings, *, host: str | None = None, port: int | None = None) -> uvicorn.Config:
    """How uvicorn serves ``app``: connection deadlines, a bounded shutdown, and no forwarded headers of its own."""
    return uvicorn.Config(
        app, host=host or settings.host, port=port or settings.port,
        # each connection must send its headers, and then its body, within these many seconds
        http=RequestDeadlines.configured(settings.header_timeout, settings.body_timeout),
        timeout_graceful_shutdown=5,  # open SSE streams from the chat page would otherwise hold shutdown for ever
        # forwarded headers are handled by TrustedProxies, from QA_TRUSTED_PROXIES only: uvicorn's own handling
        # would trust them from 127.0.0.1
        proxy_headers=False,
    )


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the app with uvicorn until interrupted, logging to stderr (``host``/``port`` default to the settings)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # it logs every CPU feature it probes
    logger.info("corpus %s, index %s, model %s", settings.corpus_dir, settings.index_dir, settings.embedding_model)
    uvicorn.Server(server_config(create_app(settings=settings, page_later=True), settings, host=host, port=port)).run()
