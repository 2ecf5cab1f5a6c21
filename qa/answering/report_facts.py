"""Questions about a report itself (who delivered it, on which day, at which meeting: 湖北2025年政府工作报告是谁作的),
answered from the report's heading (``qa.ingest.heading``), not from passages that merely resemble the question."""
from __future__ import annotations

from qa.answering.deliberation import Settled
from qa.answering.view import CorpusView
from qa.ingest.gazetteer import NATIONAL
from qa.ingest.heading import Heading, read_heading
from qa.rules.question import Question
from qa.schema import Document

# The confidence stated with such an answer: the heading's fact is printed once and read by pattern. On the
# development corpus's read splits (scripts/heading_check.py) the heading settled 47 questions and turns, all right
# (95% lower bound 0.92); stated below 1 for layouts no read report has.
FACT_CONFIDENCE = 0.95
_KIND = {"speaker": "name", "date": "date", "meeting": "name"}


class ReportFacts:
    """The headings of one index's reports, read once."""

    def __init__(self, view: CorpusView) -> None:
        self.view = view
        self.headings: dict[str, Heading] = {doc.doc_id: read_heading(doc.text) for doc in view.index.documents}

    def settled(self, asked: Question) -> Settled | None:
        """The answer to a question about a report's speaker, date or meeting, where the report meant is plain and its
        heading states it; else None (the passages are searched as for any question)."""
        if not asked.report_fact:
            return None
        doc = self.report(asked)
        stated = self.headings[doc.doc_id].fact(asked.report_fact) if doc is not None else None
        if stated is None:
            return None
        return Settled(doc.doc_id, stated.start, stated.end, _KIND[asked.report_fact], FACT_CONFIDENCE, "heading")

    def report(self, asked: Question) -> Document | None:
        """The report a question means: of its place (the country's when it names none and several places have one)
        and year (the place's newest when it names none); None when that leaves no report or several."""
        year = asked.report_year or asked.year  # 2025年驻马店政府工作报告, 高阳县2018年的县长
        docs = self.view.reports_of(asked.district, year)
        if asked.district is None and len({d.district for d in docs}) > 1:
            docs = [d for d in docs if d.district == NATIONAL]  # 2021年政府工作报告: the State Council's
        if year is None and docs:
            newest = max(d.year or 0 for d in docs)
            docs = [d for d in docs if (d.year or 0) == newest]
        return docs[0] if len(docs) == 1 else None
