"""The earlier turns a question comes with, checked: each a question or a ``Turn`` whose answer, when it names a
place in a report, is that report's text there."""
from __future__ import annotations

from typing import Mapping, Sequence

from qa.errors import QuestionError
from qa.rules.question import MAX_HISTORY, MAX_QUESTION_CHARS, validate_question
from qa.schema import Document, Turn


def checked_history(history: Sequence[str | Turn], docs: Mapping[str, Document]) -> list[Turn]:
    """The earlier turns, oldest first, each validated: a question (text) or a ``Turn``. ``QuestionError`` for a
    history that is not a list of at most ``MAX_HISTORY`` of them; an answer's place that is not in the index
    (``docs``, its reports by id: a report since removed, offsets past its end) is dropped and its text kept."""
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        raise QuestionError("history must be a list of earlier questions")
    if len(history) > MAX_HISTORY:
        raise QuestionError(f"history may hold at most {MAX_HISTORY} earlier questions")
    turns = []
    for item in history:
        if not isinstance(item, Turn):
            turns.append(Turn(validate_question(item)))
            continue
        answer = item.answer if isinstance(item.answer, str) and item.answer.strip() else None
        doc = docs.get(item.doc_id) if isinstance(item.doc_id, str) else None
        placed = (doc is not None and answer is not None
                  and all(isinstance(x, int) and not isinstance(x, bool) for x in (item.start, item.end))
                  and 0 <= item.start < item.end <= len(doc.text) and doc.text[item.start : item.end] == answer.strip())
        turns.append(Turn(validate_question(item.question), answer and answer.strip()[:MAX_QUESTION_CHARS],
                          *((item.doc_id, item.start, item.end) if placed else (None, None, None))))
    return turns
