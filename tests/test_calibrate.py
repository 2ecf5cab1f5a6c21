"""Fitting the rules' confidence model (``qa.training.calibrate``) on the small corpus: what it measures and what it
leaves of the answerer it borrows."""
from __future__ import annotations

from qa.models.calibration import FEATURES, Calibration
from qa.training.calibrate import best_threshold, calibrate

ITEMS = [
    {"id": "c1", "question": "2022年历下一般公共预算收入多少", "answers": ["161.3亿元"], "answerable": True,
     "doc_id": "lixia-2023", "evidence": "完成一般公共预算收入161.3亿元"},
    {"id": "c2", "question": "2023年历下将增加学位多少个", "answers": ["6630个"], "answerable": True,
     "doc_id": "lixia-2023", "evidence": "增加学位6630个"},
    {"id": "c3", "question": "市中区信息通信业税收增长多少", "answers": ["28.4%"], "answerable": True,
     "doc_id": "shizhong-2020", "evidence": "实现税收4.46亿元，增长28.4%"},
    {"id": "c4", "question": "历下区2023年建了几座机场", "answers": [], "answerable": False, "doc_id": "lixia-2023"},
]


def test_calibrate_fits_a_model_over_every_feature_and_gives_the_answerer_back(small_qa):
    before = (small_qa.calibration, small_qa.abstain_below)
    model = calibrate(small_qa, ITEMS, weights=(0.0, 0.5, 1.0), splits=("tiny",))
    assert isinstance(model, Calibration) and len(model.weights) == len(FEATURES)
    assert model.lexical_weight in (0.0, 0.5, 1.0)
    assert 0.0 <= model.threshold <= 1.0
    assert model.fitted_on.endswith("of tiny") and "R@1=" in model.notes
    assert (small_qa.calibration, small_qa.abstain_below) == before
    # the confidences it gives are probabilities, ordered as the model's weights say
    row = {name: 1.0 for name in FEATURES}
    assert 0.0 < model.confidence(row) < 1.0


def test_the_threshold_maximises_answered_right_plus_unanswerable_abstained():
    confidences = [0.9, 0.8, 0.4, 0.3]
    correct = [True, True, False, False]
    unanswerable = [False, False, True, True]
    threshold = best_threshold(confidences, correct, unanswerable)
    assert 0.4 < threshold <= 0.8
    assert best_threshold([0.9, 0.2], [False, False], [True, True]) > 0.9


def test_with_options_gives_a_changed_copy_and_leaves_the_answerer_as_it_was(small_qa):
    import pytest

    copy = small_qa.with_options(abstain_below=0.9, top_k=3)
    assert (copy.abstain_below, copy.top_k) == (0.9, 3) and copy.index is small_qa.index
    assert (small_qa.abstain_below, small_qa.top_k) == (0.2, 5)
    assert len(copy.ask("2023年历下将增加学位多少个").passages) == 3
    with pytest.raises(TypeError, match="unknown options: colour"):
        small_qa.with_options(colour="red")
