"""Typed span finding and scoring, on literal sentences."""
from qa.rules.extract import extract_spans
from qa.rules.scoring import copula_subject
from qa.rules.types import Evidence
from qa.rules.spans import find_date_spans, find_list_spans, find_number_spans
from qa.rules.question import analyse
from qa.index.tokenize import Tokenizer


def _texts(text, spans):
    return [text[a:b] for a, b, *_ in spans]


def _first_list(text, tag=None):
    """The first enumeration found in ``text`` (tagged with a plain tokenizer unless ``tag`` is given)."""
    return _texts(text, find_list_spans(text, tag or Tokenizer().tag))[0]


def test_numbers_keep_unit_and_qualifiers():
    text = "新增学位1600余个，应用电子证明事项近900项，电子化率超99%，园区载体规模达6.4万平方米，预计增长5%左右"
    found = _texts(text, find_number_spans(text))
    assert found == ["1600余个", "近900项", "超99%", "6.4万平方米", "5%左右"]


def test_units_mined_from_the_reports_and_the_trillion():
    # 个百分点, 岁, 千瓦 and 斤 come from qa/rules/units.tsv (scripts/mine_units.py); 万亿 is one multiplier
    text = "粮食产量1.09万亿斤，下降0.2个百分点，人均预期寿命78.3岁，装机6437万千瓦，接待游客8700万人次，国内生产总值11.67万亿元"
    found = _texts(text, find_number_spans(text))
    assert found == ["1.09万亿斤", "0.2个百分点", "78.3岁", "6437万千瓦", "8700万人次", "11.67万亿元"]


def test_a_unit_counted_per_something_keeps_what_it_is_per():
    text = "PM2.5平均浓度30.5微克/立方米，月最低工资2000元/月，产能300万吨/年，电价0.35元/千瓦时以下，2023/2024年度"
    found = _texts(text, find_number_spans(text))
    assert found == ["30.5微克/立方米", "2000元/月", "300万吨/年", "0.35元/千瓦时"]


def test_an_enumeration_ends_before_a_label_in_quotes_and_its_first_item_is_as_long_as_those_between():
    text = ("主导产业由“六大产业”培育发展为食品加工、生物医药、装备制造、服装制鞋、现代化工、绿色建材、节能环保、户外休闲、"
            "新能源电动车“九大产业”集群，“中国药谷”蔚然成势")
    assert _first_list(text) == "食品加工、生物医药、装备制造、服装制鞋、现代化工、绿色建材、节能环保、户外休闲、新能源电动车"


def test_figures_as_older_reports_print_them():
    # a separator of thousands (the 1980 report), numerals and units in traditional characters (the 1954 report),
    # 零 inside a numeral, 多 before the classifier, 近百个, 一点九倍
    text = ("粮食产量达到33，212万吨，投资1,234.5万元，钢产量预计二百十七萬噸，选民三億二千三百八十萬九千六百八十四人，"
            "一百四十一個项目，五百零四个县，二万四千多个人民公社，近百个国家，增长一点九倍，增长6.5%，180家企业")
    assert _texts(text, find_number_spans(text)) == [
        "33，212万吨", "1,234.5万元", "6.5%", "180家", "一百四十一個", "五百零四个", "二万四千多个", "近百个",
        "二百十七萬噸", "三億二千三百八十萬九千六百八十四人", "一点九倍"]


def test_figures_one_after_another_are_one_list():
    from qa.rules.spans import find_figure_lists

    text = "肉、蛋、奶产量达68.9万吨、34.8万吨、14.5万吨，城乡居民收入分别增长4.3%和7.1%，力争增长7%以上、力争达到8%"
    assert [text[a:b] for a, b in find_figure_lists(text)] == ["68.9万吨、34.8万吨、14.5万吨", "4.3%和7.1%"]


def test_years_and_bare_numbers_are_not_figures():
    text = "2023年，历下将推进“1+456”工作体系，建设5G基站"
    assert find_number_spans(text) == []


def test_growth_verb_joins_a_rate_when_asked():
    text = "实现税收4.46亿元，增长28.4%"
    spans = find_number_spans(text, with_growth_verb=True)
    assert ("4.46亿元", "amount") in [(text[a:b], kind) for a, b, kind, _ in spans]
    assert ("增长28.4%", "percentage") in [(text[a:b], kind) for a, b, kind, _ in spans]


def test_a_range_is_one_figure_and_its_ends_are_not_figures_alone():
    text = "经济增长预期目标为5%—5.5%，居民消费价格涨幅3%左右；新建公园3至5个，城镇新增就业6－6.5万人"
    assert _texts(text, find_number_spans(text)) == ["5%—5.5%", "3%左右", "3至5个", "6－6.5万人"]
    spans = find_number_spans("国内生产总值增长6%－6.5%", with_growth_verb=True)
    assert [(a, b, kind) for a, b, kind, _ in spans] == [(6, 15, "percentage")]  # 增长6%－6.5%
    # not a range: other units at its ends, a qualified end (3%左右-4%), a year before a figure (2021—2025年增长5%)
    for text, figures in (("2万—3亿元", ["2万", "3亿元"]), ("3%左右-4%", ["3%左右", "4%"]), ("2021—2025年增长5%", ["5%"])):
        assert _texts(text, find_number_spans(text)) == figures


def test_words_for_counts_are_figures():
    text = "在全市经济社会发展综合考核中勇夺“十四连冠”"
    assert _texts(text, find_number_spans(text)) == ["十四连冠"]
    text = "着力提升干部“五种能力”"
    assert _texts(text, find_number_spans(text)) == ["五种"]


def test_enumeration_stops_at_deng_and_drops_the_leading_verb():
    tag = Tokenizer().tag
    text = "加快德邦证券、山东人才普惠金融、齐鲁银行理财子公司等传统金融和新金融、类金融机构集聚"
    assert _first_list(text, tag) == "德邦证券、山东人才普惠金融、齐鲁银行理财子公司"


def test_enumeration_stops_at_a_counted_category():
    tag = Tokenizer().tag
    text = "着力打造数字经济、科技创新、智能制造、创意设计、金融五大产业发展高地"
    assert _texts(text, find_list_spans(text, tag)) == ["数字经济、科技创新、智能制造、创意设计、金融"]


def test_dates():
    text = "1月17日上午，济南市历下区第十九届人民代表大会第三次会议开幕"
    assert _texts(text, find_date_spans(text)) == ["1月17日上午"]
    # as older reports print them, in words
    text = "一九七六年十月六日，粉碎了“四人帮”；二〇二四年三月五日开幕；从一月一日起施行"
    assert _texts(text, find_date_spans(text)) == ["一九七六年十月六日", "二〇二四年三月五日", "一月一日"]


def _evidence(text, year=2024, stance="plan", start=0):
    return Evidence("doc", start, text, "", year, stance, retrieval=1.0, similarity=0.8)


def _top(question, texts, weights, year=2024, stance="plan", tag=None):
    """The best span's text for ``question`` over sentences ``texts`` (a string or a list), tagged by a plain tokenizer."""
    texts = [texts] if isinstance(texts, str) else texts
    evidence = [_evidence(t, year, stance, start=i * 100) for i, t in enumerate(texts)]
    return extract_spans(analyse(question), evidence, weights, pos=tag or Tokenizer().tag)[0].text


def test_the_number_governed_by_the_key_terms_wins_not_the_nearest():
    question = analyse("历下2024年新建幼儿园几所")
    text = "今年计划新建、改扩建中小学校5所，新增学位7000余个，新建幼儿园4所"
    spans = extract_spans(question, [_evidence(text)], {"新建": 1.0, "幼儿园": 2.0})
    assert spans[0].text == "4所"


