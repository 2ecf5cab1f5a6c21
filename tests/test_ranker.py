"""The learned decision: candidates from the rules and a stub reader, the conditional logit, its calibration."""
from dataclasses import replace

import numpy as np
import pytest

from qa.models.candidates import Option, SentenceFacts, TurnContext, gather
from qa.rules.types import Evidence, Span
from qa.rules.question import analyse
from qa.models.ranker import Group, Ranker, expected_calibration_error, fit, isotonic, overlapping_mass, reliability
from qa.models.reader import Window, window_logits


class StubReader:
    """Reads every window one character per token and likes the given string: high start logit where it begins,
    high end logit where it ends, low elsewhere; no-answer scores ``null``."""

    def __init__(self, liked: str | None, null: float = -10.0) -> None:
        self.liked = liked
        self.null = null
        self.calls = 0

    def read(self, question, windows):
        self.calls += 1
        pieces = []
        for w in windows:
            n = len(w.text)
            start, end = np.full(n, -5.0), np.full(n, -5.0)
            at = w.text.find(self.liked) if self.liked else -1
            if at >= 0:
                start[at] = 8.0
                end[at + len(self.liked) - 1] = 8.0
            pieces.append(window_logits(w, np.array([[i, i + 1] for i in range(n)]), start, end, self.null / 2, self.null / 2))
        return pieces


SENTENCE = "2023年，历下将新建、改扩建中小学幼儿园10处，增加学位6630个；新增保障性租赁住房4100套。"


def _rule_span(text: str, score: float, year: int = 2023) -> Span:
    evidence = Evidence("doc", 0, SENTENCE, "", year, "plan", 1.0)
    at = SENTENCE.index(text)
    return Span("doc", at, at + len(text), text, "number", score, evidence, SENTENCE, {"clause": 0.5})


def _facts(years: dict[int, int] | None = None):
    def facts(doc_id, start, end):
        return SentenceFacts(year=(years or {}).get(start, 2023), stance="plan", similarity=0.5, coverage=0.5)

    return facts


def test_rule_and_reader_candidates_merge_by_offsets_and_the_reader_scores_rule_spans():
    asked = analyse("2023年历下增加多少学位")
    pieces = StubReader("6630个").read("q", [Window("doc", 0, SENTENCE)])
    options, question = gather(asked, [_rule_span("6630个", 0.7), _rule_span("10处", 0.5)], None, 0.9, 0.0, pieces, _facts())
    by_text = {o.text: o for o in options}
    assert by_text["6630个"].features["agree_top"] == 1.0  # the rules' top and the reader's top are one candidate
    assert by_text["10处"].reader is not None and by_text["10处"].features["d_top"] == 0.0
    assert by_text["10处"].features["d_score"] < by_text["6630个"].features["d_score"]
    assert question["bias"] == 1.0 and question["rules_empty"] == 0.0


def test_a_rule_span_with_its_growth_verb_is_the_reader_span_of_the_bare_figure():
    sentence = "2023年地区生产总值增长6.5%左右。"
    at = sentence.index("增长6.5%")
    evidence = Evidence("doc", 0, sentence, "", 2023, "plan", 1.0)
    rule = Span("doc", at, at + 8, "增长6.5%左右", "percentage", 0.7, evidence, sentence, {"clause": 0.5})
    pieces = StubReader("6.5%左右").read("q", [Window("doc", 0, sentence)])
    options, _ = gather(analyse("2023年地区生产总值增长多少"), [rule], None, 0.9, 0.0, pieces, _facts())
    merged = [o for o in options if o.text == "6.5%左右"]
    assert len(merged) == 1 and merged[0].rule is not None and merged[0].features["agree_top"] == 1.0
    assert not any(o.text.startswith("增长") for o in options)


