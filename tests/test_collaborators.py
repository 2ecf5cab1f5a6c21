"""Each part of the answering stage through its own contract, over a small index with the fake embedder: the corpus
view, the scope, the key terms, the evidence reader, the rule answerer and the composer. Each test states what the
part promises its callers, in terms of the offsets and values it hands on, not how it works inside."""
from __future__ import annotations

import numpy as np
import pytest

from qa.answering import messages
from qa.answering.deliberation import Deliberation, RuleOutcome
from qa.models.candidates import Option
from qa.models.ranker import Decision
from qa.rules.question import analyse
from qa.rules.signals import Reason
from qa.schema import Hit


@pytest.fixture
def parts(small_qa):
    return small_qa


def _seen(qa, question: str) -> Deliberation:
    return qa.deliberate(question)


# -- CorpusView: the index seen by report, passage and sentence ---------------------------------------------------

def test_view_sentence_at_finds_the_sentence_holding_every_offset(parts):
    view = parts.view
    sentences = view.index.sentences
    checked = 0
    for i, s in enumerate(sentences):
        for offset in (s.start, (s.start + s.end) // 2, s.end - 1):
            assert view.sentence_at(s.doc_id, offset) == i
            checked += 1
    assert checked >= 3 * 5


def test_view_passage_sentences_lie_inside_their_passage(parts):
    view = parts.view
    assert any(view.passage_sentences)
    for passage, ids in zip(view.index.passages, view.passage_sentences):
        for i in ids:
            s = view.index.sentences[i]
            assert s.doc_id == passage.doc_id and passage.start <= s.start < passage.end


def test_view_district_mask_selects_exactly_that_districts_passages(parts):
    view = parts.view
    districts = {doc.district for doc in view.index.documents}
    assert {"历下区", "市中区"} <= districts
    for district in ("历下区", "市中区"):
        mask = view.district_mask(district)
        expected = [view.docs[p.doc_id].district == district for p in view.index.passages]
        assert mask.tolist() == expected and any(expected)
    assert view.district_mask("不存在区") is None
    assert view.district_mask(None) is None


def test_view_coverage_is_the_years_sentences_speak_for(parts):
    view = parts.view
    expected: dict[str, set[int]] = {}
    for s in view.index.sentences:
        district = view.docs[s.doc_id].district
        if district and s.year:
            expected.setdefault(district, set()).add(s.year)
    assert dict(view.coverage) == expected and 2023 in expected["历下区"]


# -- Scope: where a question may be answered from -----------------------------------------------------------------

@pytest.mark.parametrize(
    "question, year, stance, kinds",
    [
        ("历下区2022年新增学位多少个", 2022, "result", {1.0, 0.5}),  # the 2023 report reviews 2022
        ("历下区2022年计划新增学位多少个", 2022, "plan", {0.7, 0.5}),  # no report plans 2022: its result is nearest
        ("历下区2023年计划新增学位多少个", 2023, "plan", {1.0}),  # every passage of it plans 2023
        ("历下区2023年新增学位多少个", 2023, "result", {0.7}),  # a year asked without a plan word asks its result
    ],
)
def test_scope_boost_zeroes_other_districts_and_lowers_other_years_and_stances(parts, question, year, stance, kinds):
    view, scope = parts.view, parts.scope
    boost = scope.passage_boost(analyse(question, view.districts))
    for passage, factor, periods, years in zip(view.index.passages, boost, view.passage_periods, view.passage_years):
        if view.docs[passage.doc_id].district != "历下区":
            assert factor == 0.0
        else:
            assert factor == (1.0 if (year, stance) in periods else pytest.approx(0.7) if year in years else pytest.approx(0.5))
    assert set(np.round(boost[boost > 0], 6).tolist()) == kinds
    assert np.all(scope.passage_boost(analyse("新增学位多少个", view.districts)) == 1.0)


def test_scope_keeps_the_factors_of_a_bounded_number_of_years(parts):
    from qa.answering.scope import YEAR_FACTORS_KEPT

    for year in range(1900, 1900 + 3 * YEAR_FACTORS_KEPT):  # any year a question names may be asked
        assert parts.scope.passage_boost(analyse(f"历下区{year}年新增学位多少个", parts.view.districts)).max() <= 1.0
    assert parts.scope._year_factors.cache_info().currsize == YEAR_FACTORS_KEPT


def test_scope_refuses_what_no_report_can_answer_and_nothing_else(parts):
    scope, districts = parts.scope, parts.view.districts
    assert scope.out_of_scope(analyse("你好", districts)) == messages.CHITCHAT
    assert scope.out_of_scope(analyse("你觉得哪个区更宜居", districts)) == messages.NOTHING_TO_QUOTE
    assert "2010" in scope.out_of_scope(analyse("历下区2010年新增学位多少个", districts))
    assert scope.out_of_scope(analyse("历下区2023年新增学位多少个", districts)) is None


def test_scope_names_no_rivals_when_the_question_names_a_district(parts):
    seen = _seen(parts, "历下区2023年新增学位多少个")
    assert parts.scope.rival_districts(seen.asked, seen.hits, seen.hits[0].passage.doc_id, "不在报告里的答案") == []


def test_scope_rivals_are_other_districts_whose_close_passages_do_not_say_the_answer(parts):
    asked = analyse("新增多少", parts.view.districts)
    assert asked.district is None
    passages, docs = parts.view.index.passages, parts.view.docs
    lixia = [p for p in passages if docs[p.doc_id].district == "历下区"][0]
    shizhong = [p for p in passages if docs[p.doc_id].district == "市中区"]
    answer = lixia.text[:4]
    assert not any(answer in p.text for p in shizhong)

    own_other = next(p for p in passages if docs[p.doc_id].district == "历下区" and answer not in p.text)

    def hits(rival_score: float) -> list[Hit]:  # the answer's own district is never its rival
        return [Hit(lixia, 1.0), Hit(own_other, 0.99), *(Hit(p, rival_score) for p in shizhong)]

    assert parts.scope.rival_districts(asked, hits(0.95), lixia.doc_id, answer) == ["市中区"]
    assert parts.scope.rival_districts(asked, hits(0.5), lixia.doc_id, answer) == []  # not close enough
    said = next(shizhong[0].text[i : i + 2] for i in range(len(shizhong[0].text)) if shizhong[0].text[i : i + 2] in lixia.text)
    # an answer the rival's passage says too is no reason for doubt
    assert parts.scope.rival_districts(asked, [Hit(lixia, 1.0), Hit(shizhong[0], 0.95)], lixia.doc_id, said) == []


# -- KeyTerms: weights, missing share, heads ----------------------------------------------------------------------

def test_terms_weigh_rarer_terms_higher_and_count_missing_ones(parts):
    districts = parts.view.districts
    weights, missing = parts.terms.weights(analyse("学位和保障性租赁住房多少", districts))
    assert weights and missing == 0.0
    assert all(w > 0 for w in weights.values())
    for term in weights:
        assert any(term in p.text for p in parts.view.index.passages)  # spelled as the reports spell it
    _, missing = parts.terms.weights(analyse("学位和量子计算机多少", districts))
    assert 0.0 < missing < 1.0
    none, missing = parts.terms.weights(analyse("量子计算机多少", districts))
    assert missing > 0.5 and all(t not in none for t in ("量子", "计算机"))


def test_terms_heads_are_key_terms_of_the_question(parts):
    asked = analyse("历下区2023年新增保障性租赁住房多少套", parts.view.districts)
    weights, _ = parts.terms.weights(asked)
    heads = parts.terms.heads(asked, weights)
    assert heads and all(h in asked.text for h in heads)


# -- EvidenceReader: what the answerers read ----------------------------------------------------------------------

def test_evidence_sentences_are_the_reports_text_at_their_offsets(parts):
    seen = _seen(parts, "历下区2023年新增学位多少个")
    found = parts.evidence.evidence(list(seen.hits), seen.query_vector, seen.asked)
    assert found
    starts = [(e.doc_id, e.start) for e in found]
    assert len(starts) == len(set(starts))  # each sentence once
    scored = {h.passage.passage_id for h in seen.hits if h.score > 0}
    for e in found:
        assert parts.view.docs[e.doc_id].text[e.start : e.start + len(e.text)] == e.text
        i = parts.view.sentence_at(e.doc_id, e.start)
        assert any(i in parts.view.passage_sentences[p] for p in scored)
        assert 0.0 <= e.retrieval <= 1.0


def test_evidence_reader_windows_are_bounded_and_start_with_the_rules_best_span(parts):
    seen = _seen(parts, "历下区2023年新增学位多少个")
    assert seen.rules.spans
    for k in (1, 2, 3):
        windows = parts.evidence.reader_windows(seen.hits, seen.rules.spans, k)
        assert 1 <= len(windows) <= k
        assert [w.rank for w in windows] == list(range(len(windows)))
        best = seen.rules.spans[0]
        first = windows[0]
        assert first.doc_id == best.doc_id and first.start <= best.start and best.end <= first.start + len(first.text)
        for w in windows:
            assert parts.view.docs[w.doc_id].text[w.start : w.start + len(w.text)] == w.text


def test_evidence_sentence_facts_describe_the_sentence_holding_the_span(parts):
    seen = _seen(parts, "历下区2023年新增学位多少个")
    best = seen.rules.spans[0]
    facts = parts.evidence.sentence_facts(best.doc_id, best.start, seen.rules.weights, seen.query_vector)
    sentence = parts.view.index.sentences[parts.view.sentence_at(best.doc_id, best.start)]
    assert (facts.year, facts.stance) == (sentence.year, sentence.stance)
    assert 0.0 < facts.coverage <= 1.0
    none = parts.evidence.sentence_facts(best.doc_id, best.start, {"量子计算机": 3.0}, seen.query_vector)
    assert none.coverage == 0.0


# -- RuleAnswerer: spans best first, or why not ------------------------------------------------------------------

def test_rule_outcome_spans_are_best_first_and_quote_the_report(parts):
    seen = _seen(parts, "历下区2023年新增学位多少个")
    spans = seen.rules.spans
    assert spans and [s.score for s in spans] == sorted((s.score for s in spans), reverse=True)
    for s in spans:
        assert parts.view.docs[s.doc_id].text[s.start : s.end] == s.text
        assert s.evidence.year in (None, 2023)


def test_rule_outcome_says_why_when_nothing_in_the_reports_is_asked_about(parts):
    asked = analyse("量子计算机多少", parts.view.districts)
    scores = parts.retriever.scores(asked.focus)
    hits = parts.retriever.rank(scores, 8)
    outcome = parts.rule_answerer.outcome(asked, hits, scores.query_vector, calibration=None, abstain_below=0.2)
    assert outcome.spans == () and outcome.reason_kind is Reason.NO_TERMS and outcome.reason == messages.NO_TERMS


# -- Composer: a result from what was decided ---------------------------------------------------------------------

def test_composer_cites_the_span_inside_its_quoted_sentence(parts):
    seen = _seen(parts, "历下区2023年新增学位多少个")
    for span in seen.rules.spans:
        c = parts.composer.cite(span)
        doc = parts.view.docs[span.doc_id]
        assert (c.doc_id, c.title, c.district) == (doc.doc_id, doc.title, doc.district)
        assert doc.text[c.start : c.end] == span.text
        assert doc.text[c.quote_start : c.quote_end] == c.quote
        assert c.quote_start <= c.start and c.end <= c.quote_end


def test_composer_turns_a_reader_only_option_into_a_span_in_its_sentence(parts):
    doc = next(d for d in parts.view.index.documents if "4100" in d.text)
    start = doc.text.index("4100")
    option = Option(doc.doc_id, start, start + 6, doc.text[start : start + 6])  # 4100 套
    span = parts.composer.option_span(option, 0.7)
    assert (span.start, span.end, span.text, span.score, span.kind) == (option.start, option.end, option.text, 0.7, "reader")
    ev = span.evidence
    assert ev.start <= span.start and span.end <= ev.start + len(ev.text)
    assert doc.text[ev.start : ev.start + len(ev.text)] == ev.text and span.clause in ev.text and option.text in span.clause


def test_composer_abstains_on_a_no_answer_decision_with_the_rules_reason(parts):
    seen = _seen(parts, "历下区2023年新增学位多少个")
    rules = seen.rules
    option = Option(rules.spans[0].doc_id, rules.spans[0].start, rules.spans[0].end, rules.spans[0].text, rule=rules.spans[0])
    none = Decision(chosen=None, probabilities=(0.3,), null_probability=0.7, best=0, confidence=0.25)
    result = parts.composer.ranked_result(seen, [option], none)
    assert result.abstained and result.answer is None and result.message == messages.UNSURE
    assert result.analysis["no_answer_probability"] == 0.7 and result.confidence == 0.25
    refused = Deliberation(seen.question, seen.resolved, seen.asked, seen.hits, seen.shown, seen.query_vector, None,
                           RuleOutcome(rules.spans, "另一个理由", Reason.OTHER_YEAR))
    assert parts.composer.ranked_result(refused, [option], none).message == "另一个理由"
    chosen = Decision(chosen=0, probabilities=(0.8,), null_probability=0.2, best=0, confidence=0.75)
    answered = parts.composer.ranked_result(seen, [option], chosen)
    assert not answered.abstained and answered.answer == option.text and answered.citations[0].start == option.start
