"""What guards the app before any route runs: request deadlines on each connection (slow clients), and ASGI middlewares
for trusted proxies, the Host header and security headers, the allow list of routes, the rate limit, 405s, body size,
UTF-8 bodies and the chat page's function calls."""
from __future__ import annotations

import json
import math
import re
import threading
import time
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

import asyncio
import ipaddress

import h11
from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.routing import Match
from uvicorn.protocols.http.h11_impl import H11Protocol

from qa.ingest.formats import MAX_FILE_BYTES

# An API call or a chat turn (the page sends only the new question: its conversation is kept on the server).
API_BODY_LIMIT = 64 * 1024
# the JSON APIs: /api/ (the service's own) and /v1/ (OpenAI-compatible)
API_PREFIXES = ("/api/", "/v1/")


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
    """The largest body a request may send: a report upload, or an API call or chat turn."""
    return UPLOAD_BODY_LIMIT if method in ("POST", "PUT") and is_documents_path(path) else API_BODY_LIMIT


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


# The routes of the Gradio page that the page itself uses (found by driving it in a browser): the page, its built
# assets, one queue to call its functions, the queue's event stream and the heartbeat of its server-side state.
# Anything else under the page (uploads, files by path, recordings, deep links, component calls, the by-name call
# routes, and whatever a Gradio update adds) answers 404 before Gradio reads a byte.
PAGE_EXACT = {"/": {"GET", "HEAD"}, "/theme.css": {"GET", "HEAD"}, "/favicon.ico": {"GET", "HEAD"},
              "/gradio_api/queue/join": {"POST"}, "/gradio_api/queue/data": {"GET"}}
PAGE_PREFIXES = (("/assets/", {"GET", "HEAD"}), ("/static/", {"GET", "HEAD"}), ("/gradio_api/heartbeat/", {"GET"}))


def page_route_allowed(method: str, path: str) -> bool:
    """Whether ``method path`` is one of the requests the chat page makes (``PAGE_EXACT``, ``PAGE_PREFIXES``)."""
    if method in PAGE_EXACT.get(path, ()):
        return True
    return any(path.startswith(prefix) and method in methods and ".." not in path for prefix, methods in PAGE_PREFIXES)


class AllowedRoutes:
    """Let through only the app's own routes (the API, its docs) and the chat page's routes; 404 (JSON) for the
    rest, and no websockets. The app's own paths are matched against its routes, so a new API route is open by being
    declared; a Gradio route is open only by being listed here."""

    def __init__(self, app: Any, routes: Sequence[Any]) -> None:
        self.app = app
        self.routes = list(routes)

    def _allowed(self, scope: dict) -> bool:
        path = scope["path"]
        if path.startswith("/api/") or page_route_allowed(scope["method"], path):
            return True  # /api/ paths get the API's own 404 and 405 answers (a /v1/ path is open by being declared)
        return any(route.matches({**scope, "type": "http"})[0] != Match.NONE for route in self.routes)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] == "http" and not self._allowed(scope):
            return await JSONResponse({"detail": "not found"}, status_code=404)(scope, receive, send)
        await self.app(scope, receive, send)


# The routes that cost a question's worth of work; everything else (the page, documents, health) is cheap.
COSTLY_PATHS = ("/api/ask", "/v1/chat/completions", "/gradio_api/queue/join")


class RateLimit:
    """A token bucket per client address over the costly routes: ``per_minute`` questions a minute, in bursts of up
    to a quarter of that; beyond it 429 with Retry-After. ``per_minute=0`` lets everything through.

    A client on this machine (a loopback address: an eval or batch script, a local chat client) is not limited
    unless ``limit_loopback``: behind a reverse proxy on the same machine that is not a trusted proxy, every request
    comes from loopback, so limit at the proxy or set ``limit_loopback`` (``QA_RATE_LIMIT_LOOPBACK=1``). Behind a
    trusted proxy the address counted is the client's own (``TrustedProxies``), which this sees."""

    def __init__(self, app: Any, per_minute: int, clock: Callable[[], float] = time.monotonic, *, limit_loopback: bool = False) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = max(3.0, per_minute / 4.0)
        self.clock = clock
        self.limit_loopback = limit_loopback
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

    def _limited(self, address: str) -> bool:
        return self.limit_loopback or not is_loopback(address)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self.rate > 0 and scope["type"] == "http" and scope["path"].startswith(COSTLY_PATHS) and scope["method"] == "POST":
            address = (scope.get("client") or ("?",))[0]
            wait = self._take(address) if self._limited(address) else 0.0
            if wait:
                detail = f"too many questions from this address; try again in {math.ceil(wait)} s"
                response = JSONResponse({"detail": detail}, status_code=429, headers={"Retry-After": str(math.ceil(wait))})
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


