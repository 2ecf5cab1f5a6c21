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
