"""The stated confidence: a monotone map applied to answers only, never changing what is answered."""
from __future__ import annotations

import pytest

from qa.models.recalibration import DEFAULT_PATH, Recalibration


def test_the_map_interpolates_and_refuses_points_that_are_not_ascending(tmp_path):
    halve = Recalibration((0.0, 1.0), (0.0, 0.5))
    assert halve(0.9) == 0.45 and halve(1.0) == 0.5 and halve(0.0) == 0.0
    for xs, ys in (((0.0,), (0.0,)), ((0.0, 1.0), (0.5, 0.2)), ((1.0, 0.0), (0.0, 1.0))):
        with pytest.raises(ValueError):
            Recalibration(xs, ys)
    halve.save(tmp_path / "r.json")
    assert Recalibration.load(tmp_path / "r.json") == halve
    assert Recalibration.load(tmp_path / "missing.json") is None


def test_the_shipped_map_is_monotone_over_the_whole_range():
    shipped = Recalibration.load(DEFAULT_PATH)
    assert shipped is not None and shipped.xs[0] == 0.0 and shipped.xs[-1] == 1.0
    values = [shipped(x / 100) for x in range(101)]
    assert values == sorted(values) and all(0.0 <= v <= 1.0 for v in values)


def test_an_answer_states_the_mapped_confidence_and_nothing_else_changes(small_qa):
    raw = small_qa.with_options(recalibration=False)
    halved = small_qa.with_options(recalibration=Recalibration((0.0, 1.0), (0.0, 0.5)))
    seen = set()
    for question in ("历下2024年新增学位多少", "市中区要加快集聚哪些金融机构？", "历下区有几个火星基地"):
        a, b = raw.ask(question), halved.ask(question)
        seen.add(a.abstained)
        assert (a.answer, a.abstained, a.citations) == (b.answer, b.abstained, b.citations)
        assert b.confidence == (a.confidence if a.abstained else round(a.confidence / 2, 4))
    assert seen == {True, False}  # both an answer and an abstention were seen