def test_a_candidate_from_another_year_than_the_one_asked_is_dropped():
    asked = analyse("2023年历下增加多少学位")
    at = SENTENCE.index("10处")
    options, _ = gather(asked, [_rule_span("6630个", 0.7), _rule_span("10处", 0.5)], None, 0.9, 0.0, [], _facts({at: 2022}))
    assert [o.text for o in options] == ["6630个"]


def _ranker(candidate: dict[str, float], null_bias: float) -> Ranker:
    names = tuple(candidate)
    return Ranker(names, ("bias",), tuple(candidate.values()), (null_bias,), (0.0,) * len(names), (1.0,) * len(names), (0.0,), (1.0,))


def test_a_rate_is_not_offered_for_a_measure_asked_in_a_unit_of_its_own():
    sentence = "2023年，全区地区生产总值达到2500亿元，增长6.5%，占全市比重18%。"

    def spans(*texts: str) -> list[Span]:
        evidence = Evidence("doc", 0, sentence, "", 2023, "result", 1.0)
        return [Span("doc", sentence.index(t), sentence.index(t) + len(t), t, "amount", 0.5, evidence, sentence, {}) for t in texts]

    offered = lambda question: [o.text for o in gather(analyse(question), spans("2500亿元", "6.5%", "18%"), None, 0.9, 0.0, [], _facts())[0]]  # noqa: E731
    assert offered("2023年历下地区生产总值是多少亿元") == ["2500亿元"]
    assert offered("2023年历下地区生产总值增长多少") == ["2500亿元", "6.5%", "18%"]  # a rate asked, or not said
    assert offered("2023年历下地区生产总值占全市比重多少") == ["2500亿元", "6.5%", "18%"]
    assert offered("2023年历下地区生产总值是多少") == ["2500亿元", "6.5%", "18%"]


def test_the_most_probable_outcome_is_chosen_and_no_answer_is_an_outcome():
    asked = analyse("2023年历下增加多少学位")
    pieces = StubReader("4100套").read("q", [Window("doc", 0, SENTENCE)])
    options, question = gather(asked, [_rule_span("6630个", 0.7)], None, 0.9, 0.0, pieces, _facts())
    trusting_the_reader = _ranker({"d_top": 5.0, "r_top": 1.0}, -2.0).decide(options, question)
    assert options[trusting_the_reader.chosen].text == "4100套"
    assert sum(trusting_the_reader.probabilities) + trusting_the_reader.null_probability == pytest.approx(1.0)
    doubting_everything = _ranker({"d_top": 1.0, "r_top": 1.0}, 6.0).decide(options, question)
    assert doubting_everything.chosen is None and doubting_everything.best is not None


def test_probability_spread_over_spans_of_one_figure_counts_for_answering_it():
    # 6%, 6.5% and 6%－6.5% share one figure: each alone is less probable than no answer, together more
    text = "国内生产总值增长6%－6.5%"
    at = text.index("6%")
    options = [Option("doc", at, at + 7, "6%－6.5%", features={"x": 1.0}), Option("doc", at, at + 2, "6%", features={"x": 0.8}),
               Option("doc", at + 3, at + 7, "6.5%", features={"x": 0.6}), Option("other", at, at + 2, "6%", features={"x": 0.0})]
    pooled = replace(_ranker({"x": 1.0}, 1.5), pooled=True)
    decision = pooled.decide(options, {"bias": 1.0})
    p = decision.probabilities
    assert max(p) < decision.null_probability < p[0] + p[1] + p[2]
    assert decision.chosen == 0 and overlapping_mass(np.array(p), 0, [(o.doc_id, o.start, o.end, o.text) for o in options]) == pytest.approx(p[0] + p[1] + p[2])
    # a ranker fitted to weigh the best option alone (saved without ``pooled``) abstains, as it was calibrated to
    assert _ranker({"x": 1.0}, 1.5).decide(options, {"bias": 1.0}).chosen is None
    # the same figure in another report is another answer: it does not add to this one
    alone = pooled.decide([options[0], options[3]], {"bias": 1.0})
    assert alone.chosen is None and alone.best == 0


