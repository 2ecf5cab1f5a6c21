"""What guards the app before any route runs: request deadlines on each connection (slow clients), and ASGI middlewares
for body size, closed Gradio routes, the rate limit, 405s, the Host header and the security headers."""
from __future__ import annotations

import inspect
import json
import math
import threading
import time
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

import asyncio

import h11
from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.routing import Match
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..formats import MAX_FILE_BYTES

API_BODY_LIMIT = 64 * 1024
# The chat page posts its whole history with every turn, so it gets more room than the API.
PAGE_BODY_LIMIT = 4 * 1024 * 1024


class RequestDeadlines(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with two deadlines per request, counted from the connection's opening or from the
    previous response: the headers within ``header_timeout`` seconds, the whole body within ``body_timeout``. A client
    slower than that (one byte every few seconds) gets 408 and the connection is closed; uvicorn alone waits for ever.
    A request whose body has arrived is never cut off, however long its answer or its event stream takes."""

    header_timeout = 10.0
    body_timeout = 30.0

    @classmethod
    def configured(cls, header_timeout: float, body_timeout: float) -> type[RequestDeadlines]:
        """A subclass with these deadlines, to pass to ``uvicorn.run(http=...)``."""
        return type(cls.__name__, (cls,), {"header_timeout": header_timeout, "body_timeout": body_timeout})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        self._heard = True
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._heard = False
        self._deadlines = [
            self.loop.call_later(self.header_timeout, self._cut_off, (h11.IDLE,)),
            self.loop.call_later(self.body_timeout, self._cut_off, (h11.IDLE, h11.SEND_BODY)),
        ]

    def _disarm(self) -> None:
        for handle in getattr(self, "_deadlines", ()):
            handle.cancel()
        self._deadlines = []

    def _cut_off(self, slow_states: tuple) -> None:
        if self.transport.is_closing() or self.conn.their_state not in slow_states:
            return
        if self._heard and not (self.cycle is not None and self.cycle.response_started):
            body = b'{"detail":"the request was not received in time"}'
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
                b"content-length: %d\r\n\r\n%s" % (len(body), body)
            )
        self.logger.info("cut off a slow client %s (%s)", self.client, "body" if self.conn.their_state is h11.SEND_BODY else "headers")
        self.transport.close()


# A report uploaded to /api/documents: the largest file and the form around it.
UPLOAD_BODY_LIMIT = MAX_FILE_BYTES + 64 * 1024


def is_documents_path(path: str) -> bool:
    """Whether ``path`` is the documents resource or one document in it."""
    return path == "/api/documents" or path.startswith("/api/documents/")


def body_limit(method: str, path: str) -> int:
    """The largest body a request may send: a report upload, an API call, or a chat turn."""
    if method in ("POST", "PUT") and is_documents_path(path):
        return UPLOAD_BODY_LIMIT
    return API_BODY_LIMIT if path.startswith("/api/") else PAGE_BODY_LIMIT


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
        limit = body_limit(scope["method"], scope["path"])
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
COSTLY_PATHS = ("/api/ask", "/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")


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


# How the page's functions are called: the queue by fn_index, the others by api_name in the path.
CALL_PATHS = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")


def check_call_values(fn: Any, data: list) -> str | None:
    """Why ``data`` cannot be the inputs of ``fn`` (a Gradio ``BlockFunction``), or None. Each value must have the type
    its component sends from the page; Gradio would otherwise pass a ``null`` question on and fail inside."""
    if len(data) != len(fn.inputs):
        return f"this function takes {len(fn.inputs)} values, not {len(data)}"
    for position, (component, value) in enumerate(zip(fn.inputs, data)):
        kind = type(component).__name__
        if kind == "Textbox" and not isinstance(value, str):
            return f"value {position} must be a string"
        if kind == "Chatbot" and not (value is None or isinstance(value, list) and all(isinstance(m, dict) for m in value)):
            return f"value {position} must be a list of chat messages"
        if kind == "Dropdown" and not (value is None or isinstance(value, str)):
            return f"value {position} must be a string or null"
        if kind == "Dataset" and not (type(value) is int and 0 <= value < len(component.samples)):
            return f"value {position} must be the number of one of the {len(component.samples)} samples"
    return None


class GradioCalls:
    """Check a call of one of the page's functions before Gradio takes it: a known ``fn_index`` or public
    ``api_name``, and values of the right kinds (see ``check_call_values``). Gradio itself answers 500 to an unknown
    index or name and runs a chat turn with a ``null`` question into an exception. Refusals are 404/422 JSON; a call
    that passes reaches Gradio with its body unchanged."""

    def __init__(self, app: Any, fns: dict[int, Any]) -> None:
        self.app = app
        self.by_index = dict(fns)
        self.by_name = {fn.api_name: fn for fn in fns.values() if fn.api_name and fn.api_visibility == "public"}

    def _positional(self, path: str, call: dict) -> dict | None:
        """A by-name call (``/call/v2/NAME``: ``{"message": ..., "history": ...}``) as a positional one, or None when
        it names a parameter the function does not have."""
        fn = self.by_name.get(path.rstrip("/").rsplit("/", 1)[-1])
        if fn is None:
            return {"data": []}  # refused below as an unknown name
        names = list(inspect.signature(fn.fn).parameters)[: len(fn.inputs)]
        if set(call) - set(names):
            return None
        return {"data": [call.get(name) for name in names]}

    def _refusal(self, path: str, call: Any) -> tuple[int, str] | None:
        """(status, why) when this call must not reach Gradio, else None."""
        if path.startswith("/gradio_api/call/v2/") and isinstance(call, dict):
            call = self._positional(path, call)  # this route takes the values by parameter name
            if call is None:
                return 422, "the body must name the function's parameters"
        if not isinstance(call, dict) or not isinstance(call.get("data"), list):
            return 422, "the body must be a JSON object with a list `data`"
        index = call.get("fn_index")
        if index is not None:
            if type(index) is not int or index not in self.by_index:
                return 422, "fn_index names no function of this page"
            fn = self.by_index[index]
        elif path.startswith("/gradio_api/queue/join"):
            return 422, "fn_index is required"
        else:
            name = path.rstrip("/").rsplit("/", 1)[-1]
            if name not in self.by_name:
                return 404, f"no public function is called {name[:40]!r}"
            fn = self.by_name[name]
        problem = check_call_values(fn, call["data"])
        return (422, problem) if problem else None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith(CALL_PATHS)):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            call = json.loads(body)
        except (ValueError, RecursionError):
            call = None
        refusal = self._refusal(scope["path"], call)
        if refusal:
            status, problem = refusal
            return await JSONResponse({"detail": problem}, status_code=status)(scope, receive, send)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


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
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        return (urlsplit("//" + host).hostname or "") in self.allowed  # lower-cased, port and IPv6 brackets gone

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
