"""Which year a sentence speaks for, and whether it is a plan or a result."""
from qa.index.chunking import split_sentences
from qa.ingest.corpus import load_corpus
from qa.index.periods import assign_periods


def _periods(doc):
    return {doc.text[s.start : s.end]: (s.year, s.stance) for s in assign_periods(doc, split_sentences(doc))}


def test_review_and_plan_in_one_report_get_their_own_years(small_corpus):
    lixia = _periods(load_corpus(small_corpus)[0])
    review = next(v for t, v in lixia.items() if "12所中小学" in t)
    plan = next(v for t, v in lixia.items() if "10处" in t)
    assert review == (2022, "result")
    assert plan == (2023, "plan")


def test_context_carries_to_sentences_without_a_cue(small_corpus):
    lixia = _periods(load_corpus(small_corpus)[0])
    assert lixia["新增保障性租赁住房4100套。"] == (2023, "plan")


def test_relative_words_mean_the_reports_years(small_corpus):
    shizhong = _periods(load_corpus(small_corpus)[1])
    past = next(v for t, v in shizhong.items() if "过去的一年" in t)
    new = next(v for t, v in shizhong.items() if "新的一年" in t)
    assert past == (2019, "result")
    assert new == (2020, "plan")


def test_a_report_of_the_last_century_speaks_for_its_own_years(tmp_path):
    (tmp_path / "national-1980.txt").write_text(
        "各位代表：\n我代表国务院向大会作政府工作报告。\n1979年，工农业总产值增长8.5%。\n1981年，要继续调整国民经济。\n", encoding="utf-8")
    (tmp_path / "national-1980.json").write_text('{"district": "全国", "year": 1980, "review_year": 1979}', encoding="utf-8")
    periods = _periods(load_corpus(tmp_path)[0])
    assert next(v for t, v in periods.items() if "8.5%" in t) == (1979, "result")
    assert next(v for t, v in periods.items() if "继续调整" in t) == (1981, "plan")