def test_with_no_candidate_at_all_the_outcome_is_no_answer():
    decision = _ranker({"d_top": 5.0}, -2.0).decide([], {"bias": 1.0})
    assert decision.chosen is None and decision.best is None and decision.null_probability == pytest.approx(1.0)


def _synthetic_groups(n: int, seed: int = 0) -> list[Group]:
    """Questions whose right candidate has a high "good" feature; a third have none right (unanswerable)."""
    rng = np.random.default_rng(seed)
    groups = []
    for i in range(n):
        k = 4
        good = rng.normal(0, 1, k)
        correct = np.zeros(k, dtype=bool)
        answerable = i % 3 != 0
        if answerable:
            j = rng.integers(k)
            good[j] += 3.0
            correct[j] = True
        x = np.stack([good, rng.normal(0, 1, k)], axis=1)
        q = np.array([1.0, 1.0 if answerable else -1.0])
        groups.append(Group(f"q{i}", "s", x, q, correct, answerable))
    return groups


def test_fitting_learns_which_feature_marks_the_right_candidate_and_when_to_abstain():
    ranker = fit(_synthetic_groups(300), ("good", "noise"), ("bias", "answerable_hint"), l2=1.0)
    assert ranker.candidate_weights[0] > 1.0 > abs(ranker.candidate_weights[1])
    right = 0
    for g in _synthetic_groups(100, seed=1):
        x = (g.candidates - np.array(ranker.candidate_mean)) / np.array(ranker.candidate_scale)
        u = x @ np.array(ranker.candidate_weights)
        u0 = ((g.question - np.array(ranker.question_mean)) / np.array(ranker.question_scale)) @ np.array(ranker.question_weights)
        chosen = int(np.argmax(u)) if u.max() > u0 else None
        right += (chosen is None) if not g.answerable else (chosen is not None and g.correct[chosen])
    assert right >= 85


def test_a_prior_ranker_holds_the_fit_as_strongly_as_the_penalty_says_and_keeps_its_standardisation():
    groups = [Group(g.qid, g.split, np.c_[g.candidates, np.ones(len(g.candidates))], g.question, g.correct, g.answerable)
              for g in _synthetic_groups(300)]
    # a prior that trusts the noise and not the good feature, standardised its own way
    prior = Ranker(("good", "noise"), ("bias", "answerable_hint"), (0.2, 2.0), (0.5, -1.0), (0.3, -0.2), (2.0, 0.5), (0.0, 0.1), (1.0, 2.0))
    held = fit(groups, ("good", "noise", "new"), ("bias", "answerable_hint"), l2=1e7, prior=prior)
    assert held.candidate_mean[:2] == (0.3, -0.2) and held.candidate_scale[:2] == (2.0, 0.5)
    assert held.question_mean == (0.0, 0.1) and held.question_scale == (1.0, 2.0)
    assert held.candidate_weights[:2] == pytest.approx((0.2, 2.0), abs=0.02)  # the prior kept
    assert held.candidate_weights[2] == pytest.approx(0.0, abs=0.02)  # a feature it does not know starts from 0
    assert held.question_weights[1] == pytest.approx(-1.0, abs=0.02)
    moved = fit(groups, ("good", "noise", "new"), ("bias", "answerable_hint"), l2=1.0, prior=prior)
    assert moved.candidate_weights[0] > 1.0 > abs(moved.candidate_weights[1])  # the data overrules a weak prior
    assert held.meta["prior"] and not fit(_synthetic_groups(60), ("good", "noise"), ("bias", "answerable_hint")).meta["prior"]


