"""Every error the API answers is JSON with a ``detail``: validation errors, HTTP errors and "not ready yet"."""
from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.server.guards import API_PREFIXES
from qa.server.loading import NotReady


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
    if exc.status_code == 400 and request.url.path.startswith(API_PREFIXES):
        detail = "the request body is not a JSON document in UTF-8 (or it is nested too deeply)"
        return JSONResponse(status_code=422, content={"detail": detail, "errors": [{"loc": ["body"], "msg": detail, "type": "json_invalid"}]})
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=getattr(exc, "headers", None))


async def on_not_ready(request: Request, exc: NotReady) -> JSONResponse:
    headers = {"Retry-After": "5"} if exc.status == "loading" else {}
    return JSONResponse(status_code=503, content={"detail": exc.reason, "status": exc.status}, headers=headers)
