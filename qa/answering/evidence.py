"""What the answerers read: the sentences of the retrieved passages as the rules' evidence (bylines read directly),
the passages the reader reads, and the facts about a candidate's sentence that the ranker weighs."""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from qa.answering.view import CorpusView
from qa.models.candidates import SentenceFacts
from qa.models.reader import Window
from qa.rules.types import Evidence, Span
from qa.rules.question import Question
from qa.schema import Hit

_FIGURES = ("number", "amount", "percentage")


class EvidenceReader:
    """Turns retrieved passages into what the rules and the reader read."""

    def __init__(self, view: CorpusView) -> None:
        self.view = view

    def evidence(self, hits: list[Hit], query_vector: np.ndarray, asked: Question | None = None) -> list[Evidence]:
        """The sentences of the passages found (scored passages only, each sentence once, headings only for figures),
        and the bylines naming the asked title."""
        top = hits[0].score if hits and hits[0].score > 0 else 1.0
        # a heading may print a count its section only lists (重点实施五大行动); its names are slogans, not answers
        headings = asked is not None and asked.answer_type in _FIGURES
        sentences = self.view.index.sentences
        seen: dict[int, Evidence] = {}
        for hit in hits:
            if hit.score <= 0:
                continue
            for i in self.view.passage_sentences[hit.passage.passage_id]:
                if (headings or sentences[i].kind != "heading") and i not in seen:
                    seen[i] = self.sentence_evidence(i, max(hit.score, 0.0) / top, query_vector)
        if asked is not None and asked.person and asked.role:
            # a byline (编辑：武俊 美编：马秀霞) shares no words with the report, so retrieval never finds it: the
            # bylines naming the asked title are read directly
            for i in self._bylines(asked):
                seen.setdefault(i, self.sentence_evidence(i, 1.0, query_vector))
        return list(seen.values())

    def _bylines(self, asked: Question) -> list[int]:
        """The captions naming the asked title before a name (记者 夏侯凤超), and the first lines of a report naming
        it (山东省省长周乃翔, 国务院总理 李 强): who delivered the report."""
        byline = re.compile(rf"{asked.role}(?:\s|[：:])")
        speaker = re.compile(rf"{asked.role}\s*[\u4e00-\u9fff]")
        found = []
        for lines, pattern, opening in ((self.view.captions, byline, False), (self.view.openings, speaker, True)):
            for i in lines:
                s = self.view.index.sentences[i]
                doc = self.view.docs[s.doc_id]
                # a report's first lines speak for the year it was delivered, whatever year their dateline names
                years = (None, s.year, doc.year) if opening else (None, s.year)
                if asked.district in (None, doc.district) and asked.year in years and pattern.search(doc.text, s.start, s.end):
                    found.append(i)
        return list(dict.fromkeys(found))

    def sentence_evidence(self, i: int, retrieval: float, query_vector: np.ndarray) -> Evidence:
        """Sentence ``i`` as evidence: its text, the two sentences before as context, the one after, its year and
        stance, the passage's retrieval score and the sentence's similarity to the question."""
        sentences = self.view.index.sentences
        sentence = sentences[i]
        doc = self.view.docs[sentence.doc_id]
        before = [sentences[j] for j in (i - 2, i - 1) if j >= 0 and sentences[j].doc_id == sentence.doc_id]
        after = sentences[i + 1] if i + 1 < len(sentences) and sentences[i + 1].doc_id == sentence.doc_id else None
        return Evidence(
            doc_id=sentence.doc_id,
            start=sentence.start,
            text=doc.text[sentence.start : sentence.end],
            context=sentence.section + "".join(doc.text[s.start : s.end] for s in before),
            year=sentence.year,
            stance=sentence.stance,
            retrieval=retrieval,
            similarity=float(self.view.index.sentence_vectors[i] @ query_vector),
            following=doc.text[after.start : after.end] if after else "",
        )

    def reader_windows(self, hits: Sequence[Hit], spans: Sequence[Span], k: int) -> list[Window]:
        """The passages the reader reads, at most ``k``: those holding the rules' two best distinct spans first (the
        reader then judges their boundaries), then the retrieved ones in rank order."""
        top = max((h.score for h in hits), default=0.0) or 1.0
        chosen: dict[int, Hit] = {}
        for span in distinct(list(spans), limit=2):
            holder = next((h for h in hits if h.passage.doc_id == span.doc_id and h.passage.start <= span.start and span.end <= h.passage.end), None)
            if holder is not None:
                chosen.setdefault(holder.passage.passage_id, holder)
        for hit in hits:
            if hit.score > 0:
                chosen.setdefault(hit.passage.passage_id, hit)
        return [
            Window(h.passage.doc_id, h.passage.start, h.passage.text, rank=i, retrieval=max(h.score, 0.0) / top)
            for i, h in enumerate(list(chosen.values())[:k])
        ]

    def sentence_facts(self, doc_id: str, start: int, weights: dict[str, float], query_vector: np.ndarray) -> SentenceFacts:
        """What the ranker knows of the sentence a candidate starting at ``start`` stands in: its year and stance, its
        similarity to the question, and the share of the key terms' weight it and the two sentences before hold."""
        sentences = self.view.index.sentences
        i = self.view.sentence_at(doc_id, start)
        sentence = sentences[i]
        doc = self.view.docs[doc_id]
        before = max(0, i - 2) if sentences[max(0, i - 2)].doc_id == doc_id else i
        near = doc.text[sentences[before].start : sentence.end]
        total = sum(weights.values())
        return SentenceFacts(
            year=sentence.year,
            stance=sentence.stance,
            similarity=float(self.view.index.sentence_vectors[i] @ query_vector),
            coverage=sum(w for t, w in weights.items() if t in near) / total if total else 0.0,
            text=doc.text[sentence.start : sentence.end],
            start=sentence.start,
        )


def distinct(spans: list[Span], limit: int = 5) -> list[Span]:
    """The first ``limit`` spans, best first, that do not overlap a better one in the same document: 市中区坚持稳中求进
    and 稳中求进 are the same answer cut otherwise, not another answer (1600余个 beside 7000余个 is one)."""
    kept: list[Span] = []
    for span in spans:
        if not any(k.doc_id == span.doc_id and k.start < span.end and span.start < k.end for k in kept):
            kept.append(span)
            if len(kept) == limit:
                break
    return kept


def clause_context(span: Span) -> str:
    """The clause holding the answer, with the clause before it when it is too short to stand alone."""
    text = span.evidence.text
    at = text.find(span.clause)
    if len(span.clause) < 12 and at > 1:
        before = text[:at].rstrip("，；：、")
        cut = max(before.rfind(c) for c in "，；：。") + 1
        return before[cut:] + "，" + span.clause
    return span.clause