def test_a_follow_up_marks_the_candidates_that_stand_by_the_last_answer():
    asked = analyse("那增加多少学位")
    at = SENTENCE.index("6630个")
    spans = [_rule_span("6630个", 0.7), _rule_span("10处", 0.5)]
    last = ("doc", SENTENCE.index("10处"), SENTENCE.index("10处") + 3)
    options, question = gather(asked, spans, None, 0.9, 0.0, [], _facts(), turn=TurnContext("pronoun", last))
    by_text = {o.text: o.features for o in options}
    assert by_text["10处"]["h_last_same"] == 1.0 and by_text["6630个"]["h_last_same"] == 0.0
    assert by_text["6630个"]["h_last_doc"] == by_text["6630个"]["h_last_near"] == 1.0
    assert question["h_follow"] == 1.0 and question["h_anchored"] == 1.0 and question["h_new_scope"] == 0.0
    elsewhere, _ = gather(asked, spans, None, 0.9, 0.0, [], _facts(), turn=TurnContext("pronoun", ("other", 0, at)))
    assert all(o.features["h_last_doc"] == o.features["h_last_near"] == 0.0 for o in elsewhere)
    _, alone = gather(asked, spans, None, 0.9, 0.0, [], _facts())
    assert alone["h_follow"] == alone["h_anchored"] == 0.0
    _, new_place = gather(asked, spans, None, 0.9, 0.0, [], _facts(), turn=TurnContext("place"))
    assert new_place["h_new_scope"] == 1.0 and new_place["h_follow"] == 1.0


def test_ranker_save_load_roundtrip(tmp_path):
    ranker = fit(_synthetic_groups(60), ("good", "noise"), ("bias", "answerable_hint"))
    ranker = Ranker(**{**ranker.__dict__, "calibration_x": (0.0, 0.5, 1.0), "calibration_y": (0.1, 0.4, 0.9)})
    ranker.save(tmp_path / "r.json")
    again = Ranker.load(tmp_path / "r.json")
    assert again.candidate_weights == ranker.candidate_weights and again.calibrate(0.75) == pytest.approx(0.65)
    assert Ranker.load(tmp_path / "absent.json") is None


def test_isotonic_calibration_is_monotone_and_matches_frequencies():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 4000)
    truth = rng.uniform(0, 1, 4000) < p**2  # overconfident raw scores: the right rate is p squared
    xs, ys = isotonic(p, truth)
    assert all(a <= b for a, b in zip(ys, ys[1:]))
    assert np.interp(0.9, xs, ys) == pytest.approx(0.81, abs=0.06)
    calibrated = np.interp(p, xs, ys)
    assert expected_calibration_error(calibrated, truth) < expected_calibration_error(p, truth) / 3


def test_reliability_table_counts_each_bin():
    rows = reliability([0.95, 0.97, 0.55, 0.2], [True, False, True, False], edges=(0.0, 0.5, 0.9, 1.0001))
    assert [r["n"] for r in rows] == [1, 1, 2]
    assert rows[2]["right"] == 0.5 and rows[0]["right"] == 0.0
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0


def test_pipeline_answers_with_the_ranked_reader_span_and_cites_it(small_index, fake_embedder):
    from qa.answering.pipeline import QA

    index, _ = small_index
    reader = StubReader("4100套")
    qa = QA(index, fake_embedder, calibration=False, abstain_below=0.2, reader=reader, ranker=_ranker({"d_top": 5.0}, -2.0))
    result = qa.ask("2023年历下新增多少套保障性租赁住房")
    assert reader.calls == 1
    assert result.answer == "4100套" and not result.abstained
    c = result.citations[0]
    doc = qa.document(c.doc_id)
    assert doc.text[c.start : c.end] == "4100套" and doc.text[c.quote_start : c.quote_end] == c.quote
    assert 0.0 <= result.confidence <= 1.0


def test_pipeline_abstains_when_the_ranker_prefers_no_answer(small_index, fake_embedder):
    from qa.answering.pipeline import QA

    index, _ = small_index
    qa = QA(index, fake_embedder, calibration=False, abstain_below=0.2, reader=StubReader(None), ranker=_ranker({"d_top": 0.0}, 8.0))
    result = qa.ask("2023年历下新增多少套保障性租赁住房")
    assert result.abstained and result.answer is None and result.message


