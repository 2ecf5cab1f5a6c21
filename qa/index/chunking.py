"""Split canonical text into sentences and group them into passages that keep their character spans."""
from __future__ import annotations

import re

from qa.schema import Document, Passage, Sentence

# A sentence ends after these (with any closing quotes); a caption also breaks before a circled number.
_SENTENCE_END = re.compile(r"[。！？!?；;…]+[”’」』）]*|(?=\s*[①-⑳])")


def split_sentences(doc: Document) -> list[Sentence]:
    """Split every paragraph of ``doc`` into sentences; a heading is one sentence and names the section after it.

    Returns sentences in document order; each span is stripped of surrounding spaces and never empty.
    """
    sentences: list[Sentence] = []
    section = ""
    for paragraph in doc.paragraphs:
        if paragraph.kind == "heading":
            section = doc.text[paragraph.start : paragraph.end]
            sentences.append(Sentence(doc.doc_id, paragraph.start, paragraph.end, section, "heading"))
            continue
        start = paragraph.start
        ends = [m.end() for m in _SENTENCE_END.finditer(doc.text, paragraph.start, paragraph.end)]
        for end in ends + [paragraph.end]:
            piece = doc.text[start:end]
            left = start + len(piece) - len(piece.lstrip())
            right = end - (len(piece) - len(piece.rstrip()))
            if right > left:
                sentences.append(Sentence(doc.doc_id, left, right, section, paragraph.kind))
            start = end
    return sentences


def make_passages(
    doc: Document,
    sentences: list[Sentence],
    *,
    target_chars: int = 220,
    overlap_chars: int = 80,
    first_id: int = 0,
) -> list[Passage]:
    """Group consecutive sentences of one section and one kind (body or caption) into passages.

    A passage closes once it reaches ``target_chars``; the next one starts with as many trailing sentences of
    the previous one as fit in ``overlap_chars``. A heading opens a new passage and is its first sentence, so
    the heading's words are searchable with the text under it. Returns passages numbered from ``first_id``.
    """
    if target_chars < 20 or overlap_chars < 0 or overlap_chars >= target_chars:
        raise ValueError("need target_chars >= 20 and 0 <= overlap_chars < target_chars")
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    fresh = 0  # sentences in ``current`` that are not overlap from the previous passage

    def close() -> None:
        nonlocal current, fresh
        if fresh:
            groups.append(current)
        current, fresh = [], 0

    for sentence in sentences:
        if sentence.kind == "heading" or (current and current[-1].kind != sentence.kind and current[-1].kind != "heading"):
            close()
        current.append(sentence)
        fresh += 1
        if sentence.kind != "heading" and current[-1].end - current[0].start >= target_chars:
            done = current
            close()
            carry: list[Sentence] = []
            for previous in reversed(done):
                if previous.kind == "heading" or done[-1].end - previous.start > overlap_chars:
                    break
                carry.insert(0, previous)
            current = carry if len(carry) < len(done) else []
    close()
    return [
        Passage(first_id + i, doc.doc_id, g[0].start, g[-1].end, doc.text[g[0].start : g[-1].end], g[-1].section)
        for i, g in enumerate(groups)
    ]
