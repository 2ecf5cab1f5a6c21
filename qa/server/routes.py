"""The JSON API's routes: sync functions, so FastAPI runs them in its threadpool and a slow ask never blocks the event
loop. Each only calls the answerer and converts what it returns."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from qa.errors import QuestionError
from qa.server.documents import documents_with_status
from qa.server.loading import Answerer, get_qa
from qa.server.models import AskRequest, AskResponse, DocumentOut, DocumentTextOut, ErrorOut, HealthOut, ask_response, document_out

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
    try:
        result = qa.ask(body.question, top_k=body.top_k, history=body.turns())
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return ask_response(result, {d.doc_id: d.title for d in qa.documents})


@router.get("/documents", response_model=list[DocumentOut], responses=NOT_READY)
def list_documents(qa: QADep, request: Request) -> list[DocumentOut]:
    """The reports in the index, with their metadata and status (ready), then the reports on their way in or out:
    queued, indexing, or failed with the reason."""
    return documents_with_status(qa.documents, request.app.state.jobs.pending())


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
