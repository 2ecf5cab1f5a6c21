"""Figures stated respectively (A、B分别达到X、Y): which figure is whose, and a question naming one item is never
answered with another item's figure."""
from __future__ import annotations

import pytest

from qa.models.candidates import SentenceFacts, gather
from qa.models.reader import Window
from qa.rules.question import analyse
from qa.rules.types import Evidence, Span
from qa.rules.respectively import another_items_figure, named_item, respective_figures
from tests.test_ranker import StubReader

FIRMS = "中集华骏、蓝天集团分别达到69亿元、58亿元，超10亿元企业达到49家。"
AIR = "全年PM10、PM2.5平均浓度分别为71微克/立方米、45微克/立方米，优良天数280天。"
SECTORS = "第一、二、三产业增加值分别增长3.5%、6.1%和5.8%。"


def figures(sentence: str) -> list[tuple[tuple[str, ...], list[str]]]:
    return [(r.items, [sentence[a:b] for a, b in r.figures]) for r in respective_figures(sentence)]


def test_the_items_before_and_the_figures_after_are_paired_in_order():
    assert figures(FIRMS) == [(("中集华骏", "蓝天集团"), ["69亿元", "58亿元"])]
    assert figures(AIR) == [(("全年PM10", "PM2.5平均浓度"), ["71微克/立方米", "45微克/立方米"])]
    # an ordinal spread over the digits after it: three items
    assert figures(SECTORS) == [(("第一产业增加值", "第二产业增加值", "第三产业增加值"), ["3.5%", "6.1%", "5.8%"])]
    # 分别 opening its clause: the items joined in the clause before, or the clauses before, one item each
    projects = "95个省重点、1469个市重点项目，分别完成投资1250亿元、5868亿元，占年度计划的141.5%、142.7%。"
    assert figures(projects) == [(("95个省重点", "1469个市重点项目"), ["1250亿元", "5868亿元"])]
    incomes = "城镇居民人均可支配收入20000元，农民人均纯收入8310元，分别增长9.7%和11.1%。"
    assert figures(incomes) == [(("城镇居民人均可支配收入20000元", "农民人均纯收入8310元"), ["9.7%", "11.1%"])]
    # as many figures as items, else no pairing is said (肉蛋奶 is one word, not three items)
    assert figures("肉蛋奶总产量分别达70万吨、33万吨、15万吨。") == []


@pytest.mark.parametrize("items, question, named", [
    (("中集华骏", "蓝天集团"), "驻马店2016年蓝天集团营业收入多少", 1),
    (("全年PM10", "PM2.5平均浓度"), "驻马店2020年PM10平均浓度是多少", 0),  # 平均浓度 is the head of both
    (("全年PM10", "PM2.5平均浓度"), "驻马店2020年PM2.5平均浓度是多少", 1),
    (("第一产业增加值", "第二产业增加值", "第三产业增加值"), "第二产业增加值增长多少", 1),
    (("第一产业增加值", "第二产业增加值", "第三产业增加值"), "三次产业增加值增长多少", None),
    (("95个省重点", "1469个市重点项目"), "驻马店2020年市重点项目完成投资多少", 1),
    (("95个省重点", "1469个市重点项目"), "驻马店2020年省重点项目完成投资多少", 0),
    (("城镇居民人均可支配收入20000元", "农民人均纯收入8310元"), "农民人均纯收入增长多少", 1),
    (("全年交通", "水利", "能源", "市政领域投资"), "江苏2025年交通领域投资计划达到多少", 0),  # 领域投资 is every item's
    (("全年交通", "水利", "能源", "市政领域投资"), "江苏2025年市政领域投资计划达到多少", 3),
    (("城镇", "乡村居民人均可支配收入"), "保定市2020年乡村居民的人均可支配收入多少", 1),
])
def test_the_item_a_question_names_is_the_one_with_words_no_other_item_has(items, question, named):
    assert named_item(items, question) == named


def test_another_items_figure_is_not_an_answer_but_a_question_asking_them_all_keeps_every_figure():
    def on(text: str) -> tuple[int, int]:
        return FIRMS.index(text), FIRMS.index(text) + len(text)

    assert another_items_figure("蓝天集团营业收入多少", FIRMS, *on("69亿元"))
    assert another_items_figure("蓝天集团营业收入多少", FIRMS, *on("69亿元、58亿元"))  # the whole enumeration
    assert not another_items_figure("蓝天集团营业收入多少", FIRMS, *on("58亿元"))
    assert not another_items_figure("蓝天集团营业收入多少", FIRMS, *on("49家"))  # outside the pairing
    assert not another_items_figure("中集华骏和蓝天集团分别达到多少", FIRMS, *on("69亿元"))


def test_gather_drops_the_figure_of_the_other_item():
    def facts(doc_id, start, end):
        return SentenceFacts(2016, None, 0.5, 0.5, FIRMS, 0)

    def rule(text: str) -> Span:
        at = FIRMS.index(text)
        return Span("doc", at, at + len(text), text, "amount", 0.5, Evidence("doc", 0, FIRMS, "", 2016, None, 1.0), FIRMS, {})

    pieces = StubReader("69亿元").read("q", [Window("doc", 0, FIRMS)])  # the reader likes the first figure
    spans = [rule("69亿元"), rule("58亿元")]
    options, _ = gather(analyse("驻马店2016年蓝天集团营业收入多少"), spans, None, 0.5, 0.0, pieces, facts)
    assert {o.text for o in options} == {"58亿元"}
    options, _ = gather(analyse("驻马店2016年中集华骏营业收入多少"), spans, None, 0.5, 0.0, pieces, facts)
    assert "69亿元" in {o.text for o in options} and "58亿元" not in {o.text for o in options}