def test_out_of_scope_questions_never_reach_the_reader(small_index, fake_embedder):
    from qa.answering.pipeline import QA

    index, _ = small_index
    reader = StubReader("4100套")
    qa = QA(index, fake_embedder, calibration=False, reader=reader, ranker=_ranker({"d_top": 5.0}, -2.0))
    assert qa.ask("槐荫区2023年新建了几所学校").abstained
    assert reader.calls == 0


def test_the_general_ranker_decides_unless_every_option_stands_in_a_report_the_models_were_built_on(small_index, fake_embedder):
    from dataclasses import replace

    from qa.answering.pipeline import QA
    from qa.models.ranker import text_fingerprint

    index, _ = small_index
    question = "2023年历下新增多少套保障性租赁住房"
    answering, abstaining = _ranker({"d_top": 5.0}, -2.0), _ranker({"d_top": 0.0}, 8.0)
    base = QA(index, fake_embedder, calibration=False, abstain_below=0.2, reader=StubReader("4100套"), ranker=answering)
    options = base.options(base.deliberate(question))[2]
    held = {o.doc_id for o in options}
    assert held and not base.familiar and base.ranker_for(options) is answering  # no general ranker: the one ranker
    # the options' reports are familiar: the shipped ranker answers, although the general one would abstain
    familiar = [text_fingerprint(base.document(doc_id).text) for doc_id in held]
    qa = base.with_options(general_ranker=replace(abstaining, not_for=tuple(familiar)))
    assert qa.familiar == held and not qa.ask(question).abstained
    # any other report: the general ranker decides
    stranger = base.with_options(general_ranker=replace(abstaining, not_for=(text_fingerprint("另一份报告"),)))
    assert not stranger.familiar and stranger.ranker_for(options) is stranger.general_ranker and stranger.ask(question).abstained
    assert qa.ranker_for([replace(options[0], doc_id="elsewhere"), *options]) is qa.general_ranker  # mixed: general


def test_the_general_reader_reads_unless_every_window_stands_in_a_report_the_models_were_built_on(small_index, fake_embedder):
    from dataclasses import replace

    from qa.answering.pipeline import QA
    from qa.models.ranker import text_fingerprint

    index, _ = small_index
    question = "2023年历下新增多少套保障性租赁住房"
    shipped, general = StubReader("4100套"), StubReader(None, null=10.0)
    answering, abstaining = _ranker({"d_top": 5.0}, -2.0), _ranker({"d_top": 0.0}, 8.0)
    base = QA(index, fake_embedder, calibration=False, abstain_below=0.2, reader=shipped, ranker=answering,
              general_reader=general)
    windows = base.reader_windows(base.deliberate(question), 3)
    held = {w.doc_id for w in windows}
    assert held and base.reader_for(windows) is shipped  # no general ranker: nothing is familiar-only, one regime
    # the windows' reports are familiar: the shipped reader reads them and the shipped ranker decides
    familiar = tuple(text_fingerprint(base.document(doc_id).text) for doc_id in held)
    known = base.with_options(general_ranker=replace(abstaining, not_for=familiar))
    assert known.reader_for(windows) is shipped
    before = shipped.calls, general.calls
    assert known.ask(question).answer == "4100套"
    assert (shipped.calls - before[0], general.calls - before[1]) == (1, 0)
    # another report among them, or none familiar: the general reader reads all of them, the general ranker decides
    assert known.reader_for([*windows, replace(windows[0], doc_id="elsewhere")]) is general
    stranger = base.with_options(general_ranker=replace(abstaining, not_for=(text_fingerprint("另一份报告"),)))
    assert stranger.reader_for(windows) is general
    before = shipped.calls, general.calls
    assert stranger.ask(question).abstained
    assert (shipped.calls - before[0], general.calls - before[1]) == (0, 1)
    # the general ranker decides when a window it read stands in another report, although every option is familiar
    options = known.options(known.deliberate(question))[2]
    assert all(o.doc_id in known.familiar for o in options) and known.ranker_for(options, windows) is answering
    assert known.ranker_for(options, [*windows, replace(windows[0], doc_id="elsewhere")]) is known.general_ranker


