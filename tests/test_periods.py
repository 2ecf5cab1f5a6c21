"""Which year a sentence speaks for, and whether it is a plan or a result."""
from qa.index.chunking import split_sentences
from qa.ingest.corpus import load_corpus
from qa.index.periods import assign_periods


def _periods(doc):
    return {doc.text[s.start : s.end]: (s.year, s.stance) for s in assign_periods(doc, split_sentences(doc))}


def _report(folder, doc_id: str, text: str, district: str, year: int, review_year: int) -> dict:
    """The periods of a report written to ``folder`` with its sidecar: sentence -> (year, stance)."""
    (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    sidecar = f'{{"district": "{district}", "year": {year}, "review_year": {review_year}}}'
    (folder / f"{doc_id}.json").write_text(sidecar, encoding="utf-8")
    return _periods(load_corpus(folder)[0])


def _of(periods: dict, cue: str) -> tuple:
    """The period of the sentence holding ``cue``."""
    return next(v for t, v in periods.items() if cue in t)


def _expect(periods: dict, expected: dict) -> None:
    """Each cue's sentence has its expected period; every mismatch is named at once."""
    found = {cue: _of(periods, cue) for cue in expected}
    assert found == expected


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
    periods = _report(tmp_path, "national-1980",
        "各位代表：\n我代表国务院向大会作政府工作报告。\n1979年，工农业总产值增长8.5%。\n1981年，要继续调整国民经济。\n",
        "全国", 1980, 1979)
    _expect(periods, {"8.5%": (1979, "result"), "继续调整": (1981, "plan")})


def test_a_base_year_is_not_the_year_a_sentence_speaks_for(tmp_path):
    # 在1992年…的基础上，1993年… speaks for 1993; 比2020年 is the base of a comparison; 主要 and 重要 plan nothing
    periods = _report(tmp_path, "national-1994",
        "各位代表：\n我代表国务院向大会作政府工作报告。\n国民经济快速增长。在1992年快速增长的基础上，1993年我国经济继续蓬勃发展。"
        "国内生产总值比上年增长百分之十三点四。主要农产品产量都有显著增加，粮食总产量4564亿公斤。一些重要产品产量大幅度增加。\n"
        "2025年，力争地区生产总值比2020年增长三成。\n",
        "全国", 1994, 1993)
    review = ("1993年我国经济", "百分之十三点四", "4564亿公斤", "重要产品")
    _expect(periods, {**dict.fromkeys(review, (1993, "result")), "三成": (2025, "plan")})


def test_a_span_from_one_year_to_another_speaks_for_where_it_ends(tmp_path):
    # 由1997年的…增加到2002年的…: the figure asked of it is the one of 2002, as 从2020年 starts a span too
    periods = _report(tmp_path, "national-2003",
        "各位代表：\n我代表国务院向大会作政府工作报告。\n五年来交通建设空前发展。"
        "公路通车里程由1997年的123万公里增加到2002年的176万公里，其中高速公路由4771公里增加到2.52万公里。"
        "农民人均纯收入由2090元增加到2476元。全国平均每个农民的纯收入将由一九八○年的一百九十一元增加到一九八五年的二百五十五元。\n",
        "全国", 2003, 2002)
    _expect(periods, {"2.52万公里": (2002, "result"), "二百五十五元": (1985, "result")})


def test_a_sentence_naming_a_year_only_as_a_base_speaks_for_the_year_around_it(tmp_path):
    # the 1981 plan's targets, each compared with 1980: they are 1981's, not 1980's
    periods = _report(tmp_path, "national-1980",
        "各位代表：\n我代表国务院向大会作政府工作报告。\n二、1981年国民经济计划的任务和主要指标\n"
        "根据上述要求，1981年国民经济计划主要指标安排如下。工农业总产值，比1980年预计增长5.5%。"
        "农业，粮食产量34，250万吨，比1980年预计增加1，000万吨；原材料工业，钢产量3，500万吨。\n",
        "全国", 1980, 1979)
    _expect(periods, dict.fromkeys(("增长5.5%", "34，250万吨", "3，500万吨"), (1981, "plan")))


def test_years_in_words_the_latest_named_and_relative_words_in_passing(tmp_path):
    # old reports print years in words (按一九八○年不变价格 is a base); 今年 or
    # 去年 further into a sentence (为今年…创造了条件) marks only that sentence, while 一年来 opening one sets a review
    periods = _report(tmp_path, "national-1986",
        "各位代表：\n一九八五年，国民经济持续发展。一九八三年财政收入增加一百二十七亿元，一九八五年增加三百六十二亿元，全年总收入达到"
        "一千八百二十九亿元。按一九八○年不变价格计算，一九九○年国民生产总值达到一万一千一百七十亿元。\n"
        "一年来，对外开放继续扩大。稳定经济形势，保持了良好势头，为今年经济持续发展创造了条件。进出口贸易总额达到696亿美元。\n"
        "2025年，力争到2027年基本建成示范区。\n",
        "全国", 1986, 1985)
    _expect(periods, {
        "一千八百二十九亿元": (1983, "result"),  # the first year named: a list of years is left as it is
        "一万一千一百七十亿元": (1990, "plan"),
        "为今年": (1986, "plan"), "696亿美元": (1985, "result"),
        "示范区": (2025, "plan"),
    })


def test_a_cue_of_its_own_speaks_for_the_figures_after_it(tmp_path):
    # 市场预期 after the review's figures plans nothing; 力争 before a figure plans it
    periods = _report(tmp_path, "prov-2025-x",
        "各位代表：\n一、2024年工作回顾\n经济运行稳中有进。全年地区生产总值达到32193.15亿元、增长5.7%，市场预期和社会信心不断增强。"
        "力争新增就业5万人。\n",
        "重庆市", 2025, 2024)
    _expect(periods, {"32193.15亿元": (2024, "result"), "5万人": (2025, "plan")})


def test_a_sentence_opening_with_a_relative_year_speaks_for_it_whatever_years_it_names_after(tmp_path):
    # 过去一年里…把1984年末至1985年…调整过来 reviews 1986; the figures after it follow; 过去年度 is no 去年
    periods = _report(tmp_path, "national-1987",
        "各位代表：\n1986年是开始执行第七个五年计划的一年。\n在经济领域，过去一年里取得的最重要的成绩，就是把1984年末至1985年一度出现的"
        "经济过热现象初步调整过来。全国社会总产值达到18774亿元。\n今年要启动攻坚计划，到1990年基本普及九年义务教育。\n"
        "鉴于过去年度计划制定得比较晚，国务院确定提前制定1988年国民经济计划。\n",
        "全国", 1987, 1986)
    _expect(periods, {"18774亿元": (1986, "result"), "攻坚计划": (1987, "plan"), "过去年度": (1988, "plan")})


def test_a_year_named_further_in_marks_its_own_sentence_not_the_review_after_it(tmp_path):
    # a review sentence mentioning next year's event (在2025年新年贺词中) does not turn the review into a plan; the
    # section's heading (一、2024年工作回顾) sets the review's year, the plan's heading the plan's
    periods = _report(tmp_path, "prov-2025-somewhere",
        "各位代表：\n\n现在，我代表省人民政府向大会报告工作，请予审议。\n\n一、2024年工作回顾\n\n"
        "总书记亲临我省考察指导，并在2025年新年贺词中对我省给予充分肯定。\n\n"
        "主要目标质效齐升。全年实现地区生产总值5503亿元、增长5.4%。\n\n二、2025年工作安排\n\n"
        "全年粮食产量稳定在75亿斤以上。\n",
        "某省", 2025, 2024)
    _expect(periods, {"新年贺词": (2025, "plan"), "5503亿元": (2024, "result"), "75亿斤": (2025, "plan")})


def test_a_heading_sets_the_period_of_the_section_under_it(tmp_path):
    periods = _report(tmp_path, "city-somewhere-2025",
        "各位代表：\n\n一、2024年工作回顾\n\n主要指标好于预期。城镇新增就业4.1万人。\n",
        "某市", 2025, 2024)
    assert _of(periods, "4.1万人") == (2024, "result")


def test_an_expectation_is_no_plan_but_an_expected_target_is(tmp_path):
    # 预期 plans where it names the target (主要预期目标, 预期增长); 好于预期, 人均预期寿命, 市场预期 review the year
    periods = _report(tmp_path, "national-2021",
        "各位代表：\n\n一、2020年工作回顾\n\n过去一年，极不平凡。\n\n"
        "我们率先实现复工复产，经济恢复好于预期，全年国内生产总值增长2.3%。人均预期寿命达到77.3岁。\n\n"
        "今年发展主要预期目标是：国内生产总值增长6%以上。\n",
        "全国", 2021, 2020)
    _expect(periods, {"2.3%": (2020, "result"), "77.3岁": (2020, "result"), "6%以上": (2021, "plan")})
