"""The JSON shape of a ``Result``: one definition, used by ``qa ask --json`` and by the API."""
from __future__ import annotations

from dataclasses import asdict

from qa.schema import Hit, Result


def hit_to_dict(hit: Hit, titles: dict[str, str]) -> dict:
    """A retrieved passage with its document's title and its scores."""
    p = hit.passage
    return {
        "doc_id": p.doc_id, "title": titles.get(p.doc_id, ""), "start": p.start, "end": p.end, "text": p.text,
        "score": hit.score, "passage_id": p.passage_id, "section": p.section, "bm25": hit.bm25, "dense": hit.dense,
    }


def result_to_dict(result: Result, titles: dict[str, str]) -> dict:
    """Takes a result and the titles by document id; returns plain JSON-ready data (``answers[0].text == answer``)."""
    return {
        "question": result.question,
        "resolved_question": result.resolved_question or result.question,
        "answer": result.answer,
        "abstained": result.abstained,
        "confidence": result.confidence,
        "message": result.message,
        "answers": [{"text": c.text, "score": c.score, "citation": asdict(c.citation)} for c in result.answers],
        "citations": [asdict(c) for c in result.citations],
        "passages": [hit_to_dict(hit, titles) for hit in result.passages],
        "latency_ms": result.latency_ms,
    }