def test_the_reader_setting_names_the_readers_loaded():
    from qa.answering.pipeline import answerer_options
    from qa.models.reader import DEFAULT_ADAPTER, GENERAL_ADAPTER

    assert answerer_options("off") == {"reader": None, "ranker": None, "general_reader": None, "general_ranker": None}
    # the shipped reader's path, however spelled: it for the reports it was built on, the general one elsewhere
    for spelled in (str(DEFAULT_ADAPTER), str(DEFAULT_ADAPTER.parent / "." / DEFAULT_ADAPTER.name)):
        shipped = answerer_options(spelled)
        assert (shipped["reader"].name, shipped["general_reader"].name) == ("reader", "reader-continued")
    # any other reader reads every report
    other = answerer_options(str(GENERAL_ADAPTER))
    assert other["reader"] is other["general_reader"] and other["reader"].name == "reader-continued"


def test_a_feature_seen_on_a_few_questions_is_fitted_only_when_a_prior_ranker_knows_it():
    from qa.training.ranker_data import MIN_SUPPORT, feature_names

    def row(i: int) -> dict:
        rare = 1.0 if i < 2 else 0.0
        return {"question": {"bias": 1.0, "common_q": float(i % 2), "rare_q": rare},
                "options": [{"features": {"common": 1.0, "rare": rare}}, {"features": {"common": 0.0, "rare": 0.0}}]}

    rows = [row(i) for i in range(MIN_SUPPORT * 2)]
    assert feature_names(rows) == (("common",), ("bias", "common_q"))
    assert feature_names(rows, known=("rare", "rare_q")) == (("common", "rare"), ("bias", "common_q", "rare_q"))


def test_reports_fall_in_folds_by_sorted_id_with_conversations_grouped_by_their_first_turn(tmp_path):
    import json

    from qa.training.ranker_data import report_folds

    def item(doc_id: str) -> dict:
        return {"id": doc_id, "question": "问", "answers": [], "answerable": False, "doc_id": doc_id, "type": "number"}

    (tmp_path / "train.jsonl").write_text("".join(json.dumps(item(d)) + "\n" for d in ("b", "a", "d", "b")), encoding="utf-8")
    (tmp_path / "conversations").mkdir()
    turns = [{**item("c"), "kind": "first"}, {**item("e"), "kind": "place"}]  # e only in a later turn: not a group
    (tmp_path / "conversations" / "train.jsonl").write_text(json.dumps({"id": "c1", "turns": turns}) + "\n", encoding="utf-8")
    assert report_folds(tmp_path, "train", 2) == {"a": 0, "b": 1, "c": 0, "d": 1}






def test_one_text_printed_twice_in_a_report_is_one_answer_with_both_probabilities():
    # 7%左右 in the list of targets and again in the text: rightness is the text's, so the two are one answer;
    # together they beat both the other figure and no answer, though each alone beats neither
    options = [Option("doc", 100, 105, "7%左右", features={"x": 0.7}), Option("doc", 10, 13, "10%", features={"x": 1.0}),
               Option("doc", 400, 405, "7%左右", features={"x": 0.7}), Option("other", 50, 55, "7%左右", features={"x": 0.7})]
    pooled = replace(_ranker({"x": 1.0}, 1.3), pooled=True)
    decision = pooled.decide(options, {"bias": 1.0})
    p = decision.probabilities
    assert p[1] == max(p) and p[1] < decision.null_probability < p[0] + p[2]
    assert decision.best in (0, 2) and decision.chosen == decision.best
    assert decision.confidence == pytest.approx(pooled.calibrate(p[0] + p[2]))  # not counting the other report's
    # a ranker saved before, which weighed the best option alone, keeps doing so
    alone = _ranker({"x": 1.0}, 1.3).decide(options, {"bias": 1.0})
    assert alone.best == 1 and alone.chosen is None


