"""The index seen by report, passage and sentence, built once with it: which sentences a passage holds, which years
and districts they speak for, the sentence at an offset, and the tagger's cached reading of short texts."""
from __future__ import annotations

import bisect
from collections import defaultdict
from functools import lru_cache

import numpy as np

from qa.index.store import Index
from qa.rules.question import Districts
from qa.schema import Document


OPENING_CHARS = 300


class CorpusView:
    """Read-only lookups over one ``Index`` that the answering parts share."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.docs: dict[str, Document] = index.by_id
        self.passage_sentences: list[list[int]] = []
        self.passage_years: list[set[int]] = []
        self.passage_periods: list[set[tuple[int, str | None]]] = []  # (year, stance) of the sentences a passage holds
        by_doc: dict[str, list[int]] = defaultdict(list)
        for i, sentence in enumerate(index.sentences):
            by_doc[sentence.doc_id].append(i)
        starts = {doc_id: [index.sentences[i].start for i in ids] for doc_id, ids in by_doc.items()}  # ascending
        for passage in index.passages:
            ids, at = by_doc[passage.doc_id], starts[passage.doc_id]
            inside = ids[bisect.bisect_left(at, passage.start) : bisect.bisect_left(at, passage.end)]
            self.passage_sentences.append(inside)
            periods = {(index.sentences[i].year, index.sentences[i].stance) for i in inside if index.sentences[i].year}
            self.passage_periods.append(periods)
            self.passage_years.append({year for year, _ in periods})
        self.coverage: dict[str, set[int]] = defaultdict(set)  # district -> years some sentence speaks for
        for sentence in index.sentences:
            district = self.docs[sentence.doc_id].district
            if district and sentence.year:
                self.coverage[district].add(sentence.year)
        # the districts beyond Jinan's, named in questions as in metadata
        self.districts = Districts.of(doc.district for doc in index.documents)
        # each passage's district as a number (-1: none), so a district's mask is one comparison
        self.district_code = {district: code for code, district in enumerate(sorted(self.coverage))}
        doc_code = {doc.doc_id: self.district_code.get(doc.district, -1) for doc in index.documents}
        self.passage_district = np.array([doc_code[p.doc_id] for p in index.passages], dtype=np.int32)
        # each passage's report's year (0: none), so the reports of one year are one comparison
        self.passage_report_year = np.array([self.docs[p.doc_id].year or 0 for p in index.passages], dtype=np.int32)
        self._reports: dict[tuple[str | None, int | None], list[Document]] = defaultdict(list)  # (place, year), either None: any
        for doc in index.documents:
            for key in {(doc.district, doc.year), (doc.district, None), (None, doc.year), (None, None)}:
                self._reports[key].append(doc)
        self.doc_passages: dict[str, list[int]] = defaultdict(list)  # a report's passages in order
        for i, passage in enumerate(index.passages):
            self.doc_passages[passage.doc_id].append(i)
        self.tag = lru_cache(maxsize=4096)(index.tokenizer.tag)
        self._sentence_starts = {doc_id: (starts[doc_id], ids) for doc_id, ids in by_doc.items()}
        self.captions = [i for i, sentence in enumerate(index.sentences) if sentence.kind == "caption"]  # bylines among them
        # the sentences of a report's first lines, where a report as delivered names its speaker (山东省省长 周乃翔)
        self.openings = [i for i, sentence in enumerate(index.sentences) if sentence.start < OPENING_CHARS]

    def sentence_at(self, doc_id: str, offset: int) -> int:
        """The number of the sentence of ``doc_id`` that holds the character ``offset``."""
        starts, ids = self._sentence_starts[doc_id]
        return ids[max(0, bisect.bisect_right(starts, offset) - 1)]

    def passages_holding(self, doc_id: str, start: int, end: int) -> list[int]:
        """The passages of ``doc_id`` that hold the whole span ``start``..``end`` (passages overlap)."""
        passages = self.index.passages
        return [i for i in self.doc_passages.get(doc_id, ()) if passages[i].start <= start and end <= passages[i].end]

    def district_mask(self, district: str | None) -> np.ndarray | None:
        """True for the passages of ``district``; None when the corpus knows no such district."""
        if district not in self.district_code:
            return None
        return self.passage_district == self.district_code[district]

    def reports_of(self, district: str | None, year: int | None) -> list[Document]:
        """The reports of ``district`` delivered in ``year`` (None: any), in corpus order; a lookup, not a scan."""
        return self._reports.get((district, year), [])

    def mentions(self, text: str) -> bool:
        """Whether some report's text holds ``text``."""
        return any(text in doc.text for doc in self.index.documents)