def test_percentage_question_takes_the_rate_not_the_amount():
    question = analyse("2019年市中区信息通信业税收增长了多少")
    text = "信息通信业做大做强，实现税收4.46亿元，增长28.4%。"
    spans = extract_spans(question, [_evidence(text, 2019, "result")], {"信息通信业": 2.0, "税收": 1.0, "增长": 0.5})
    assert spans[0].text == "增长28.4%"


def test_the_asked_year_decides_between_review_and_plan():
    question = analyse("2022年历下新建、改扩建了多少所中小学和幼儿园")
    weights = {"新建": 1.0, "改扩建": 2.0, "中小学": 1.5, "幼儿园": 1.5}
    review = _evidence("新建、改扩建12所中小学、幼儿园；", 2022, "result", start=0)
    plan = _evidence("新建、改扩建中小学幼儿园10处，增加学位6630个；", 2023, "plan", start=100)
    assert extract_spans(question, [plan, review], weights)[0].text == "12所"
    question = analyse("2023年历下计划新建、改扩建几处中小学幼儿园")
    assert extract_spans(question, [review, plan], weights)[0].text == "10处"


def test_span_offsets_point_into_the_document():
    question = analyse("新增学位多少个")
    ev = _evidence("新增学位1600余个。", start=500)
    span = extract_spans(question, [ev], {"学位": 1.0})[0]
    assert (span.start, span.end) == (504, 510)


def test_a_person_is_the_name_after_a_title():
    question = analyse("接受记者采访的历下区区长是谁")
    text = "历下区人民政府区长杨福涛接受了记者采访。"
    spans = extract_spans(question, [_evidence(text)], {"采访": 1.0, "记者": 1.0, "区长": 1.0}, pos=Tokenizer(["杨福涛"]).tag)
    assert spans[0].text == "杨福涛"


def test_side_by_side_quoted_names_are_a_list():
    text = "在做大做强“明湖系”“丽山系”产业园区的基础上"
    assert _texts(text, find_list_spans(text, Tokenizer().tag))[0] == "“明湖系”“丽山系”"


def test_a_term_only_one_candidate_holds_outweighs_one_they_all_hold():
    question = analyse("2022年金融这一块的增加值增速是多少")
    sentences = [
        "预计规模以上工业增加值增长15%以上",
        "预计服务业增加值增长5.5%左右",
        "预计实现金融业增加值489亿元，增长11.6%，总量占全市46%",
    ]
    evidence = [_evidence(text, 2022, "result", start=100 * i) for i, text in enumerate(sentences)]
    spans = extract_spans(question, evidence, {"金融": 1.5, "增加值": 3.3})
    assert spans[0].text in ("11.6%", "增长11.6%")


def test_the_subject_may_stand_two_clauses_before_the_figure():
    question = analyse("2019年千万元以上项目的认缴资金增长了多少")
    text = "2019年，市中区累计引进千万元以上项目1134个，认缴资金933亿元，增长28%；其中亿元以上项目174个，认缴资金748亿元，增长38%"
    spans = extract_spans(question, [_evidence(text, 2019, "result")], {"千万元": 4.0, "以上": 2.0, "项目": 1.0, "认缴": 4.0})
    assert spans[0].text in ("28%", "增长28%")


def test_a_change_question_takes_a_rate_without_a_growth_word():
    question = analyse("2022年一般性开支压缩了多少")
    text = "市场主体达14.4万户；压减政府部门一般性支出15%以上"
    spans = extract_spans(question, [_evidence(text, 2022, "result")], {"一般性": 3.0, "开支": 2.0})
    assert spans[0].text == "15%以上"


def test_the_last_item_ends_with_the_head_the_others_share():
    tag = Tokenizer().tag
    text = "打通白马山东路、玉兴路路段瓶颈路，完成民生大街提升"
    assert _first_list(text, tag) == "白马山东路、玉兴路"
    text = "扶持一批营业收入首次突破1亿元、10亿元、50亿元的实力企业"
    assert _first_list(text, tag) == "1亿元、10亿元、50亿元"


def test_a_name_takes_the_category_the_question_names_after_it():
    question = analyse("2024年依托哪个细胞医学产业园引进企业")
    text = "依托丽山国际细胞医学产业园等高端载体，对接引进前沿领域企业"
    spans = extract_spans(question, [_evidence(text)], {"依托": 2.0, "细胞": 1.0, "医学": 1.0, "产业园": 1.0}, pos=Tokenizer().tag)
    assert spans[0].text == "丽山国际细胞医学产业园"


def test_a_rank_is_answered_with_the_ordinal_and_its_scope():
    question = analyse("2022年历下企业数量在全市排第几")
    text = "市场主体达14.4万户，实有企业数量全市第一"
    spans = extract_spans(question, [_evidence(text, 2022, "result")], {"企业": 1.0, "数量": 3.0, "全市": 2.0})
    assert spans[0].text == "全市第一"
    question = analyse("历下在全国百强主城区中排名多少")
    text = "列全国综合竞争力百强主城区15名，引进人才6名"
    spans = extract_spans(question, [_evidence(text, 2022, "result")], {"全国": 2.0, "百强": 4.0, "主城区": 4.0})
    assert spans[0].text == "15名"


def test_the_first_item_keeps_a_verbal_noun_and_a_one_character_verb_inside_it():
    tag = Tokenizer().tag
    text = "山东电力设备公司、超意兴餐饮有限公司等企业达成交易"
    assert _first_list(text, tag) == "山东电力设备公司、超意兴餐饮有限公司"
    text = "抢抓平急两用公共基础设施建设、城中村改造等政策利好"
    assert _first_list(text, tag) == "平急两用公共基础设施建设、城中村改造"
    text = "进一步做强做优明湖国际信创产业园、人力资源服务产业园等园区载体"
    assert _first_list(text, tag) == "明湖国际信创产业园、人力资源服务产业园"


def test_the_last_item_may_be_two_joined_by_he():
    tag = Tokenizer().tag
    text = "串联起大明湖景区、后宰门首开区、泉城路商业街和泉城广场，提升整个片区商业氛围"
    assert _first_list(text, tag) == "大明湖景区、后宰门首开区、泉城路商业街和泉城广场"


def test_a_chain_of_dashes_is_an_enumeration():
    tag = Tokenizer().tag
    text = "推进“众创空间—孵化器—加速器—产业园区”全链条孵化体系建设，聚焦泉城路—解放路—解放东路城市更新轴"
    found = _texts(text, find_list_spans(text, tag))
    assert "众创空间—孵化器—加速器—产业园区" in found
    assert "泉城路—解放路—解放东路" in found


def test_a_coined_name_in_quotes_followed_by_the_asked_category_wins():
    question = analyse("古城要引进的沉浸式游玩项目叫什么")
    text = "加快古城保护利用，导入“寻梦韶华”等大型沉浸式文旅体验项目，提升街区活力"
    spans = extract_spans(question, [_evidence(text)], {"古城": 2.0, "引进": 1.0, "沉浸": 3.0, "项目": 1.0}, pos=Tokenizer().tag)
    assert spans[0].text == "寻梦韶华"