def test_no_answer_weighed_at_the_null_scale_answers_what_it_outweighed_by_less_than_the_scale():
    options = [Option("doc", 0, 4, "10%", features={"x": 1.0})]
    plain = _ranker({"x": 1.0}, 1.5)  # e^1 against e^1.5: no answer is 1.65 times as probable as the answer
    decision = plain.decide(options, {"bias": 1.0})
    assert decision.chosen is None and decision.probabilities[0] < decision.null_probability
    assert replace(plain, null_scale=0.7).decide(options, {"bias": 1.0}).chosen is None  # 1.65 × 0.7 > 1
    discounted = replace(plain, null_scale=0.55).decide(options, {"bias": 1.0})
    assert discounted.chosen == 0 and discounted.confidence == decision.confidence  # the confidence is the answer's


def test_the_null_scale_is_the_one_with_most_out_of_fold_questions_right_the_largest_of_equals():
    from qa.training.ranker_data import choose_null_scale

    def predicted(answerable: bool, right: bool, mass: float, p_null: float) -> dict:
        return {"answerable": answerable, "best": 0, "best_right": right, "mass": mass, "p_null": p_null}

    shy = [predicted(True, True, 0.4, 0.5), predicted(True, True, 0.36, 0.5), predicted(False, False, 0.3, 0.5)]
    scale, ems = choose_null_scale(shy, refused=[{"answerable": False}], scales=(1.0, 0.8, 0.7, 0.5))
    assert ems == {"1.0": 0.5, "0.8": 0.5, "0.7": 1.0, "0.5": 0.75} and scale == 0.7  # 0.5 answers the unanswerable too
    assert choose_null_scale([predicted(True, True, 0.4, 0.5)], scales=(0.5, 0.6))[0] == 0.6  # equals: the larger


def _rows_of(groups, names=("good", "noise"), question_names=("bias", "answerable_hint")) -> list[dict]:
    """Synthetic groups as the rows ``qa train-ranker`` collects, spread over four reports."""
    return [{"id": g.qid, "split": f"train/doc{i % 4}", "answerable": g.answerable,
             "question": dict(zip(question_names, g.question.tolist())),
             "options": [{"doc_id": f"doc{i % 4}", "start": 10 * j, "end": 10 * j + 3, "text": f"{j}%", "right": bool(g.correct[j]),
                          "features": dict(zip(names, row.tolist()))} for j, row in enumerate(g.candidates)]}
            for i, g in enumerate(groups)]


def test_training_chooses_the_null_scale_out_of_fold_and_setting_it_alone_keeps_the_weights():
    from qa.training.ranker_data import NULL_SCALES, train_ranker, with_null_scale

    rows = _rows_of(_synthetic_groups(120, seed=2))
    fold_of = lambda label: int(label[-1])  # noqa: E731
    ranker, report = train_ranker(rows, [], fold_of, penalties=[1.0], log=lambda _: None)
    assert ranker.null_scale == report["null_scale"] in NULL_SCALES
    ems = report["null_scale_out_of_fold_em"]
    assert ems[str(ranker.null_scale)] == max(ems.values())
    rescaled = with_null_scale(replace(ranker, null_scale=1.0), rows, [], fold_of)
    assert rescaled.null_scale == ranker.null_scale and rescaled.candidate_weights == ranker.candidate_weights
    assert rescaled.meta["null_scale"]["out_of_fold_em"] == ems  # the same folds and penalty as the fit's


def test_setting_the_null_scale_alone_needs_a_split_and_never_refits_a_ranker_in_its_place(tmp_path, capsys):
    from qa.cli import main

    out = tmp_path / "ranker.json"
    assert main(["train-ranker", "--null-scale-only", "--out", str(out)]) == 2
    assert "--split" in capsys.readouterr().err and not out.exists()
