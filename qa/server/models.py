"""The HTTP request and response models: Pydantic only here, converted from the library's dataclasses."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from qa.schema import Document, Result, Turn
from qa.server.history import turns_from_messages
from qa.answering.serialize import result_to_dict

MAX_QUESTION_CHARS = 500
MAX_HISTORY = 20
MAX_MESSAGE_CHARS = 8 * MAX_QUESTION_CHARS  # an earlier turn (an answer shown back) may be longer than a question


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


class AnswerPlace(BaseModel):
    """Where an earlier answer stands, as ``/api/ask`` gave it (``answer.citation``'s doc_id, start and end)."""

    model_config = ConfigDict(strict=True, extra="ignore")
    doc_id: str = Field(max_length=200)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class HistoryMessage(BaseModel):
    """An earlier message of the chat: the user's question or the assistant's answer (with its place, optionally)."""

    model_config = ConfigDict(strict=True, extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_MESSAGE_CHARS)
    citation: AnswerPlace | None = None


class AskRequest(BaseModel):
    """A question, how many passages to retrieve, and the chat before it (oldest first): earlier questions as
    strings, or messages with roles so that a follow-up can refer to the answers given."""

    # strict: 123 is not a question and "5" is not a top_k; forbid: a misspelt field is an error, not ignored
    model_config = ConfigDict(strict=True, extra="forbid")

    question: QuestionText
    top_k: TopK = Field(5, ge=1, le=20)
    history: list[HistoryItem | HistoryMessage] = Field(default_factory=list, max_length=2 * MAX_HISTORY)

    def turns(self) -> list[Turn]:
        """The earlier turns, the newest ``MAX_HISTORY``."""
        messages = [("user", h, None) if isinstance(h, str) else (h.role, h.content, h.citation.model_dump() if h.citation else None)
                    for h in self.history]
        return turns_from_messages(messages, MAX_HISTORY)


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
    chars: int | None  # None while a new report waits to be read
    status: Literal["queued", "indexing", "ready", "failed"] = "ready"
    reason: str | None = None  # why the report, or the last change to it, failed


class JobOut(BaseModel):
    """A change to the reports (POST, PUT or DELETE /api/documents) and how far it got."""

    doc_id: str
    action: Literal["add", "replace", "remove"]
    status: Literal["queued", "indexing", "done", "failed"]
    file: str | None = None
    reason: str | None = None
    submitted: str


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