def test_a_list_question_that_counts_its_items_takes_a_list_of_that_many():
    question = analyse("2019年开展了哪两个主题年活动")
    assert question.answer_type == "list" and question.items == 2
    text = "深入开展“攻坚突破年”“作风提升年”活动，发展品质积蓄新能级"
    spans = extract_spans(question, [_evidence(text, 2019, "result")], {"主题": 3.0, "活动": 1.0}, pos=Tokenizer().tag)
    assert spans[0].text == "“攻坚突破年”“作风提升年”"


def test_the_asked_place_of_an_enumeration_follows_its_marker():
    question = analyse("支持民营经济的第二项行动是什么")
    assert question.nth == 2
    text = "一是实施金融支持行动，设立企业融资平台。二是实施市场开放行动，组织送政策进企业活动。"
    weights = {"支持": 2.0, "民营": 2.0, "行动": 1.0}
    spans = extract_spans(question, [_evidence(text, 2023)], weights, pos=Tokenizer().tag)
    assert spans[0].text == "市场开放行动"


def test_a_name_does_not_start_with_its_governing_verb_and_a_person_follows_the_asked_title():
    question = analyse("2024年打头的重点项目是哪个")
    text = "扎实推进明湖国际科技创新中心、齐鲁医院综合楼等80个重点项目实施"
    spans = extract_spans(question, [_evidence(text)], {"重点": 1.0, "项目": 1.0}, pos=Tokenizer().tag)
    assert spans[0].text == "明湖国际科技创新中心"
    question = analyse("这篇专访的记者是谁")
    assert question.person and question.role == "记者"
    text = "区长杨福涛接受专访时表示，将持续发力。记者 张建国 通讯员 王晓"
    spans = extract_spans(question, [_evidence(text)], {"专访": 2.0, "记者": 1.0}, pos=Tokenizer().tag)
    assert spans[0].text == "张建国"


def test_a_count_in_the_questions_own_character_is_answered_in_words():
    question = analyse("2023年重拳整治的城市乱象是几乱")
    assert question.unit == "乱"
    text = "抓好老旧小区改造提升6处；重拳整治城市“八乱”，加强交通拥堵治理"
    spans = extract_spans(question, [_evidence(text, 2023)], {"重拳": 3.0, "整治": 3.0, "城市": 1.0})
    assert spans[0].text == "八乱"


def test_a_figure_whose_clause_lacks_the_counted_noun_loses_to_one_that_has_it():
    question = analyse("2022年一般公共预算支出是多少")
    text = "完成一般公共预算收入161.3亿元，民生支出占比达到80%"
    weights = {"一般": 1.0, "公共": 1.0, "预算": 2.0, "支出": 2.0}
    plain = extract_spans(question, [_evidence(text, 2022, "result")], weights)
    headed = extract_spans(question, [_evidence(text, 2022, "result")], weights, heads=("支出",))
    top = {s.text: s for s in headed}
    assert top["161.3亿元"].signals["head"] == 1.0
    assert top["161.3亿元"].score < {s.text: s for s in plain}["161.3亿元"].score


def test_a_figure_after_its_neighbour_s_counted_noun_loses_to_the_one_that_counts_it():
    # 学位 stands in the window of 4所 (the clause before) but in the own clause of 1600余个
    question = analyse("历下 2024 新幼儿园 学位供给")
    text = "今年，历下将持续深化学前教育普及普惠建设，新建幼儿园4所，新增学位1600余个。"
    weights = {"新": 0.25, "幼儿": 3.06, "幼儿园": 3.06, "学位": 3.65, "供给": 2.86}
    spans = extract_spans(question, [_evidence(text, 2024, "plan")], weights, heads=("学位",))
    assert spans[0].text == "1600余个"


def test_a_rank_is_not_an_edition_and_an_edition_is_not_a_rank():
    text = "落地第二届创新创业大赛决赛项目20个，成绩位列全市第一"
    weights = {"大赛": 2.0, "成绩": 1.0}
    rank = extract_spans(analyse("2019年创新创业大赛的成绩在全市排第几"), [_evidence(text, 2019, "result")], weights)
    assert rank[0].text == "全市第一"
    edition = extract_spans(analyse("2019年落地的是第几届创新创业大赛"), [_evidence(text, 2019, "result")], weights)
    assert edition[0].text == "第二届"


def test_a_magnitude_in_words():
    question = analyse("两大产业集群的规模是什么量级")
    assert question.unit == "级"
    text = "打造生物医药、信息技术两个百亿级链式产业集群"
    assert extract_spans(question, [_evidence(text)], {"产业": 1.0, "集群": 2.0})[0].text == "百亿级"


def test_round_the_clock_figures_keep_their_multiplier():
    text = "产业部门为企业提供7×24小时“保姆式”服务"
    assert _texts(text, find_number_spans(text)) == ["7×24小时"]


def test_a_remembered_part_of_a_name_in_quotes_points_to_the_whole_name():
    question = analyse("在CBD推行的那个“管家”式服务模式叫什么")
    text = "在CBD推行“一企一策”“泉管家”服务模式"
    spans = extract_spans(question, [_evidence(text)], {"CBD": 2.0, "推行": 1.0, "服务": 1.0, "模式": 1.0}, pos=Tokenizer().tag)
    assert spans[0].text == "泉管家"


def test_the_category_the_question_names_is_not_part_of_the_last_item():
    question = analyse("2022年历下获得了哪些荣誉称号")
    text = "先后荣获中国工业百强区、全国未成年人保护示范区、全省首批生态文明强县、山东省现代流通强区称号"
    spans = extract_spans(question, [_evidence(text, 2022, "result")], {"荣誉": 1.0, "称号": 2.0}, pos=Tokenizer().tag)
    assert spans[0].text == "中国工业百强区、全国未成年人保护示范区、全省首批生态文明强县、山东省现代流通强区"


def test_a_list_standing_where_the_question_word_stands_beats_one_sharing_more_words():
    question = analyse("2024年紧盯哪些重点片区策划储备项目")
    text = "紧盯东部新城、老城片区、滨河片区等重点片区，策划储备一批投资大、产业优、前景好的项目"
    weights = {"紧盯": 3.0, "重点": 1.4, "片区": 1.9, "策划": 2.7, "储备": 3.3, "项目": 1.2}
    spans = extract_spans(question, [_evidence(text)], weights, pos=Tokenizer().tag)
    assert spans[0].text == "东部新城、老城片区、滨河片区"


def test_a_name_jieba_splits_into_single_characters_stays_whole():
    text = "全市首家省级区块链产业创新创业共同体——山东安可区块链产业发展研究院注册成立"
    tag = Tokenizer(["区块链", "产业发展", "研究院"]).tag
    weights = {"区块链": 2.0, "共同体": 2.0, "机构": 1.0}
    best = _top("市中区第一家省级区块链产业创新创业共同体是哪个机构", text, weights, 2019, "result", tag=tag)
    assert best == "山东安可区块链产业发展研究院"


def test_a_clause_that_is_only_a_rate_speaks_of_the_clause_before_it():
    question = analyse("2022年金融业增加值预计增长多少")
    text = "预计实现金融业增加值489亿元，增长11.6%；预计规模以上工业增加值增长15%以上"
    weights = {"金融": 1.5, "增加值": 3.3, "预计": 3.6}
    assert extract_spans(question, [_evidence(text, 2022, "result")], weights)[0].text in ("增长11.6%", "11.6%")


def test_an_area_question_wants_an_area_in_whatever_unit_it_is_printed():
    question = analyse("2023年续建项目的面积有多大")
    assert question.unit == "平方米"
    text = "推进8个续建项目，续建面积206万平方米"
    assert extract_spans(question, [_evidence(text, 2023)], {"续建": 3.0, "项目": 1.0})[0].text == "206万平方米"
    question = analyse("历下区辖区面积有多大")
    text = "历下区辖区面积100.89平方公里，常住人口6个街道"
    assert extract_spans(question, [_evidence(text, 2023)], {"辖区": 3.0})[0].text == "100.89平方公里"


