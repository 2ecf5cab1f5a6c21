"""Settings for the edges (CLI, app): read once from the environment; the library itself never reads it."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from qa.errors import QAError
from qa.index.embedding import DOCUMENT_PRECISIONS

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


class SettingsError(QAError):
    """A setting that cannot be used; the message names the variable and says what to do."""


MAX_TOKEN_FILE_BYTES = 4096


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = _env(name, default).strip().lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def api_token_from(environ: Mapping[str, str]) -> str:
    """The API token: the contents of the file named by ``QA_API_TOKEN_FILE`` (trimmed) when set, else
    ``QA_API_TOKEN``; ``SettingsError`` when the file cannot be read or is empty. The token itself is never put in
    a message."""
    path = environ.get("QA_API_TOKEN_FILE", "").strip()
    if not path:
        return environ.get("QA_API_TOKEN", "").strip()
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TOKEN_FILE_BYTES + 1)
    except OSError as exc:
        raise SettingsError(f"QA_API_TOKEN_FILE: cannot read the token file ({exc.strerror})") from None
    if len(raw) > MAX_TOKEN_FILE_BYTES:
        raise SettingsError(f"QA_API_TOKEN_FILE: the token file is larger than {MAX_TOKEN_FILE_BYTES} bytes")
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SettingsError("QA_API_TOKEN_FILE: the token file is not UTF-8 text") from None
    if not token:
        raise SettingsError("QA_API_TOKEN_FILE: the token file is empty")
    return token


@dataclass(frozen=True)
class Settings:
    """Where the corpus and index live, which embedding model, and where to serve."""

    corpus_dir: Path = field(default_factory=lambda: Path(_env("QA_CORPUS_DIR", str(ROOT / "corpus"))))
    index_dir: Path = field(default_factory=lambda: Path(_env("QA_INDEX_DIR", str(ROOT / "index"))))
    embedding_model: str = field(default_factory=lambda: _env("QA_EMBEDDING_MODEL", "m3e-small"))
    # how reports are embedded: auto (bfloat16 where the CPU multiplies it in hardware), float32 or bfloat16
    document_precision: str = field(default_factory=lambda: _choice("QA_DOCUMENT_PRECISION", "auto", DOCUMENT_PRECISIONS))
    host: str = field(default_factory=lambda: _env("QA_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("QA_PORT", "7860")))
    # the Host header values the server answers to; "*" for any (behind a proxy that checks it)
    allowed_hosts: str = field(default_factory=lambda: _env("QA_ALLOWED_HOSTS", "127.0.0.1,localhost,::1"))
    # questions a minute one client address may ask (the API and the chat); 0: no limit (behind a proxy that limits)
    rate_limit: int = field(default_factory=lambda: int(_env("QA_RATE_LIMIT", "120")))
    # whether clients on this machine (loopback addresses) are limited too: on behind a proxy on the same machine
    # that is not in QA_TRUSTED_PROXIES (every request then comes from loopback)
    rate_limit_loopback: bool = field(default_factory=lambda: _env("QA_RATE_LIMIT_LOOPBACK", "0").lower() in ("1", "true", "yes", "on"))
    # seconds a connection may take to send a request's headers, and the whole request with its body (slow clients)
    header_timeout: float = field(default_factory=lambda: float(_env("QA_HEADER_TIMEOUT", "10")))
    body_timeout: float = field(default_factory=lambda: float(_env("QA_BODY_TIMEOUT", "30")))
    # the token that opens the document write endpoints (POST/PUT/DELETE /api/documents); empty: they are off.
    # Read from the file QA_API_TOKEN_FILE (a mounted secret) when that is set, else from QA_API_TOKEN.
    api_token: str = field(default_factory=lambda: api_token_from(os.environ), repr=False)
    # proxies whose Forwarded/X-Forwarded-* headers are believed (addresses or networks, comma-separated); none: the
    # connecting address is the client, and forwarded headers are dropped
    trusted_proxies: str = field(default_factory=lambda: _env("QA_TRUSTED_PROXIES", ""))
    # the most reports the corpus may hold, and the most document changes that may wait in the queue
    max_documents: int = field(default_factory=lambda: int(_env("QA_MAX_DOCUMENTS", "5000")))
    max_pending: int = field(default_factory=lambda: int(_env("QA_MAX_PENDING", "20")))
    # the trained reader's adapter, or "off" for the rules alone (no reader, no ranker); see answering.answerer_options
    reader: str = field(default_factory=lambda: _env("QA_READER", str(ROOT / "qa" / "models" / "reader.safetensors")))
