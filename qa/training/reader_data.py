"""The reader's domain training data: for each question of the read eval splits, the windows the pipeline gives the
reader, each labelled with where the gold answer stands in it, or as holding none."""
from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path
from typing import Iterable, Sequence

from qa.models.reader import Window
from qa.answering.protocol import Answerer

logger = logging.getLogger(__name__)

# never trained on, selected on or thresholded on: the honest measures of the answer module
UNREAD_SPLITS = ("holdout", "blind13", "blind14")
WINDOWS_PER_QUESTION = 4  # the bundle holds more windows than the pipeline reads, so the number read can be chosen later


def read_splits(available: Iterable[str]) -> list[str]:
    """The eval splits that may be trained and selected on: every one but the unread."""
    return sorted(s for s in available if s not in UNREAD_SPLITS)


def gold_span(doc_text: str, item: dict) -> tuple[int, int] | None:
    """Where the first gold form stands inside the gold evidence in the document, or None (unanswerable)."""
    if not item.get("answerable") or not item.get("evidence"):
        return None
    at = doc_text.find(item["evidence"])
    if at < 0:
        return None
    inner = item["evidence"].find(item["answers"][0])
    return (at + inner, at + inner + len(item["answers"][0])) if inner >= 0 else None


def label_window(window: Window, item: dict, gold: tuple[int, int] | None) -> int:
    """The gold answer's offset in the window's text; -1 when it holds no answer; -2 when it holds a gold form
    somewhere else than at the gold evidence (the same figure printed twice: neither label is safe)."""
    if gold is not None and window.doc_id == item["doc_id"] and window.start <= gold[0] and gold[1] <= window.end:
        return gold[0] - window.start
    if any(a and a in window.text for a in item.get("answers") or ()):
        return -2
    return -1


def bundle_rows(qa: Answerer, items: Sequence[dict], split: str, k: int = WINDOWS_PER_QUESTION) -> list[dict]:
    """One row per question: the resolved question, its gold forms, and its windows with labels. When none of the
    windows holds the gold answer, the passage that does is added as a training-only window (``added``)."""
    rows = []
    for item in items:
        seen = qa.deliberate(item["question"], history=item.get("history") or [])
        windows = qa.reader_windows(seen, k)
        doc = qa.index.by_id.get(item.get("doc_id") or "")
        gold = gold_span(doc.text, item) if doc is not None else None
        labelled = [(w, label_window(w, item, gold), False) for w in windows]
        if gold is not None and not any(label >= 0 for _, label, _ in labelled):
            holder = next((p for p in qa.index.passages if p.doc_id == doc.doc_id and p.start <= gold[0] and gold[1] <= p.end), None)
            if holder is not None:
                w = Window(holder.doc_id, holder.start, holder.text, rank=len(windows))
                labelled.append((w, label_window(w, item, gold), True))
        rows.append({
            "id": item["id"],
            "split": split,
            "question": seen.resolved,
            "golds": list(item["answers"]) if item["answerable"] else [],
            "refused": seen.refusal is not None,
            "windows": [
                {"doc_id": w.doc_id, "start": w.start, "text": w.text, "rank": w.rank, "retrieval": round(w.retrieval, 4),
                 "answer_start": label, "answer_text": item["answers"][0] if label >= 0 else "", "added": added}
                for w, label, added in labelled
            ],
        })
    return rows


def write_bundle(rows: Iterable[dict], path: Path) -> int:
    """Write rows as gzip JSON Lines (reproducible: no timestamp in the header); returns how many."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        for row in rows:
            f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
            n += 1
    return n