def test_names_do_not_carry_the_verbs_around_them():
    from qa.rules.spans import find_name_spans, is_verb_phrase

    for phrase in ("申报气候投融资试点", "全国首个科创金融改革试验区", "标准实施城市", "科创金融改革试验区落地", "扎实推进明湖国际科技创新中心",
                   "信息通信业做大做强", "丰富医保电子凭证"):
        assert is_verb_phrase(phrase), phrase
    for name in ("气候投融资试点", "科创金融改革试验区", "城市运行综合指挥中心", "人力资源服务产业园", "山东电力设备公司"):
        assert not is_verb_phrase(name), name

    text = "对标国内一流标准实施城市运行综合指挥中心升级改造"
    tag = Tokenizer(["城市", "运行", "综合", "指挥", "中心"]).tag
    assert "城市运行综合指挥中心" in _texts(text, find_name_spans(text, tag))


def test_a_name_does_not_run_on_into_what_is_said_about_it():
    from qa.rules.spans import is_verb_phrase

    # a milestone after the name (主体封顶, 全面完成), a verb of being listed inside, a verb of arriving in front
    for phrase in ("槿椿颐养中心主体封顶", "槿椿颐养中心主体", "环卫市场化改革全面完成", "山东大学国家科技园纳入山东省新旧动能转换", "落户市中区"):
        assert is_verb_phrase(phrase), phrase
    for name in ("槿椿颐养中心", "山东大学国家科技园", "国有资产监督管理机构", "创新创业综合示范园"):
        assert not is_verb_phrase(name), name


def test_a_first_item_loses_its_opening_verb_unless_the_items_are_verb_phrases_themselves():
    tag = Tokenizer().tag
    text = "研究出台专项扶持政策，专设税收征管、行政审批、工商注册等服务机构"
    assert _first_list(text, tag) == "税收征管、行政审批、工商注册"
    text = "精心举办了BIM软件产业高峰论坛、国际创新设计大赛等活动"
    assert _first_list(text, tag) == "BIM软件产业高峰论坛、国际创新设计大赛"
    text = "着力提升谋划工作、改革创新、攻坚克难、应急处置等能力"
    assert _first_list(text, tag) == "谋划工作、改革创新、攻坚克难、应急处置"


def test_a_total_is_not_what_was_added():
    question = analyse("2022年高新技术企业总数有多少家")
    assert question.stock and not analyse("2022年新增高新技术企业多少家").stock
    added = extract_spans(question, [_evidence("新增高新技术企业151家", 2022, "result")], {"高新技术": 2.0, "企业": 1.0})
    assert added[0].signals.get("added") == 1.0
    total = extract_spans(question, [_evidence("高新技术企业累计达到600家", 2022, "result")], {"高新技术": 2.0, "企业": 1.0})
    assert "added" not in total[0].signals


def test_an_untitled_name_is_marked_for_a_person_question():
    question = analyse("这篇报道的编辑是谁")
    text = "区长杨福涛接受专访时表示，将持续发力"
    spans = extract_spans(question, [_evidence(text)], {"报道": 1.0, "编辑": 2.0}, pos=Tokenizer().tag)
    names = [s for s in spans if s.kind == "name"]
    assert names and all(s.signals.get("titled") == 0.0 for s in names)


def test_a_name_keeps_the_category_asked_when_no_quote_closes_it_before():
    from qa.rules.spans import find_name_spans

    tag = Tokenizer().tag
    text = "全面启动CBD国际消费中心商圈建设，打造全省时尚消费新地标"
    # a Latin word starts a name (jieba tags it eng, which is not the interjection e)
    assert "CBD国际消费中心商圈" in _texts(text, find_name_spans(text, tag))
    question = analyse("2022年历下开始打造的国际消费商圈叫什么")
    spans = extract_spans(question, [_evidence(text, 2022)], {"打造": 1.0, "国际": 1.0, "消费": 2.0, "商圈": 3.0}, pos=tag)
    assert spans[0].text == "CBD国际消费中心商圈"


def test_the_noun_after_the_question_word_may_end_the_name():
    text = "在全市率先成立国有资产监督管理机构，环卫市场化改革全面完成"
    weights = {"济南": 1.0, "第一": 2.4, "设立": 3.3, "监管": 4.2, "机构": 1.9}
    assert _top("2022年历下在全济南第一个设立了什么监管机构", text, weights, 2022) == "国有资产监督管理机构"


def test_the_words_before_the_question_word_may_open_the_name():
    text = "济南中央商务区成为全省金融中心建设的主战场"
    weights = {"济南": 1.0, "区域": 2.3, "全省": 2.3, "金融中心": 4.2, "主战场": 4.2}
    assert _top("济南哪个区域成了全省金融中心建设的主战场", text, weights, 2022) == "济南中央商务区"


def test_the_first_item_is_as_long_as_the_equally_long_others():
    tag = Tokenizer().tag
    cases = {
        "全面梳理重点企业供应链、资金链、人才链": "供应链、资金链、人才链",
        "推动重点建设项目早进场、早开工、早投产、早达效": "早进场、早开工、早投产、早达效",
        "奋力绘就产业兴旺、生态宜居、乡风文明、治理有效、生活富裕的乡村振兴新画卷": "产业兴旺、生态宜居、乡风文明、治理有效、生活富裕",
        "投资促进、项目推进、服务改进三管齐下": "投资促进、项目推进、服务改进",
        "建设“山东手造”网红打卡地、国潮先锋地和先行展示区": "网红打卡地、国潮先锋地和先行展示区",
        # not inside a word, and not for figures
        "紧盯浆水泉水库周边、中井村、明湖东等重点片区": "浆水泉水库周边、中井村、明湖东",
        "扶持营业收入首次突破1亿元、10亿元、50亿元的实力企业": "1亿元、10亿元、50亿元",
    }
    for text, expected in cases.items():
        assert _first_list(text, tag) == expected, text


def test_names_end_before_going_into_operation():
    from qa.rules.spans import is_verb_phrase

    assert is_verb_phrase("互联网出海产业园揭牌运营") and is_verb_phrase("运用数字孪生")
    assert not is_verb_phrase("互联网出海产业园")


def test_ranks_phases_and_counts_in_quoted_characters():
    from qa.rules.spans import ORDINAL_SPAN

    text = "济南国际创新设计产业园二期投入使用，总量、增幅均全市领先，实有企业数量全市第一"
    assert [m.group(0) for m in ORDINAL_SPAN.finditer(text)] == ["二期", "全市领先", "全市第一"]
    question = analyse("第几期投入使用")
    spans = extract_spans(question, [_evidence(text, 2019)], {"投入": 1.0, "使用": 1.0})
    assert spans[0].text == "二期"
    text = "加快“四算”一体化建设"
    question = analyse("一共是几个“算”")
    assert extract_spans(question, [_evidence(text, 2024)], {"一体化": 1.0})[0].text == "四算"


