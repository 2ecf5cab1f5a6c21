"""The rules' signals as one named list: every multiplier a span's score carries is kept as its own signal and
reaches the ranker as a feature; refusal reasons and messages by ``Reason``; one decoding for training and serving."""
import math

import numpy as np
import pytest

from qa.answering import messages
from qa.index.tokenize import Tokenizer
from qa.models.candidates import gather
from qa.models.reader import DECODING, Decoding, Window, top_spans, window_logits
from qa.rules.extract import extract_spans
from qa.rules.question import analyse
from qa.rules.signals import FACTORS, SCORE_WEIGHTS, SPAN_SIGNALS, Reason, Signal, feature_value
from qa.rules.types import Evidence

# sentences and questions of every kind the rules score: figures, dates, names, lists, persons, shares
CASES = [
    ("2024年新增学位多少", ["今年计划新建中小学校5所，新增学位7000余个。", "全区新增学位1200个，其中小学学位800个。"],
     {"学位": 2.0, "新增": 1.0}),
    ("历下推行了什么工作体系", ["2023年，历下将推进“1+456”工作体系，建设5G基站1000个。"], {"工作体系": 2.0, "推进": 1.0}),
    ("哪两个主题年", ["开展“项目突破年”和“作风提升年”两个主题年活动。"], {"主题年": 2.0}),
    ("这篇报道的记者是谁", ["记者 夏侯凤超 报道。区长杨福涛接受专访时表示"], {"报道": 1.0, "记者": 2.0}),
    ("服务业增加值占比多少", ["服务业增加值增长6.1%，占地区生产总值比重达到86.5%。"], {"服务业": 2.0, "增加值": 1.0}),
    ("人代会哪天开幕", ["1月17日上午，区十九届人大三次会议开幕。"], {"人民代表大会": 1.0, "开幕": 2.0}),
    ("除了老商埠还有哪些商圈", ["打造老商埠、万达广场、绿地普利中心等特色商圈。"], {"商圈": 2.0, "老商埠": 1.0}),
    ("一共引进多少个项目", ["引进项目120个，其中亿元以上项目30个。"], {"项目": 2.0, "引进": 1.0}),
]


def _spans(question, texts, weights):
    evidence = [Evidence("doc", i * 100, t, "", 2024, "plan", retrieval=1.0 - 0.1 * i, similarity=0.8) for i, t in enumerate(texts)]
    return extract_spans(analyse(question), evidence, weights, pos=Tokenizer().tag, heads=())


@pytest.mark.parametrize("question,texts,weights", CASES)
def test_a_spans_score_is_its_signals_and_nothing_else(question, texts, weights):
    """The score is the weighted measured signals times the recorded factors: a multiplier the rules applied but did
    not keep as a signal would break this (and would never reach the ranker)."""
    spans = _spans(question, texts, weights)
    assert spans
    for span in spans:
        s = span.signals
        base = sum(w * s[name] for name, w in SCORE_WEIGHTS.items())
        measured = s[Signal.FIT] * s[Signal.PERIOD] * (1 - 0.6 * s[Signal.GAP]) * (1 - 0.3 * s[Signal.HEAD])
        factors = math.prod(s.get(f, 1.0) for f in FACTORS)
        assert span.score == pytest.approx(min(1.0, base * measured * factors), rel=1e-9), span.text


def test_the_cases_exercise_many_factors():
    seen = {f for q, t, w in CASES for span in _spans(q, t, w) for f in FACTORS if f in span.signals}
    assert len(seen) >= 10, seen


def test_every_span_signal_reaches_the_ranker_as_a_feature():
    spans = _spans(*CASES[1])
    asked = analyse(CASES[1][0])

    def facts(doc_id, start, end):
        from qa.models.candidates import SentenceFacts

        return SentenceFacts(2024, "plan", 0.5, 0.5)

    options, question = gather(asked, spans, None, 0.9, 0.0, [], facts)
    assert options
    for option in options:
        for signal in SPAN_SIGNALS:
            assert f"r_{signal}" in option.features
        assert option.features[f"r_{Signal.X_QUOTED}"] == pytest.approx(feature_value(option.rule.signals, Signal.X_QUOTED))
    quoted = next(o for o in options if "1+456" in o.text)
    assert quoted.features[f"r_{Signal.X_QUOTED}"] == pytest.approx(math.log(1.2))
    for reason in Reason:
        if reason is not Reason.OUT_OF_SCOPE:
            assert f"reason_{reason}" in question


