"""The OpenAI-compatible API: ``GET /v1/models`` and ``POST /v1/chat/completions``, so the chat clients people already
use (Open WebUI, LobeChat, ChatBox, Cherry Studio, NextChat) and code written against the ``openai`` SDK can ask the
reports.

The conversation is ``messages``: the last message is the question and must be the user's; the user turns before it
are its history, each with the assistant's answer after it (``qa.server.history``: the newest ``MAX_HISTORY``), so a
follow-up can refer to the last answer and its sentence. System and developer messages are accepted and not read. The reply's content is the answer with its source in readable Markdown (the quote with the
answer in bold, the report, place and year, the confidence); an abstention says what the reports do not state. The
structured answer (``/api/ask``'s response: citations with offsets, confidence, passages) travels in ``reportqa``, a
field OpenAI clients ignore. Errors have OpenAI's shape (``OpenAIErrors``). Parameters that steer generation
(temperature, max_tokens, …) mean nothing to an extractive answer: they are accepted and ignored; ``n`` above 1 and
content other than text are refused.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Annotated, Any, Callable, Iterator, Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from qa.errors import QuestionError
from qa.schema import Citation, Result, Turn
from qa.answering.messages import confidence_cue
from qa.server.loading import Answerer, get_qa
from qa.server.history import turns_from_messages
from qa.server.models import MAX_HISTORY, MAX_MESSAGE_CHARS, ask_response

MODEL_ID = "reportqa"
MAX_MESSAGES = 64
_STARTED = int(time.time())

router = APIRouter(prefix="/v1", tags=["openai"])
QADep = Annotated[Answerer, Depends(get_qa)]


class TextPart(BaseModel):
    """One part of a message's content; only text is taken."""

    model_config = ConfigDict(extra="ignore", strict=True)
    type: Literal["text"]
    text: str = Field(max_length=MAX_MESSAGE_CHARS)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)  # name, tool_call_id and the like are not read
    role: Literal["system", "developer", "user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | Annotated[list[TextPart], Field(max_length=16)] | None = None

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    include_usage: bool = False


class ChatRequest(BaseModel):
    """A chat completion request. Generation parameters clients send by habit are ignored (``extra="ignore"``)."""

    model_config = ConfigDict(extra="ignore", strict=True)
    model: str = Field(max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1)


def question_and_history(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last message, which must be the user's) and the turns before it (each user message with
    the assistant's answer after it), newest ``MAX_HISTORY``, oldest first; ``QuestionError`` when the last message
    is not a user's."""
    last = messages[-1]
    if last.role != "user":
        raise QuestionError("the last message must be the user's question (role \"user\")")
    return last.text(), turns_from_messages(((m.role, m.text(), None) for m in messages[:-1]), MAX_HISTORY)


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~"})


def _md(text: str) -> str:
    """Plain text as Markdown that reads as the same text (no emphasis, links or HTML from report words)."""
    return " ".join(text.split()).translate(_MARKDOWN)


def _quoted(citation: Citation) -> str:
    quote = citation.quote
    left, right = citation.start - citation.quote_start, citation.end - citation.quote_start
    if not 0 <= left < right <= len(quote):
        return _md(quote)
    return _md(quote[:left]) + "**" + _md(quote[left:right]) + "**" + _md(quote[right:])


def _source(citation: Citation) -> str:
    where = [f"《{citation.title}》"]
    if citation.district:
        where.append(citation.district)
    if citation.year is not None:
        where.append(f"{citation.year}年")
    return _md(" · ".join(where)) + f"（{_md(citation.doc_id)}，第{citation.start}–{citation.end}字）"


def reply_text(result: Result) -> str:
    """What a chat client shows: the answer, the sentence it stands in with the answer in bold, the report, place
    and year, what the reports state, the confidence; or, abstaining, what they do not state."""
    lines: list[str] = []
    if result.resolved_question and result.resolved_question != result.question:
        lines.append(f"（理解为：{_md(result.resolved_question)}）")
    if result.abstained or not result.answer:
        lines.append(_md(result.message or "报告中没有找到这个问题的答案。"))
    else:
        lines.append(f"**{_md(result.answer)}**")
        if result.citations:
            citation = result.citations[0]
            lines.append(f"> {_quoted(citation)}")
            lines.append(f"出处：{_source(citation)}")
        if result.message:
            lines.append(_md(result.message))
    lines.append(confidence_cue(result.confidence))
    return "\n\n".join(lines)


def _usage(question: str, history: list[Turn], content: str) -> dict:
    """Sizes in characters (there are no tokens: nothing is generated)."""
    prompt = len(question) + sum(len(t.question) + len(t.answer or "") for t in history)
    return {"prompt_tokens": prompt, "completion_tokens": len(content), "total_tokens": prompt + len(content)}


@router.get("/models")
def list_models() -> dict:
    """The one model: extractive answers with citations from the reports."""
    return {"object": "list", "data": [model_card()]}


@router.get("/models/{model_id}", responses={404: {"description": "no such model"}})
def get_model(model_id: str) -> dict:
    if model_id != MODEL_ID:
        raise HTTPException(status_code=404, detail=f"the model {model_id!r} does not exist; the one model is {MODEL_ID!r}")
    return model_card()


def model_card() -> dict:
    return {"id": MODEL_ID, "object": "model", "created": _STARTED, "owned_by": "reportqa"}


@router.post("/chat/completions", responses={400: {"description": "invalid request"}, 404: {"description": "no such model"},
                                             413: {"description": "body too large"}, 503: {"description": "not ready"}})
def chat_completions(body: ChatRequest, qa: QADep) -> Any:
    """Answer the last user message from the reports, as a ``chat.completion`` or, with ``stream``, as server-sent
    ``chat.completion.chunk`` events ending with ``data: [DONE]``."""
    if body.model != MODEL_ID:
        raise HTTPException(status_code=404, detail=f"the model {body.model!r} does not exist; use {MODEL_ID!r}")
    try:
        question, history = question_and_history(body.messages)
        result = qa.ask(question, history=history)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=f"messages: {exc}") from None  # 400 in OpenAI's shape (OpenAIErrors)
    structured = ask_response(result, {d.doc_id: d.title for d in qa.documents}).model_dump()
    content = reply_text(result)
    usage = _usage(question, history, content)
    made = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": MODEL_ID}
    if body.stream:
        with_usage = body.stream_options is not None and body.stream_options.include_usage
        return StreamingResponse(_chunks(made, content, structured, usage if with_usage else None), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return {
        **made,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop", "logprobs": None}],
        "usage": usage,
        "reportqa": structured,
    }


def _chunks(made: dict, content: str, structured: dict, usage: dict | None) -> Iterator[str]:
    """The reply as chunk events: the role, the content a paragraph at a time, the end with the structured answer,
    the usage when asked for, then ``[DONE]``."""
    def event(choices: list[dict], **extra: Any) -> str:
        return "data: " + json.dumps({**made, "object": "chat.completion.chunk", "choices": choices, **extra}, ensure_ascii=False) + "\n\n"

    def delta(d: dict, finish: str | None = None) -> list[dict]:
        return [{"index": 0, "delta": d, "finish_reason": finish, "logprobs": None}]

    yield event(delta({"role": "assistant", "content": ""}))
    paragraphs = content.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        yield event(delta({"content": paragraph + ("\n\n" if i < len(paragraphs) - 1 else "")}))
    yield event(delta({}, "stop"), reportqa=structured)
    if usage is not None:
        yield event([], usage=usage)
    yield "data: [DONE]\n\n"


# --- errors in OpenAI's shape -----------------------------------------------------------------------------------

_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "invalid_request_error",
                405: "invalid_request_error", 413: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error",
                503: "server_error"}
_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large", 429: "rate_limit_exceeded", 503: "service_unavailable"}


def openai_error(status: int, body: dict) -> tuple[int, dict]:
    """The status and body OpenAI clients expect for one of this service's JSON errors (``{"detail": …}``): 422 is
    400, as OpenAI answers an invalid request; the first invalid field is ``param``."""
    detail = body.get("detail")
    message = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
    errors = body.get("errors") or []
    param = (".".join(str(p) for p in errors[0].get("loc", [])[1:]) or None) if errors else None
    code = _ERROR_CODES.get(status)
    if status == 404 and "model" in message and "does not exist" in message:
        code = "model_not_found"
    status = 400 if status == 422 else status
    return status, {"error": {"message": message, "type": _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"),
                              "param": param, "code": code}}


class OpenAIErrors:
    """Every JSON error under /v1/ (from a route, a validation, or a guard before the app: body limit, rate limit,
    unknown route, method) rewritten into OpenAI's ``{"error": {"message", "type", "param", "code"}}``. Only error
    responses are held back (they are small); answers, streamed ones included, pass as they come."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            return await self.app(scope, receive, send)
        start: dict | None = None
        body = b""

        async def rewriting(message: dict) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start" and message["status"] >= 400:
                start = message
                return
            if start is None:
                return await send(message)
            body += message.get("body", b"")
            if message.get("more_body", False):
                return
            try:
                parsed = json.loads(body.decode("utf-8"))
            except ValueError:
                parsed = {"detail": body.decode("utf-8", "replace")}
            if not isinstance(parsed, dict) or "error" in parsed:
                status, out = start["status"], body
            else:
                status, shaped = openai_error(start["status"], parsed)
                out = json.dumps(shaped, ensure_ascii=False).encode("utf-8")
            headers = [(k, v) for k, v in start["headers"] if k.lower() not in (b"content-length", b"content-type")]
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": out})

        await self.app(scope, receive, rewriting)