def test_a_dateline_dates_what_the_next_sentence_reports():
    from dataclasses import replace

    question = analyse("齐鲁壹点2024年专访杨福涛区长是在哪天")
    weights = {"齐鲁壹点": 3.0, "专访": 4.0, "杨福涛": 2.0, "区长": 3.0}
    dateline = replace(_evidence("1月17日上午，济南市历下区第十九届人民代表大会第三次会议开幕。", 2024), following="历下区区长杨福涛在接受齐鲁晚报·齐鲁壹点专访时表示")
    other = _evidence("1月4日上午，历下区第十九届人民代表大会第二次会议开幕。", 2024)
    spans = extract_spans(question, [other, dateline], weights)
    assert spans[0].text == "1月17日上午"


def test_a_share_is_not_a_change_and_a_count_is_not_an_area():
    text = "预计实现金融业增加值489亿元，增长11.6%，总量占全市46%"
    weights = {"金融业": 3.0, "增加值": 3.0, "全市": 2.0}
    share = analyse("历下的金融业增加值在济南全市占多大比例")
    assert extract_spans(share, [_evidence(text, 2022, "result")], weights)[0].text == "46%"
    change = analyse("历下的金融业增加值增长了多少")
    assert extract_spans(change, [_evidence(text, 2022, "result")], weights)[0].text.endswith("11.6%")
    text = "园区载体规模达6.4万平方米，注册企业185家"
    count = analyse("产业园里注册的公司总数是多少")
    assert extract_spans(count, [_evidence(text, 2019, "result")], {"园区": 2.0, "注册": 3.0})[0].text == "185家"


def test_a_total_asked_is_not_the_part_after_qizhong():
    text = "完成供地1579亩，其中出让土地835亩、划拨土地744亩"
    weights = {"出让": 3.3, "划拨": 3.6, "供": 1.5, "地": 1.0}
    total = analyse("2019年市中区出让加划拨一共供了多少亩地")
    assert extract_spans(total, [_evidence(text, 2019, "result")], weights)[0].text == "1579亩"
    # unless the question picks the part out by its own figure
    text = "累计引进千万元以上项目1134个，认缴资金933亿元，增长28%；其中亿元以上项目174个，认缴资金748亿元"
    part = analyse("那174个亿元以上项目一共认缴了多少资金")
    weights = {"亿元": 1.6, "以上": 1.0, "项目": 1.2, "认缴": 3.0, "资金": 2.0}
    assert extract_spans(part, [_evidence(text, 2019, "result")], weights)[0].text == "748亿元"


def test_people_and_households_are_counted_in_their_own_measure_words():
    from qa.rules.scoring import type_fit

    households = analyse("老旧小区改造惠及了多少户居民")
    assert type_fit(households, "number", "个") < 0.5 <= type_fit(households, "number", "户")
    projects = analyse("借势的重大工程一共有几项")
    assert type_fit(projects, "number", "大") >= 0.5  # 十大工程
    trips = analyse("做了几回招商宣传")
    assert type_fit(trips, "number", "次") >= 0.5
    people = analyse("引进的院士共几人")  # printed 院士6名: 名 counts people as 人 does
    assert type_fit(people, "number", "名") == type_fit(people, "number", "人") > 1.0


def test_a_year_on_year_change_is_a_rate_not_an_amount():
    from qa.rules.scoring import type_fit

    assert type_fit(analyse("引进的市外投资同比增长了多少"), "amount", "亿元") < 0.5
    assert type_fit(analyse("一般性支出压缩了多少"), "amount", "亿元") >= 0.5


def test_a_name_may_hold_the_district_the_question_names():
    text = "积极扩容医疗资源，历下医院完成改造，基层医疗救治体系不断完善，老年人疫苗接种稳步推进"
    weights = {"疫情": 4.0, "医院": 3.3, "改造": 2.0}
    assert _top("22年疫情期间历下把哪家医院改造好了？", text, weights, 2022, "result") == "历下医院"


def test_the_noun_after_the_question_word_is_found_with_the_tagger():
    from qa.rules.finding import asked_nouns

    tag = Tokenizer().tag
    assert "医院" in asked_nouns(analyse("历下把哪家医院改造好了"), tag)
    assert "聚集区" in asked_nouns(analyse("想把CBD打造成什么样的聚集区"), tag)


def test_a_full_name_asked_is_the_longest_name_with_the_remembered_parts():
    tag = Tokenizer(["动能转换", "金融产业"]).tag  # the index's user words, as built from the corpus
    text = "中美绿色（山东）产业投资基金合伙企业、山东省新旧动能转换现代金融产业母基金等30家新金融、类金融机构落户山东新金融产业园"
    question = analyse("落户山东新金融产业园的那只省级新旧动能转换母基金全称是什么？")
    assert question.category == "基金"
    weights = {"落户": 3.0, "新金融": 2.0, "产业园": 2.0, "省级": 3.0, "新旧": 2.7, "动能转换": 2.7, "母基金": 3.0}
    assert extract_spans(question, [_evidence(text, 2019, "result")], weights, pos=tag)[0].text == "山东省新旧动能转换现代金融产业母基金"


def test_a_byline_spells_names_out_between_spaces():
    from qa.rules.spans import find_name_spans

    text = "齐鲁晚报记者 夏侯凤超 通讯员 杨荣超 康钰坤"
    assert [text[a:b] for a, b in find_name_spans(text)] == ["夏侯凤超", "杨荣超", "康钰坤"]
    assert find_name_spans("区长杨福涛表示") == []


def test_the_noun_after_the_question_word_is_read_even_when_tagged_a_numeral():
    from qa.rules.finding import asked_nouns

    themed = analyse("2024年历下用什么主题年来统领全年项目工作？")
    assert "主题年" in asked_nouns(themed, Tokenizer().tag)  # 年 is tagged a numeral, and still heads 主题年


def test_a_quoted_name_may_open_with_a_verb():
    tag = Tokenizer().tag
    question = analyse("市中区把2020年定位成什么年？")
    text = "新的一年，市中区将按照市委“1+495”工作体系要求，把2020年作为“聚焦提升年”。"
    spans = extract_spans(question, [_evidence(text, 2020)], {"定位": 3.6, "成": 0.8, "年": 1.2}, pos=tag)
    assert spans[0].text == "聚焦提升年"


def test_a_figure_that_adds_up_kinds_is_not_the_figure_of_one_of_them():
    from qa.rules.measures import combined_part

    tag = Tokenizer().tag
    before = "各级小巨人企业、“专精特新”企业、瞪羚企业达"
    assert combined_part("历下的专精特新企业单独算有多少家", before, "", tag)
    assert not combined_part("历下的小巨人、专精特新和瞪羚企业有多少家", before, "", tag)  # every kind: the sum
    assert not combined_part("历下有多少家成长型企业", before, "", tag)  # no kind named: the sum
    assert combined_part("历下有多少家银行区域总部", "银行、保险和证券期货区域总部达", "", tag)
    # a group counted by its example: the example alone is not the group, unless the group is what is asked
    assert combined_part("齐鲁医院综合楼有几个", "确保齐鲁医院综合楼等", "项目", tag)
    assert not combined_part("以齐鲁医院综合楼领衔的项目有几个", "确保齐鲁医院综合楼等", "项目", tag)
    # an enumeration of verbs is no sum of kinds; nor are figures given one by one
    assert not combined_part("新建的中小学有几所", "今年计划新建、改扩建中小学校", "", tag)
    assert not combined_part("国际品牌有几个", "国际品牌、国内品牌分别达", "", tag)