def is_loopback(address: str) -> bool:
    """Whether ``address`` is a loopback IP address (127.0.0.0/8, ::1, an IPv4-mapped 127.x); names are not."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


QUEUE_JOIN = "/gradio_api/queue/join"
# the fields the page sends with a call; a session is a short random name
CALL_FIELDS = {"data", "fn_index", "trigger_id", "session_hash", "event_data"}
SESSION_HASH = re.compile(r"[a-z0-9]{1,64}")


def check_call_values(fn: Any, data: list) -> str | None:
    """Why ``data`` cannot be the inputs of ``fn`` (a Gradio ``BlockFunction``), or None. Each value must be what the
    page sends for its component: a string for a text box, a sample's number for the examples, a string or nothing
    for a drop-down, nothing for the server-side state. A component kind not listed here is refused: the page sends
    no file, no image and no chat history, so nothing a client sends can name a file for Gradio to copy."""
    if len(data) != len(fn.inputs):
        return f"this function takes {len(fn.inputs)} values, not {len(data)}"
    for position, (component, value) in enumerate(zip(fn.inputs, data)):
        kind = type(component).__name__
        if kind == "Textbox":
            ok, want = isinstance(value, str), "a string"
        elif kind == "Dropdown":
            ok, want = value is None or isinstance(value, str), "a string or null"
        elif kind == "Dataset":
            ok, want = type(value) is int and 0 <= value < len(component.samples), f"the number of one of the {len(component.samples)} samples"
        elif kind == "State":
            ok, want = value is None, "null (the conversation is kept on the server)"
        else:
            ok, want = False, "nothing: the page sends no such value"
        if not ok:
            return f"value {position} must be {want}"
    return None


class GradioCalls:
    """Check a call of one of the page's functions (``POST /gradio_api/queue/join``) before Gradio takes it: only the
    fields the page sends, a known ``fn_index`` of a function with a Python side, and values of the kinds the page
    sends (see ``check_call_values``). Refusals are 404/422 JSON; a call that passes reaches Gradio unchanged."""

    def __init__(self, app: Any, page: Any) -> None:
        self.app = app
        self.page = page  # the PageSlot: its functions (``fns``) once the page is built
        self._by_index: dict[int, Any] | None = None

    @property
    def by_index(self) -> dict[int, Any]:
        if self._by_index is None and self.page.fns is not None:
            self._by_index = {index: fn for index, fn in self.page.fns.items() if fn.fn is not None}
        return self._by_index or {}

    def _refusal(self, call: Any) -> tuple[int, str] | None:
        """(status, why) when this call must not reach Gradio, else None."""
        if not isinstance(call, dict) or not isinstance(call.get("data"), list):
            return 422, "the body must be a JSON object with a list `data`"
        unknown = sorted(set(call) - CALL_FIELDS)
        if unknown:
            return 422, f"unknown field {unknown[0][:40]!r}"
        if call.get("event_data") is not None:
            return 422, "event_data must be null"
        if not (call.get("trigger_id") is None or type(call.get("trigger_id")) is int):
            return 422, "trigger_id must be a whole number"
        if not (isinstance(call.get("session_hash"), str) and SESSION_HASH.fullmatch(call["session_hash"])):
            return 422, "session_hash must be 1-64 lower-case letters and digits"
        index = call.get("fn_index")
        if type(index) is not int or index not in self.by_index:
            return 422, "fn_index names no function of this page"
        problem = check_call_values(self.by_index[index], call["data"])
        return (422, problem) if problem else None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == QUEUE_JOIN) or self.page.fns is None:
            return await self.app(scope, receive, send)  # (before the page is built, its slot answers 503)
        body = await read_body(scope, receive, send)
        if body is None:
            return
        try:
            call = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            call = None
        refusal = self._refusal(call)
        if refusal:
            status, problem = refusal
            return await JSONResponse({"detail": problem}, status_code=status)(scope, receive, send)
        await self.app(scope, replaying(body, receive), send)


async def read_body(scope: dict, receive: Callable, send: Callable) -> bytes | None:
    """The whole request body, or None when there is none to go on with: the client went away, or the body passed
    ``BodyLimit`` (outside) and this has answered 413."""
    body, more = b"", True
    while more:
        try:
            message = await receive()
        except BodyTooLarge as exc:  # raised outside the app's exception handlers: answered here
            await JSONResponse({"detail": exc.detail}, status_code=413)(scope, receive, send)
            return None
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def replaying(body: bytes, receive: Callable) -> Callable:
    """A ``receive`` that gives ``body`` (already read) once, then whatever the connection sends next."""
    replayed = False

    async def replay() -> dict:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class MethodCheck:
    """A known API path asked with another method gets 405 with ``Allow`` (else the chat page, mounted at /, would
    answer 404 for it)."""

    def __init__(self, app: Any, routes: Sequence[Any]) -> None:
        self.app = app
        self.routes = [r for r in routes if getattr(r, "path", "").startswith(API_PREFIXES)]

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIXES):
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


def host_names(hosts: Sequence[str]) -> frozenset[str]:
    """The host names a server answers to, as ``host_allowed`` compares them ("*": any)."""
    return frozenset(h.strip().lower().strip("[]") for h in hosts if h.strip())


def host_allowed(value: str, allowed: frozenset[str]) -> bool:
    """Whether a Host (or forwarded host) header value names one of ``allowed``; a malformed value does not."""
    if "*" in allowed:
        return True
    try:
        parts = urlsplit("//" + value.strip())
        parts.port  # noqa: B018  (raises for a port that is no number, or out of range)
    except ValueError:  # "[::1", "host:x", "host:99999"
        return False
    return (parts.hostname or "") in allowed  # lower-cased, port and IPv6 brackets gone


class HostAndHeaders:
    """Refuse a Host header the server does not go by (Gradio builds its page's URLs from it), add the security
    headers to every response, and drop the credentialed CORS Gradio allows for a development front end."""

    def __init__(self, app: Any, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed = host_names(allowed_hosts)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if not host_allowed(dict(scope["headers"]).get(b"host", b"").decode("latin-1"), self.allowed):
            return await JSONResponse({"detail": "unknown host"}, status_code=400)(scope, receive, send)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"access-control-allow-credentials"]
                have = {k.lower() for k, _ in kept}
                message = {**message, "headers": kept + [(k, v) for k, v in SECURITY_HEADERS if k not in have]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_forwarding_header(name: bytes) -> bool:
    """Headers by which a proxy says who the client is and which URL it asked for."""
    name = name.lower()
    return name in (b"forwarded", b"x-real-ip") or name.startswith(b"x-forwarded-")


class TrustedProxies:
    """Forwarded headers count only from the proxies in ``trusted`` (addresses or networks; none by default): from
    anyone else every ``Forwarded``/``X-Forwarded-*``/``X-Real-IP`` header is dropped before anything reads it, so a
    client cannot choose the address the rate limit counts or the host Gradio builds the page's URLs from. From a
    trusted proxy, uvicorn's ``ProxyHeadersMiddleware`` takes the client address and scheme, and a forwarded host
    must be one the server answers to (else 400)."""

    def __init__(self, app: Any, trusted: Sequence[str], allowed_hosts: Sequence[str]) -> None:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        trusted = [t.strip() for t in trusted if t.strip()]
        self.app = app
        self.networks = [ipaddress.ip_network(t, strict=False) for t in trusted]
        self.allowed = host_names(allowed_hosts)
        self.proxied = ProxyHeadersMiddleware(app, trusted_hosts=trusted or "")

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        peer = (scope.get("client") or ("",))[0]
        if not self.trusts(peer):
            headers = [(k, v) for k, v in scope["headers"] if not is_forwarding_header(k)]
            return await self.app({**scope, "headers": headers}, receive, send)
        forwarded_host = dict(scope["headers"]).get(b"x-forwarded-host")
        if forwarded_host is not None and not all(
            host_allowed(h, self.allowed) for h in forwarded_host.decode("latin-1").split(",")
        ):
            return await JSONResponse({"detail": "unknown forwarded host"}, status_code=400)(scope, receive, send)
        await self.proxied(scope, receive, send)


class Utf8Bodies:
    """A JSON API body must be UTF-8: 422 otherwise, before the route parses it (the JSON parser alone would take
    UTF-16 and UTF-32 too). Report uploads (multipart, bytes of any encoding) are not bodies of this kind."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if not (scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH") and scope["path"].startswith(API_PREFIXES)
                and not is_documents_path(scope["path"])):
            return await self.app(scope, receive, send)
        body = await read_body(scope, receive, send)
        if body is None:
            return
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            detail = f"the body must be UTF-8 JSON (byte {exc.start} is not UTF-8)"
            return await JSONResponse({"detail": detail}, status_code=422)(scope, receive, send)
        await self.app(scope, replaying(body, receive), send)
