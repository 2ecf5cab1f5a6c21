"""A ``Result`` from what was decided: the answer with its citations and the other candidates, the message that
says what the reports state (and what else they state nearby), and the note when other districts' reports compete."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from qa.answering import messages
from qa.answering.deliberation import Deliberation
from qa.answering.evidence import clause_context, distinct
from qa.answering.scope import Scope
from qa.answering.view import CorpusView
from qa.models.candidates import Option
from qa.models.ranker import Decision
from qa.models.reader import DECODING, WindowLogits
from qa.rules.types import Evidence, Span
from qa.rules.question import Question
from qa.rules.signals import Reason
from qa.rules.spans import bare_figure, split_clauses
from qa.schema import Candidate, Citation, Result

# A candidate this close to the best is mentioned in the message as another answer.
ALSO_RATIO = 0.8


def analysis_of(asked: Question) -> dict:
    """What the question was read as, for the result's ``analysis``."""
    return {"district": asked.district, "year": asked.year, "stance": asked.stance, "answer_type": asked.answer_type, "unit": asked.unit}


class Composer:
    """Builds results over one index."""

    def __init__(self, view: CorpusView, scope: Scope) -> None:
        self.view = view
        self.scope = scope

    def refused(self, seen: Deliberation) -> Result:
        """No answer: no report can answer the question (``seen.refusal`` says why)."""
        return Result(seen.question, None, True, 0.0, seen.refusal, passages=seen.shown, resolved_question=seen.resolved,
                      analysis=analysis_of(seen.asked))

    def rules_result(self, seen: Deliberation) -> Result:
        """The rules' own answer: their best span unless they give a reason not to answer."""
        rules, shown = seen.rules, seen.shown
        analysis = analysis_of(seen.asked)
        if rules.signals:
            analysis["signals"] = {str(k): round(v, 4) for k, v in rules.signals.items()}
        if rules.reason is not None:
            confidence = rules.confidence if rules.reason_kind == Reason.UNSURE else 0.0
            return Result(seen.question, None, True, round(confidence, 4), rules.reason, passages=shown, resolved_question=seen.resolved, analysis=analysis)
        kept = [bare_figure(s) for s in distinct(list(rules.spans))]
        candidates = tuple(Candidate(s.text, round(s.score, 4), self.cite(s)) for s in kept)
        confidence, note = self.ambiguity(seen, kept[0], rules.confidence, analysis)
        return Result(
            question=seen.question,
            answer=kept[0].text,
            abstained=False,
            confidence=round(confidence, 4),
            message=self.message(kept[0], kept) + note,
            answers=candidates,
            citations=tuple(c.citation for c in candidates),
            passages=shown,
            resolved_question=seen.resolved,
            analysis=analysis,
        )

    def ranked_result(self, seen: Deliberation, options: list[Option], decision: Decision) -> Result:
        """The ranker's decision as a result: the chosen candidate, or no answer with the rules' reason when they
        gave one; the other candidates, most probable first, that do not overlap a more probable one."""
        analysis = {**analysis_of(seen.asked), "decided_by": "ranker", "no_answer_probability": round(decision.null_probability, 4)}
        order = sorted(range(len(options)), key=lambda i: -decision.probabilities[i])
        spans = [self.option_span(options[i], decision.probabilities[i]) for i in order]
        if decision.chosen is None:
            message = seen.rules.reason if seen.rules.reason_kind not in (None, Reason.UNSURE) else messages.UNSURE
            return Result(seen.question, None, True, round(decision.confidence, 4), message, passages=seen.shown,
                          resolved_question=seen.resolved, analysis=analysis)
        kept = [bare_figure(s) for s in distinct(spans)]
        candidates = tuple(Candidate(s.text, round(s.score, 4), self.cite(s)) for s in kept)
        chosen = options[decision.chosen]
        confidence, note = self.ambiguity(seen, kept[0], decision.confidence, analysis)
        # the message names the figures the rules found as close to the question as the chosen one (另：…)
        said = self.message(chosen.rule, distinct(list(seen.rules.spans))) if chosen.rule is not None else self.message(kept[0], kept[:1])
        return Result(
            question=seen.question,
            answer=kept[0].text,
            abstained=False,
            confidence=round(confidence, 4),
            message=said + note,
            answers=candidates,
            citations=tuple(c.citation for c in candidates),
            passages=seen.shown,
            resolved_question=seen.resolved,
            analysis=analysis,
        )

    def reader_result(self, seen: Deliberation, options: list[Option], pieces: Sequence[WindowLogits]) -> Result:
        """The reader alone: its best span, or no answer when it scores no answer higher (``DECODING.answers``)."""
        best = next((o for o in options if o.features.get("d_top")), None)
        analysis = {**analysis_of(seen.asked), "decided_by": "reader"}
        if best is None or not DECODING.answers(pieces, best.reader):
            return Result(seen.question, None, True, 0.0, messages.READER_NONE, passages=seen.shown, resolved_question=seen.resolved, analysis=analysis)
        span = bare_figure(self.option_span(best, 1.0))
        candidate = Candidate(span.text, round(best.reader.score, 4), self.cite(span))
        return Result(seen.question, span.text, False, 0.0, self.message(span, [span]), answers=(candidate,), citations=(candidate.citation,),
                      passages=seen.shown, resolved_question=seen.resolved, analysis=analysis)

    def ambiguity(self, seen: Deliberation, best: Span, confidence: float, analysis: dict) -> tuple[float, str]:
        """The confidence and a note for an answer to a question that names no district while other districts'
        reports hold passages as relevant (``Scope.rival_districts``): which one the asker means is not known, so
        the confidence is at most an even share among the districts (1 / (1 + rivals)) and the note names them."""
        rivals = self.scope.rival_districts(seen.asked, seen.hits, best.doc_id, best.text)
        if not rivals:
            return confidence, ""
        analysis["other_districts"] = rivals
        note = messages.which_district(self.view.docs[best.doc_id].district, rivals)
        return min(confidence, 1.0 / (1 + len(rivals))), note

    def option_span(self, option: Option, probability: float) -> Span:
        """A candidate as a span scored by its probability: the rules' own span, or one the reader found, with the
        sentence it stands in as its evidence."""
        if option.rule is not None:
            return replace(option.rule, score=probability)
        return self.span_at(option.doc_id, option.start, option.end, "reader", probability)

    def span_at(self, doc_id: str, start: int, end: int, kind: str, score: float) -> Span:
        """The report's text at ``start``..``end`` as a span, with the sentence it stands in as its evidence."""
        i = self.view.sentence_at(doc_id, start)
        sentence = self.view.index.sentences[i]
        doc = self.view.docs[doc_id]
        end_of = max(sentence.end, end)
        text = doc.text[sentence.start : end_of]
        a, b = start - sentence.start, end - sentence.start
        clause = next((text[x:y] for x, y in split_clauses(text) if x <= a and b <= y), text[a:b])
        evidence = Evidence(doc_id, sentence.start, text, sentence.section, sentence.year, sentence.stance, 0.0)
        return Span(doc_id, start, end, doc.text[start:end], kind, score, evidence, clause)

    def settled_result(self, seen: Deliberation) -> Result:
        """An answer known before any span is ranked (``seen.settled``: the item of the list just answered, a fact
        of a report's heading), cited where it stands."""
        settled = seen.settled
        confidence = settled.confidence
        span = self.span_at(settled.doc_id, settled.start, settled.end, settled.kind, confidence)
        candidate = Candidate(span.text, round(confidence, 4), self.cite(span))
        analysis = {**analysis_of(seen.asked), "decided_by": settled.by}
        if settled.by == "heading":
            doc = self.view.docs[settled.doc_id]
            line_start = doc.text.rfind("\n", 0, span.start) + 1
            line_end = doc.text.find("\n", span.end)
            line_end = len(doc.text) if line_end < 0 else line_end
            message = messages.heading(doc.title, doc.text[line_start:line_end])
        else:
            message = self.message(span, [span])
        return Result(seen.question, span.text, False, round(confidence, 4), message, answers=(candidate,),
                      citations=(candidate.citation,), passages=seen.shown, resolved_question=seen.resolved, analysis=analysis)

    def cite(self, span: Span) -> Citation:
        """The citation of a span: its report, offsets, and the sentence it stands in."""
        doc = self.view.docs[span.doc_id]
        ev = span.evidence
        return Citation(
            doc_id=doc.doc_id,
            title=doc.title,
            year=ev.year,
            district=doc.district,
            start=span.start,
            end=span.end,
            quote=ev.text,
            quote_start=ev.start,
            quote_end=ev.start + len(ev.text),
            stance=ev.stance,
        )

    def message(self, best: Span, spans: list[Span]) -> str:
        """What the reports state: place, year, plan or result, and the answer's clause; the close other answers of
        the same report after 另."""
        others = [
            s for s in [s for s in spans if s is not best][:3]
            if s.score >= ALSO_RATIO * best.score and s.kind == best.kind and s.text != best.text and s.doc_id == best.doc_id
        ]
        ev = best.evidence
        return messages.stated(self.view.docs[best.doc_id].district, ev.year, ev.stance, clause_context(best), [clause_context(s) for s in others[:2]])