def test_the_sum_is_marked_and_a_figure_after_a_group_speaks_of_the_group():
    tag = Tokenizer().tag
    text = "确保齐鲁医院综合楼等22个项目开工建设，全年完成投资278亿元"
    question = analyse("2024年齐鲁医院综合楼总投资多少亿元？")
    spans = extract_spans(question, [_evidence(text)], {"齐鲁医院综合楼": 4.0, "投资": 2.0}, pos=tag)
    assert spans[0].text == "278亿元" and spans[0].signals.get("combined") == 1.0
    whole = extract_spans(analyse("2024年历下全年要完成多少投资？"), [_evidence(text)], {"全年": 2.0, "投资": 2.0}, pos=tag)
    assert whole[0].text == "278亿元" and "combined" not in whole[0].signals


def test_a_figure_of_the_contrary_measure_is_marked():
    from qa.rules.measures import contrary_measure

    assert contrary_measure("2022年历下区一般公共预算支出是多少", "完成一般公共预算收入161.3亿元")
    assert not contrary_measure("2022年历下区一般公共预算收入是多少", "完成一般公共预算收入161.3亿元")
    assert contrary_measure("市中区2019年出口额是多少", "全年完成进出口41.89亿元")
    assert not contrary_measure("市中区2019年进出口额是多少", "全年完成进出口41.89亿元")
    assert not contrary_measure("收入和支出各是多少", "完成一般公共预算收入161.3亿元")  # both asked
    assert contrary_measure("2019年市中区进口额和出口额各是多少", "全年完成进出口41.89亿元")  # the sum of the two asked
    # a share of another whole
    assert contrary_measure("金融业增加值占全区GDP多大比例", "金融业增加值489亿元，总量占全市46%")
    assert not contrary_measure("金融业增加值占全市多大比例", "金融业增加值489亿元，总量占全市46%")
    question = analyse("2022年历下区一般公共预算支出是多少？")
    spans = extract_spans(question, [_evidence("完成一般公共预算收入161.3亿元", 2022, "result")], {"一般公共预算": 3.0, "支出": 2.0})
    assert spans[0].signals.get("contrary") == 1.0


def test_two_names_joined_by_he_answer_a_question_for_two():
    tag = Tokenizer(["自贸试验区"]).tag  # a user word of the index, as built from the corpus
    text = "自贸试验区和科创金融改革实验区建设两大国家级战略，为历下提供了绝佳“窗口期”，历下区将充分发挥自贸试验区制度和政策创新优势"
    weights = {"窗口期": 4.0, "国家级": 3.0, "战略": 2.0}
    assert _top("为历下提供窗口期的两大国家级战略是什么？", text, weights, 2023, tag=tag) == "自贸试验区和科创金融改革实验区"
    # asked for no count, two names joined by 和 are not made an enumeration
    loose = extract_spans(analyse("历下有哪些国家级战略？"), [_evidence(text, 2023)], weights, pos=tag)
    assert "自贸试验区和科创金融改革实验区" not in [s.text for s in loose]


def test_figures_given_one_by_one_are_no_sum():
    from qa.rules.measures import combined_part

    tag = Tokenizer().tag
    before = "规模100亿元的济南工银新动能基金、资本金"
    assert not combined_part("投融资担保集团的资本金有多少", before, "", tag)


def test_a_newer_value_must_stand_with_the_most_specific_terms():
    from qa.rules.types import Span
    from qa.answering.rule_answer import prefer_latest

    def span(text, year, score, anchor):
        ev = _evidence(f"{text}，会议开幕", year)
        return Span("doc", 0, len(text), text, "date", score, ev, text, {"anchor": anchor})

    asked = span("1月4日上午", 2023, 0.53, 0.6)  # 第十九届…第二次会议: the session asked
    newer = span("1月17日上午", 2024, 0.46, 0.3)  # 第三次会议: nearly as good a match, but of another session
    assert prefer_latest([asked, newer])[0] is asked
    same = span("1月17日上午", 2024, 0.46, 0.6)
    assert prefer_latest([asked, same])[0] is same


def test_no_name_starts_after_a_numeral_or_ends_with_a_governing_verb():
    from qa.rules.spans import find_name_spans, is_verb_phrase

    tag = Tokenizer(["加快推进", "重点项目"]).tag
    names = [t[a:b] for t in ["新建院士工作站3家，推出17条人才新政", "举全区之力加快推进12个市级重点项目"] for a, b in find_name_spans(t, tag)]
    assert "条人才新政" not in names and "人才新政" in names
    # a circled figure numbers a photo caption (④泺源口袋公园): it is no numeral the name could be counted by
    caption = "③品质市中亮丽宜居 ④泺源口袋公园 ⑤二环南路"
    assert "泺源口袋公园" in _texts(caption, find_name_spans(caption, Tokenizer().tag))
    assert [n for n in names if n.endswith("推进") and not is_verb_phrase(n)] == []  # 力加快推进
    assert is_verb_phrase("项目开工建设")  # what happens to the thing, not its name


def test_chengwei_governs_an_enumeration_like_other_verbs():
    text = "推动长岭高科片区成为芯片设计、算力算法等前沿产业孵化地"
    assert _first_list(text) == "芯片设计、算力算法"


def test_the_kind_named_after_the_question_word_ends_the_answer():
    text = "实施历下医院提升工程，添置先进设备，增加床位"
    weights = {"医院": 3.0, "添置": 3.0, "设备": 2.0, "床位": 3.0}
    assert _top("2024年历下打算给哪家医院添置先进设备、增加床位？", text, weights) == "历下医院"


def test_the_category_after_deng_may_carry_an_inserted_modifier():
    tag = Tokenizer().tag
    question = analyse("2019年市中区招商引才主要盯住哪几类高端产业？")
    texts = ["紧紧围绕数字经济、科技金融、人工智能和区块链等高端优质产业", "赴上海、深圳及日韩开展招商推介7次"]
    evidence = [
        Evidence("doc", i * 100, t, "", 2019, "result", retrieval=r, similarity=0.6) for i, (t, r) in enumerate(zip(texts, (0.3, 1.0)))
    ]
    weights = {"招商": 2.0, "引才": 3.0, "盯住": 3.0, "高端": 2.0, "产业": 1.0}
    assert extract_spans(question, evidence, weights, pos=tag)[0].text == "数字经济、科技金融、人工智能和区块链"


def test_a_figure_of_another_sector_or_measure_is_marked():
    from qa.rules.measures import other_of_kind

    window = "信息通信业做大做强，实现税收4.46亿元，增长28.4%"
    assert other_of_kind("金融业税收同比增长了", window)  # another sector
    assert other_of_kind("信息通信业营业收入是", window)  # another measure
    assert not other_of_kind("信息通信业税收增长了", window)
    assert not other_of_kind("电信业交了多少税", window)  # the sector under another name
    question = analyse("市中区2019年金融业税收同比增长了多少？")
    spans = extract_spans(question, [_evidence(window, 2019, "result")], {"金融业": 3.0, "税收": 2.0, "同比": 1.0})
    assert spans[0].signals.get("contrary") == 1.0


def test_a_measure_is_looked_for_in_the_figures_own_clause():
    from qa.rules.measures import other_of_kind

    text = "其中亿元以上项目174个，认缴资金748亿元，增长38%"
    assert other_of_kind("亿元以上项目的数量比上年增长了", text, "认缴资金748亿元，增长38%")
    window = "预计服务业增加值增长5.5%左右，市级以上总部企业达62家，占全市的27.3%"
    assert not other_of_kind("市级以上总部企业数量占全市的比例是", window, "占全市的27.3%")


def test_a_count_of_the_items_themselves_is_no_sum():
    from qa.rules.measures import combined_part

    tag = Tokenizer().tag
    assert not combined_part("济南古城片区有几个", "聚焦济南古城、中央商务区和长岭高科", "片区", tag, "三大")
    assert combined_part("专精特新企业有多少家", "各级小巨人企业、“专精特新”企业、瞪羚企业达", "", tag, "364家")


