"""A chat's earlier turns as clients send them, made into the library's ``Turn``s.

Three shapes arrive: earlier questions as plain strings (``/api/ask`` before conversations), messages with roles
(``{"role": "user" | "assistant", "content": ...}``, the shape chat clients send, in ``/api/ask`` and
``/v1/chat/completions``), and an assistant message with the structured place of its answer (``citation``). A user
message opens a turn; the assistant message after it is that turn's answer. An answer's place comes from its
``citation`` when given, else from the source line of our own replies (``（doc_id，第start–end字）``), which chat
clients send back unchanged; its text is the reply's bold answer, or a short plain reply as it is. Anything else an
assistant said (an abstention, a long text of its own) leaves the turn without an answer.
"""
from __future__ import annotations

import re
from typing import Iterable

from qa.rules.question import MAX_QUESTION_CHARS
from qa.schema import Turn

MAX_ANSWER_CHARS = 200  # a plain assistant reply longer than this is not taken as the answer it refers to
# our reply's source line (openai_compat.reply_text, the chat page): the report's id and the answer's offsets
_SOURCE = re.compile(r"（([^（）\s，]+)，第(\d{1,9})[–-](\d{1,9})字）")
_BOLD = re.compile(r"^\*\*(.+?)\*\*\s*$", re.M)
_ESCAPED = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def reply_turn(question: str, reply: str, citation: dict | None = None) -> Turn:
    """The turn of ``question`` answered by ``reply`` (an assistant message's content; ``citation``: its place,
    ``{"doc_id", "start", "end"}``, when the client kept it)."""
    bold = _BOLD.search(reply)
    if bold:
        answer: str | None = _unescape(bold.group(1)).strip()
    else:
        plain = reply.strip()
        answer = plain if plain and len(plain) <= MAX_ANSWER_CHARS and "\n" not in plain else None
    if citation:
        return Turn(question, answer, citation.get("doc_id"), citation.get("start"), citation.get("end"))
    source = _SOURCE.search(reply)
    if answer and source:
        return Turn(question, answer, _unescape(source.group(1)), int(source.group(2)), int(source.group(3)))
    return Turn(question, answer)


def turns_from_messages(messages: Iterable[tuple[str, str, dict | None]], limit: int) -> list[Turn]:
    """The turns of ``(role, content, citation)`` messages, oldest first, the newest ``limit``: a user message opens a
    turn, the first assistant message after it answers it; other roles and empty questions are skipped."""
    turns: list[Turn] = []
    answered = True
    for role, content, citation in messages:
        if role == "user":
            question = content.strip()
            if question and len(question) <= MAX_QUESTION_CHARS:
                turns.append(Turn(question))
                answered = False
        elif role == "assistant" and turns and not answered:
            turns[-1] = reply_turn(turns[-1].question, content, citation)
            answered = True
    return turns[-limit:]
