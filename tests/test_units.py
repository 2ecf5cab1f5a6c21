"""The units the figure grammar reads are mined from reports (scripts/mine_units.py), not listed by hand."""
import importlib.util
from pathlib import Path

from qa.rules.lexicon import MINED_UNITS, UNITS

_spec = importlib.util.spec_from_file_location("mine_units", Path(__file__).resolve().parent.parent / "scripts" / "mine_units.py")
mine_units = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mine_units)


def test_a_string_after_figures_that_ends_the_phrase_is_a_unit_a_noun_after_a_count_is_not():
    texts = {
        "a": "造林12公顷，治理30公顷。新建8条道路，出台3条措施，落实措施。完成9条措施以上。提升5个重点项目，推进9个重点工程。",
        "b": "新增湿地40公顷以上，修复6公顷。实施7个重点任务。制定措施，强化措施，完善措施。新建2条道路。",
    }
    mined = {u[0]: u for u in mine_units.mine(texts, min_count=3, min_ratio=0.6, min_end=0.6)}
    assert "公顷" in mined and mined["公顷"][1] == 4  # after four figures in two reports, always ending the phrase
    assert "条措施" not in mined  # 措施 stands alone more often than after a figure in these texts
    assert "个重" not in mined and "个重点" not in mined  # followed by a noun: not the end of a phrase
    assert not any(u.endswith("以上") for u in mined)  # a tail is the grammar's own slot


def test_the_shipped_units_are_read_and_tried_longest_first():
    assert {"个百分点", "岁", "千瓦", "斤"} <= set(MINED_UNITS) | set(UNITS.split("|"))
    assert UNITS.index("个百分点") < UNITS.index("|个|")
    assert list(MINED_UNITS) == sorted(MINED_UNITS, key=len, reverse=True)