def test_a_byline_names_people_after_a_colon_too():
    from qa.rules.spans import find_name_spans

    text = "编辑：武俊 美编：马秀霞 组版：洛菁"
    assert [text[a:b] for a, b in find_name_spans(text)][:2] == ["武俊", "马秀霞"]
    question = analyse("那篇报道的美编是谁？")
    spans = extract_spans(question, [_evidence(text, 2022)], {"报道": 2.0, "美编": 4.0}, pos=Tokenizer().tag)
    assert spans[0].text == "马秀霞" and spans[0].signals["titled"] == 1.0


def test_an_area_unit_states_the_area_asked_for():
    question = analyse("历下区总面积是多少平方公里？")
    texts = ["在100.89平方公里土地上", "统筹推进六大板块全面铺开"]
    evidence = [
        Evidence("doc", i * 100, t, "", 2022, "result", retrieval=r, similarity=0.3) for i, (t, r) in enumerate(zip(texts, (0.15, 1.0)))
    ]
    spans = extract_spans(question, evidence, {"面积": 3.6})
    assert spans[0].text == "100.89平方公里" and spans[0].signals["gap"] == 0.0


def test_a_verb_inside_an_item_starts_a_second_enumeration():
    text = "以更大的力度、更新的举措、更实的作风推动城市更新、项目建设、招商服务"
    assert _texts(text, find_list_spans(text, Tokenizer().tag)) == ["更大的力度、更新的举措、更实的作风", "城市更新、项目建设、招商服务"]
    text = "邀请投资机构、优秀企业家参与创客大赛、项目路演"
    assert "创客大赛、项目路演" in _texts(text, find_list_spans(text, Tokenizer().tag))
    plain = "加快项目建设、招商服务"  # 建设 ends an item: no verb with an object
    assert _texts(plain, find_list_spans(plain, Tokenizer().tag)) == ["项目建设、招商服务"]


def test_the_questions_own_words_and_a_leading_verb_are_no_name():
    from qa.rules.spans import is_verb_phrase

    assert is_verb_phrase("紧紧抓住国家城乡融合发展试验区")
    texts = ["紧紧抓住国家城乡融合发展试验区这一重大机遇", "再造一个“新市中”"]
    weights = {"国家级": 3.0, "试验区": 3.0, "机遇": 2.0, "再造": 3.0, "新": 1.0}
    assert _top("2020年市中区想借哪个国家级试验区的机遇再造一个新市中？", texts, weights, 2020) == "国家城乡融合发展试验区"


def test_an_enumeration_item_is_a_name_with_its_ends_marked():
    text = "山东电力设备公司、超意兴餐饮有限公司等企业达成交易额超1亿美元"
    weights = {"山东电力设备公司": 4.0, "餐饮": 3.0, "企业": 1.0, "生意": 2.0}
    assert _top("和山东电力设备公司一起谈成生意的那家餐饮企业叫什么？", text, weights, 2019, "result") == "超意兴餐饮有限公司"


def test_the_count_of_the_whole_is_no_count_of_a_part():
    question = analyse("2019年市中区引进的亿元以上项目里有几个是世界500强的？")
    text = "累计引进千万元以上项目1134个，认缴资金933亿元；其中亿元以上项目174个，认缴资金748亿元"
    spans = extract_spans(question, [_evidence(text, 2019, "result")], {"亿元以上": 3.0, "项目": 1.0, "500强": 4.0})
    assert spans[0].text == "174个" and spans[0].signals.get("combined") == 1.0


def test_baolian_governs_an_enumeration():
    text = "区领导带头包联200强企业、重点楼宇和重大招商项目"
    assert _first_list(text) == "200强企业、重点楼宇和重大招商项目"


def test_how_many_opens_no_item_and_luohu_is_no_name_word():
    from qa.rules.spans import is_verb_phrase

    assert _first_list("加快招引更多软件信息、信创产业实力企业") .startswith("软件信息、")
    assert is_verb_phrase("金融机构落户山东新金融")


def test_a_middle_dot_joins_one_name_and_a_year_asked_as_nian_fen_is_a_year():
    from qa.rules.spans import find_name_spans

    text = "杨福涛在接受齐鲁晚报·齐鲁壹点专访时表示"
    assert "齐鲁晚报·齐鲁壹点" in [text[a:b] for a, b in find_name_spans(text, Tokenizer(["齐鲁晚报", "齐鲁壹点"]).tag)]
    assert _top("京鲁 高端产业对接会 举办年份", "2019年5月17日，举办京鲁高端产业对接会", {"对接会": 3.0}, 2019) == "2019年"


def test_the_kind_after_deng_is_not_the_name_asked():
    # X等头牌企业: 头牌企业 is the kind the names before 等 belong to
    text = "依托明湖国际细胞医学产业园等高端园区载体，积极引进上海细胞治疗集团等头牌企业，大力发展生物医药和大健康产业。"
    weights = {"引进": 1.5, "细胞": 2.0, "治疗": 2.5, "龙头": 4.0, "企业": 1.0}
    assert _top("2023年历下想引进的细胞治疗龙头企业叫什么？", [text], weights, year=2023) == "上海细胞治疗集团"


def test_a_name_ends_with_the_head_of_the_phrase_after_the_question_word():
    # 哪项针对困难群众的|救助制度: the kind asked stands after the last 的, beyond the ten characters of the slot
    text = "继续实施全民参保扩面行动，完善困难群众大病救助制度，提高全社会保障水平"
    weights = {"完善": 2.0, "困难群众": 3.0, "救助": 3.0, "制度": 2.0}
    assert _top("2022年历下要完善哪项针对困难群众的救助制度？", [text], weights, year=2022) == "困难群众大病救助制度"


def test_a_name_ending_in_the_head_of_the_kind_asked_wins_over_one_running_on():
    # 哪种医保数字凭证: 凭证 heads the kind asked, so 医保电子凭证, not …凭证应用场景
    text = "加快区级养老中心建成投用，丰富医保电子凭证应用场景，新增保障性租赁住房4100套"
    weights = {"医保": 3.0, "凭证": 3.0, "场合": 1.0}
    assert _top("2023年历下打算让哪种医保数字凭证在更多场合用起来？", [text], weights, year=2023) == "医保电子凭证"


def test_a_verbal_noun_opens_a_name_when_a_noun_follows():
    from qa.rules.spans import find_name_spans

    text = "紧盯消费互联网等新业态，精准招引链主企业"
    assert "消费互联网" in _texts(text, find_name_spans(text, Tokenizer().tag))


def test_a_count_in_words_of_the_very_thing_asked_is_an_answer():
    # 三大|片区 for 几个片区: 大 is not the 个 asked, but the count is of 片区, printed right after it
    question = analyse("2023年历下搞产业和城市融合，盯着几个片区？")
    texts = ["聚焦济南古城、中央商务区和长岭高科三大片区，深度推进产城融合，着力打造高质量发展主引擎。",
             "全力推进8个项目、20万平方米征收拆迁"]
    weights = {"产业": 0.75, "城市": 1.5, "融合": 2.0, "盯": 3.0, "片区": 1.9}
    evidence = [_evidence(t, 2023, start=i * 100) for i, t in enumerate(texts)]
    assert extract_spans(question, evidence, weights, heads=("片区",))[0].text == "三大"


