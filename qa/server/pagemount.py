"""The chat page's place at ``/``: a slot that holds the Gradio app once it is built, and answers 503 before that.

Importing Gradio and building the page take about four seconds of a cold start on two cores, and nothing a question
needs waits on them. ``serve`` therefore builds the page after the answerer has loaded (or after ``PAGE_WAIT`` seconds
when loading takes longer, as while an index is built) and no question has come for ``QUIET`` seconds (or
``PAGE_WAIT`` more have passed), so the API answers first and questions seldom compete with the page for the
interpreter; tests build it at once. Either way the page is the same Gradio app, mounted by
``gr.mount_gradio_app`` on an app of its own whose lifespan (Gradio's queue) runs inside the server's.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from contextlib import AsyncExitStack
from typing import Any, Callable

from fastapi import FastAPI
from starlette.responses import JSONResponse

logger = logging.getLogger(__name__)

PAGE_WAIT = 10.0  # seconds the page waits for the answerer, then for a quiet moment, before it is built anyway
QUIET = 0.5  # a quiet moment: no request has asked for the answerer for this long


class PageSlot:
    """An ASGI app at ``/``: the chat page once built (``app``, with its Gradio ``blocks`` and functions ``fns``),
    503 with Retry-After until then."""

    def __init__(self) -> None:
        self.app: Any = None
        self.blocks: Any = None
        self.fns: dict[int, Any] | None = None
        self.error: str | None = None
        self.ready = threading.Event()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self.app is not None:
            return await self.app(scope, receive, send)
        if scope["type"] != "http":
            return
        detail = (f"the chat page could not be built: {self.error}" if self.error
                  else "the chat page is starting; the API (/api, /v1) answers already")
        await JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "2"})(scope, receive, send)


def build_page(holder: Any, jobs: Any) -> tuple[FastAPI, Any]:
    """Import Gradio, build the chat page and mount it on an app of its own; returns that app and the page."""
    import gradio as gr

    from qa.server.page import CSS, build_ui

    page = build_ui(holder, jobs)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    # The page makes no files and reads none a client names: Gradio may serve no path at all (its file route is
    # closed by AllowedRoutes as well).
    gr.mount_gradio_app(app, page, path="/", footer_links=[], css=CSS, allowed_paths=[], blocked_paths=[os.sep])
    return app, page


class PageMount:
    """Fills a ``PageSlot`` at once (``now``) or from a thread once the answerer is loaded (``later``), and runs the
    page's lifespan within the server's (``open`` in the server's lifespan, closed with it)."""

    def __init__(self, slot: PageSlot, holder: Any, jobs: Any) -> None:
        self.slot = slot
        self.holder = holder
        self.jobs = jobs
        self._stack: AsyncExitStack | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._built: tuple[FastAPI, Any] | None = None

    def now(self) -> None:
        self._built = build_page(self.holder, self.jobs)
        self.slot.blocks = self._built[1]
        self.slot.fns = self._built[1].fns

    async def open(self, stack: AsyncExitStack, *, later: bool) -> None:
        """Called in the server's lifespan: open a page built ``now``, or start building it ``later``."""
        self._stack, self._loop = stack, asyncio.get_running_loop()
        if self._built is not None:
            await self._enter()
        elif later:
            threading.Thread(target=self._build_later, name="page-builder", daemon=True).start()

    async def _enter(self) -> None:
        app, page = self._built
        await self._stack.enter_async_context(app.router.lifespan_context(app))
        self.slot.blocks, self.slot.fns, self.slot.app = page, page.fns, app
        self.slot.ready.set()

    def _build_later(self) -> None:
        # building the page holds the interpreter for seconds: not while the answerer loads, and not while questions
        # are being asked (the first questions after a restart would take three times as long)
        deadline = time.monotonic() + PAGE_WAIT
        while time.monotonic() < deadline and self.holder.qa is None and self.holder.error is None:
            time.sleep(0.05)
        loaded = time.monotonic()  # quiet is counted from here at the earliest: the first questions come right after
        deadline = loaded + PAGE_WAIT
        while time.monotonic() < deadline and time.monotonic() - max(self.holder.last_asked, loaded) < QUIET:
            time.sleep(0.05)
        started = time.perf_counter()
        try:
            self._built = build_page(self.holder, self.jobs)
            asyncio.run_coroutine_threadsafe(self._enter(), self._loop).result()
        except Exception as exc:  # the API goes on answering; the page says why it is missing
            logger.exception("building the chat page failed")
            self.slot.error = f"{type(exc).__name__}: {exc}"
            self.slot.ready.set()
            return
        logger.info("chat page ready after %.1f s more", time.perf_counter() - started)