def test_a_factor_not_applied_is_a_zero_feature_and_a_measured_signal_is_itself():
    assert feature_value({}, Signal.X_QUOTED) == 0.0
    assert feature_value({Signal.X_ECHO: 0.3}, Signal.X_ECHO) == pytest.approx(math.log(0.3))
    assert feature_value({Signal.CLAUSE: 0.7}, Signal.CLAUSE) == 0.7
    assert feature_value({}, Signal.CLAUSE) == 0.0


def test_the_calibration_reads_signals_by_their_names():
    from qa.models.calibration import FEATURES, Calibration

    model = Calibration.load()
    assert model is not None, "the shipped calibration names other features than the rules give"
    assert set(FEATURES) <= set(Signal)
    low = model.confidence({Signal.SCORE: 0.1, Signal.CLAUSE: 0.0})
    high = model.confidence({name: 1.0 for name in FEATURES} | {Signal.MISSING: 0.0, Signal.GAP: 0.0, Signal.HEAD: 0.0})
    assert low < high


@pytest.mark.parametrize("reason", [Reason.PERSON, Reason.ADDED, Reason.MEMBERS, Reason.ACTUAL, Reason.SUPERLATIVE,
                                    Reason.CONTRARY, Reason.COMBINED, Reason.FIT])
def test_every_reason_a_best_span_fails_on_has_a_message_quoting_it(reason):
    asked = analyse("那57家高企投资最大的是哪个")
    said = messages.not_an_answer(reason, asked, "新增高新技术企业151家", 2024)
    assert said.startswith("报告中")
    if reason is not Reason.PERSON:
        assert "新增高新技术企业151家" in said


def test_a_reason_decided_elsewhere_has_no_message_here():
    with pytest.raises(ValueError):
        messages.not_an_answer(Reason.UNSURE, analyse("新增学位多少"), "")


def test_what_the_reports_state_names_place_year_stance_and_others():
    assert messages.stated("历下区", 2024, "plan", "新增学位7000余个") == "历下区2024年计划：新增学位7000余个"
    assert messages.stated(None, None, None, "x", ["a", "b", "c"]) == "：x（另：a；b）"
    note = messages.which_district("历下区", ["市中区", "槐荫区", "天桥区", "历城区"])
    assert "历下区" in note and "市中区、槐荫区、天桥区等" in note and "历城区" not in note


def _piece(text, start_at, end_at, null):
    n = len(text)
    start, end = np.full(n, -5.0), np.full(n, -5.0)
    for i, v in start_at.items():
        start[i] = v
    for i, v in end_at.items():
        end[i] = v
    return window_logits(Window("doc", 0, text), np.array([[i, i + 1] for i in range(n)]), start, end, null / 2, null / 2)


def test_one_decoding_for_training_and_serving():
    text = "今年计划新建中小学校5所，新增学位7000余个。"
    a = text.index("7000")
    sure = _piece(text, {a: 6.0}, {a + 5: 5.0}, null=2.0)
    doubtful = _piece(text, {a: 1.0}, {a + 5: 1.0}, null=8.0)
    best = DECODING.spans([sure, doubtful], n=1)[0]
    assert best.text == "7000余个"
    # the question's no-answer score is the lowest over the pieces read, not the best span's own piece's
    assert DECODING.no_answer([sure, doubtful]) == pytest.approx(2.0)
    assert DECODING.answers([sure, doubtful], best)
    assert not DECODING.answers([doubtful], DECODING.spans([doubtful], n=1)[0])
    assert DECODING.no_answer([]) is None and not DECODING.answers([], None)
    # the plain decoder's defaults are the configuration's
    assert top_spans([sure], n=3) == DECODING.spans([sure], n=3)
    assert all(len(s.text) <= Decoding.max_chars for s in DECODING.spans([sure], n=20))