def test_the_label_a_question_names_is_not_part_of_the_name():
    text = "先后荣获中国工业百强区、全国未成年人保护示范区、全省首批生态文明强县、山东省现代流通强区称号"
    weights = {"称号": 2.0, "商贸": 1.0, "流通": 3.0, "省级": 1.0}
    assert _top("2022年历下凭哪个称号在商贸流通领域得到了省级认可？", [text], weights, year=2022, stance="result") == "山东省现代流通强区"


def test_two_parallel_items_joined_by_he_or_yu_are_a_pair():
    from qa.rules.spans import find_pair_spans

    tag = Tokenizer().tag
    for text, pair in [
        ("高标准建设长岭高科片区，加快土地性质调整和产业用地供给，发挥浪潮数字山东", "土地性质调整和产业用地供给"),
        ("济南市市中区坚持增量崛起与存量变革双轮驱动，投资促进", "增量崛起与存量变革"),
    ]:
        assert _texts(text, find_pair_spans(text, tag)) == [pair]
    text = "过去的一年，济南市市中区坚持增量崛起与存量变革双轮驱动，投资促进、项目推进、服务改进三管齐下，加快新旧动能转换。"
    weights = {"发展": 0.43, "驱动": 4.16}
    assert _top("2019年市中区发展的两个驱动轮分别是什么？", [text], weights, year=2019, stance="result") == "增量崛起与存量变革"


def test_the_answer_follows_the_words_before_the_question_word():
    # 降低金融机构[哪两方面]: 金融机构 is the question's, the answer what follows it; a place it starts with is its own
    text = "引导金融机构围绕核心企业、大企业的产业链，开展融资配套服务，优化金融资源配置，切实降低金融机构运行风险和坏账率"
    weights = {"中小企业": 2.9, "配置": 3.6, "产业链": 2.9, "降低": 3.6, "金融机构": 2.4, "问题": 2.9}
    question = "2023年历下帮中小企业配置产业链金融，最终想降低金融机构哪两方面的问题？"
    assert _top(question, [text], weights, year=2023) == "运行风险和坏账率"
    text = "济南中央商务区成为全省金融中心建设的主战场"
    assert _top("济南哪个区域成了全省金融中心建设的主战场？", [text], {"金融": 1.0, "主战场": 3.0}, year=2022) == "济南中央商务区"


def test_what_the_thing_is_made_into_is_no_part_of_its_name():
    text = "招引带动能力强的行业龙头和补链强链项目；强化中央商务区招商主阵地作用，用足用好高端载体"
    weights = {"定位": 3.0, "招商": 1.0, "主阵地": 4.0}
    assert _top("2022年历下把哪里定位为招商的主阵地？", [text], weights, year=2022) == "中央商务区"


def test_what_stands_where_the_question_word_stands_is_a_candidate_however_tagged():
    # 长期 is tagged an adverb, which no name starts with; 打造[什么]标杆 is read off 打造长期护理标杆 all the same
    text = "健全养老服务体系，打造长期护理标杆，让老年人在历下安享幸福晚年"
    weights = {"养老": 2.0, "打造": 1.0, "标杆": 4.0}
    assert _top("2024年历下养老要打造什么标杆？", [text], weights) == "长期护理标杆"


def test_a_name_of_many_single_character_words_is_found_whole():
    from qa.rules.spans import find_name_spans

    text = "研究出台CBD招大引强专项优惠扶持政策，深化招商服务模式"
    assert "CBD招大引强专项优惠扶持政策" in _texts(text, find_name_spans(text, Tokenizer().tag))


def test_a_place_is_named_by_a_place_word_at_its_end():
    text = (
        "历下区在明府城片区突出“古”，有序实施征收改造，打通5条泉道，提升运营管理水准，统筹产业载体，"
        "打造古今交融、现代时尚、韵味独特的天下泉城标志区。"
    )
    weights = {"片区": 1.89, "建成": 2.55, "天下": 4.16, "泉城": 2.21, "标志": 4.16, "区": 0.29}
    assert _top("历下打算把哪个片区建成“天下泉城标志区”？", [text], weights, year=2022) == "明府城片区"


def test_a_question_describing_what_a_thing_is_said_to_be_asks_for_the_thing():
    # the predicate after the copula holds the question's words; its subject is the answer, not the predicate's noun
    text = "民生工作一直是历下的“金字招牌”"
    assert _top("被称为招牌的是哪方面的工作？", text, {"招牌": 4.0, "工作": 1.7}, year=2023) == "民生工作"
    text = "新兴产业正成为全区新旧动能转换加速器"
    weights = {"产业": 0.8, "提速": 3.3, "加速": 2.9, "加速器": 3.7}
    assert _top("哪类产业被比作提速换挡的加速器？", text, weights, year=2019) == "新兴产业"


def test_a_word_or_two_shared_with_the_predicate_is_no_description():
    text = "济南中央商务区成为全省金融中心建设的主战场"
    weights = {"覆盖": 2.9, "全省": 2.3, "上下游": 3.7, "金融": 1.5, "生态": 3.0}
    assert copula_subject(weights, text, 0, 7, len(text)) == 0.0
    assert copula_subject({"主战场": 4.0, "金融": 1.5}, text, 0, 7, len(text)) == 1.0


def test_what_a_question_names_to_leave_out_is_left_out_of_the_answer():
    # 除了X还…: the asker knows X; the rest of the enumeration answers, or the other of two
    text = "老商埠、万达广场、绿地普利中心等夜间消费聚集区人气火爆"
    weights = {"晚上": 3.0, "人气": 2.5, "去处": 2.0, "老商埠": 4.0}
    assert _top("2019年市中区晚上人气旺的去处，除了老商埠还有哪些？", text, weights, year=2019) == "万达广场、绿地普利中心"
    text = "进一步增强大局观念和亲商理念，把管理程序调到最优"
    weights = {"环境": 2.0, "大局": 3.7, "观念": 4.2, "增强": 2.7, "理念": 2.6}
    assert _top("2022年历下营造好环境，除了大局观念还要让干部增强什么理念？", text, weights, year=2022) == "亲商理念"
    assert _top("2022年历下要让干部增强哪两种理念？", text, weights, year=2022) == "大局观念和亲商理念"


def test_figures_printed_in_words_are_figures_and_counts_stay_counts():
    def found(text):
        return [(text[a:b], kind) for a, b, kind, _ in find_number_spans(text)]

    assert found("粮食总产量达到五千四百零一亿斤，增长百分之十三点四") == [("五千四百零一亿斤", "number"), ("百分之十三点四", "percentage")]
    assert found("工业部门分到二百四十八亿五千万元") == [("二百四十八亿五千万元", "amount")]
    assert found("人口自然增长率降到千分之十左右") == [("千分之十左右", "percentage")]
    assert found("实施十四五规划，抓好三个统筹") == [("三个", "number")]  # a plan's name is no figure; a count stays one


def test_a_list_question_asking_how_much_gets_the_figures_one_after_another():
    from qa.rules.finding import candidate_spans

    text = "肉、蛋、奶产量达68.9万吨、34.8万吨、14.5万吨，分别居全省第一、二、三位"
    tag = Tokenizer().tag
    how_much = {text[a:b] for a, b, *_ in candidate_spans(analyse("肉蛋奶产量各是多少"), text, tag)}
    which = {text[a:b] for a, b, *_ in candidate_spans(analyse("哪几种产品产量居全省前三"), text, tag)}
    assert "68.9万吨、34.8万吨、14.5万吨" in how_much
    assert "68.9万吨、34.8万吨、14.5万吨" not in which

