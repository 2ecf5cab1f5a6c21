"""The conversation model (docs/conversation.md): what a follow-up inherits, by kind of turn, and how the turns
clients send (strings, role messages, our own replies sent back) become ``Turn``s."""
from __future__ import annotations

import pytest

from qa.rules.conversation import Frame, is_follow_up, read_conversation
from qa.rules.question import Districts
from qa.schema import Turn
from qa.server.history import reply_turn, turns_from_messages

PLACES = Districts.of(["湖南省", "江苏省", "四川省", "贵州省", "驻马店市", "全国"])
FIRST = "历下2024年新增学位多少"


def read(question: str, *history: str | Turn):
    return read_conversation(question, [h if isinstance(h, Turn) else Turn(h) for h in history], PLACES)


@pytest.mark.parametrize(
    "follow_up, expected, kind",
    [
        ("那2023年呢？", "历下2023年新增学位多少", "year"),
        ("市中区呢？", "市中区2024年新增学位多少", "place"),
        ("那么幼儿园呢", "历下2024年幼儿园学位多少", "ellipsis"),  # a qualifier takes the subject's head
    ],
)
def test_a_named_place_year_or_topic_replaces_the_frames(follow_up, expected, kind):
    reading = read(follow_up, FIRST)
    assert (reading.resolved, reading.kind) == (expected, kind)


def test_a_follow_up_of_a_follow_up_uses_the_resolved_frame():
    assert read("市中区呢？", FIRST, "那2023年呢？").resolved == "市中区2023年新增学位多少"


def test_full_questions_keep_their_own_place_and_year_and_a_first_turn_is_itself():
    assert not is_follow_up("历下2023年新增学位多少")
    assert read("历下2023年新增学位多少", "市中区2019年税收多少").kind == "alone"
    assert read("那2023年呢？").resolved == "那2023年呢？"


def test_a_new_question_inherits_the_place_and_year_it_does_not_name():
    assert read("粮食产量是多少？", "湖南2024年地区生产总值是多少？").resolved == "湖南2024年粮食产量是多少？"
    # 今年 is the report's own year, not the frame's: only the place is inherited
    assert read("那今年的粮食目标定的多少？", "湖南2024年地区生产总值是多少？").resolved.startswith("湖南今年")
    # 那一年 is the frame's year said again
    assert read("那一年空气优良天数有多少天？", "驻马店2020年PM2.5平均浓度是多少？").resolved == "驻马店2020年空气优良天数有多少天？"


def test_a_new_measure_keeps_the_subject_and_the_last_answer_as_evidence():
    first = Turn("驻马店2024年地区生产总值是多少？", "3000亿元", "city-zhumadian-2025", 100, 105)
    reading = read("那同比增长了多少？", first)
    assert reading.kind == "measure" and reading.anchor == first
    assert reading.resolved == "驻马店2024年地区生产总值同比增长了多少"
    assert read("占全省比重呢？", first).resolved == "驻马店2024年地区生产总值占全省比重是多少"


def test_after_a_new_measure_the_subject_stays_the_subject():
    # 这在世界上排第几 asked a rank of the subject; the next measure is of that subject, not of its rank
    history = [Turn("2013年报告说过去五年国内生产总值增加到了多少", "51.9万亿元"), Turn("这在世界上排第几", "第二位")]
    assert read("五年年均增长多少", *history).resolved == "2013年报告说过去五年国内生产总值五年年均增长多少"
    history = [Turn("湖南去年新能源汽车产量多少辆", "168.4万辆"), Turn("比上年增长了多少", "94.5%")]
    assert read("占全国比重呢", *history).resolved == "湖南去年新能源汽车产量占全国比重是多少"


def test_a_new_subject_ending_in_words_of_the_asking_part_does_not_repeat_them():
    history = [Turn("湖南2025年经济增长目标是多少？", "6%左右"), Turn("城镇新增就业目标呢？", "70万人以上")]
    assert read("城镇新增就业目标呢？", history[0]).resolved == "湖南2025年城镇新增就业目标是多少"
    # 居民 is no predicate (居全国第几 is): a new subject, with the asking part
    assert read("居民消费价格呢", *history).resolved == "湖南2025年居民消费价格目标是多少"
    assert read("居全国第几", *history).kind == "measure"


def test_a_part_of_the_subject_then_another_part():
    history = [Turn("2018年财政赤字总额是多少", "2.38万亿元"), Turn("其中中央的呢", "1.55万亿元")]
    assert read(history[1].question, history[0]).resolved == "2018年中央财政赤字总额是多少"
    assert read("地方呢", *history).resolved == "2018年地方财政赤字总额是多少"


def test_a_qualifier_closed_by_de_replaces_the_one_the_frame_has():
    history = [Turn("驻马店2004年计划竣工的项目完成多少", "20.99亿元"), Turn("续建的呢", "16.06亿元")]
    assert read(history[1].question, history[0]).resolved == "驻马店2004年续建的项目完成多少"
    assert read("新开工的呢", *history).resolved == "驻马店2004年新开工的项目完成多少"


def test_a_plans_period_is_kept_like_a_year_and_replaced_by_another():
    history = [Turn("驻马店十四五末三次产业结构是多少", "15.5∶32.1∶52.4")]
    assert read("那一产占比下降了多少", *history).resolved == "驻马店十四五末一产占比下降了多少"
    assert read("农业总产值呢", "六五期间国民生产总值平均每年增长多少").resolved == "六五期间农业总产值增长多少"
    reading = read("十三五末呢", *history)
    assert (reading.resolved, reading.kind, reading.anchor) == ("驻马店十三五末三次产业结构是多少", "year", None)
    # after a year, a period is a measure over it, not another time: the year stays
    history = [Turn("2000年湖南生产总值增长多少", "8%"), Turn("九五期间年均增长多少", "8.3%")]
    assert read("进出口总额增长多少", *history).resolved == "湖南2000年进出口总额增长多少"


def test_a_word_in_latin_letters_is_a_subject_not_a_measure():
    reading = read("PM10呢", Turn("驻马店2023年PM2.5平均浓度降到了多少", "43微克/立方米"))
    assert (reading.resolved, reading.kind) == ("驻马店2023年PM10浓度降到了多少", "ellipsis")


def test_another_item_of_the_list_after_a_question_about_one_asks_the_same_of_it():
    history = [Turn("湖南哪两个机场旅客吞吐量创了历史新高", "长沙、张家界机场"), Turn("第一个吞吐量多少", "2790.6万人次")]
    assert read("第一个吞吐量多少", history[0]).resolved == "湖南长沙吞吐量多少"
    assert read("张家界呢", *history).resolved == "湖南张家界吞吐量多少"


def test_a_new_subject_replaces_the_old_and_keeps_the_asking_part():
    assert read("那工业总产值呢？", "1981年计划农业总产值增长多少？").resolved == "1981年计划工业总产值增长多少"
    assert read("那水利呢？", "江苏2025年交通领域投资计划达到多少？").resolved == "江苏2025年水利投资计划达到多少"
    # a qualifier of the part asked about goes before it: the rest of the question stays
    assert read("其中中央财政赤字呢？", "2018年财政赤字规模是多少").resolved == "2018年中央财政赤字规模是多少"


def test_a_part_parallel_to_one_of_the_question_takes_its_place():
    # another level or member of what was asked (市重点 of 省重点项目, 乡镇一级 of 村级, 第二步 of 第一步): the same
    # question of it, not the part alone with a measure guessed
    assert read("市重点的呢？", "驻马店2020年省重点项目完成投资多少").resolved == "驻马店2020年市重点项目完成投资多少"
    assert read("第二步呢", "1975年报告里两步设想的第一步是什么").resolved == "1975年报告里两步设想的第二步是什么"
    assert read("散居孤儿呢", "广东今年集中供养孤儿基本生活保障标准提到多少").resolved == "广东今年散居孤儿基本生活保障标准提到多少"
    assert read("全省排名呢", "历下2024年企业数量在全市排名第几").resolved == "历下2024年企业数量在全省排名第几"
    # one character in common is not enough unless the parts are alike (第一/第二): 周口 is not a kind of 人口
    assert read("周口呢", "驻马店2020年贫困人口有多少").resolved != "驻马店2020年贫困周口有多少"
    # in another year, that year's reports are asked it; with nothing in common, the part with the subject's head
    other_year = read("2023年市重点的呢", "驻马店2020年省重点项目完成投资多少")
    assert (other_year.resolved, other_year.kind, other_year.anchor) == ("驻马店2023年市重点项目完成投资多少", "year", None)
    assert read("那么幼儿园呢", "历下2024年新增学位多少").resolved == "历下2024年幼儿园学位多少"


def test_a_pronoun_stands_for_a_named_answer_or_else_for_the_subject():
    named = Turn("济南2024年开工的最大项目是哪个", "黄河大桥", "d", 1, 5)
    assert read("这个项目投资多少", named).resolved == "2024年黄河大桥项目投资多少"
    figure = Turn("湖南2024年地区生产总值是多少", "5.3万亿元", "d", 1, 5)
    reading = read("它增长了多少", figure)
    assert (reading.kind, reading.resolved) == ("pronoun", "湖南2024年地区生产总值增长了多少")


def test_a_noun_like_a_place_name_is_a_part_of_the_question():
    reading = read("省会城市呢", "1992年新开放了几个沿江城市")
    assert (reading.kind, reading.resolved) == ("ellipsis", "1992年新开放了几个省会城市")


def test_a_pronoun_with_a_classifier_or_the_subjects_head_does_not_repeat_it():
    bonds = Turn("湖南去年发行了多少政府债券", "1969.9亿元")
    assert read("这笔债券起什么作用", bonds).resolved == "湖南去年发行了政府债券起什么作用"
    projects = Turn("驻马店去年实施了多少个中国药谷三个一批项目", "94个")
    assert read("这些项目总投资多少钱", projects).resolved == "驻马店去年实施了中国药谷三个一批项目总投资多少钱"


def test_a_measured_thing_named_in_a_follow_up_drops_the_count_of_the_last():
    mines = Turn("贵州今年计划再新建多少座智能化煤矿")
    assert read("原煤产量呢", mines).resolved == "贵州今年原煤产量多少"
    assert read("煤炭先进产能占比呢", mines).resolved == "贵州今年煤炭先进产能占比多少"
    assert read("燃煤电厂呢", mines).resolved.endswith("多少座")  # a thing counted keeps the count


def test_an_ordinal_or_a_choice_reads_the_list_just_answered():
    listed = Turn("2019年三大攻坚战是什么", "防范化解重大风险、精准脱贫、污染防治", "national-2019", 10, 28)
    assert read("第二个是什么", listed).resolved == "2019年三大攻坚战中第二个是什么"
    assert read("最后一个呢", listed).resolved == "2019年三大攻坚战中第三个是什么"  # 最后 is the list's length
    choice = read("其中哪一个跟环境有关？", listed)
    assert (choice.kind, choice.resolved, choice.anchor) == ("choice", "2019年三大攻坚战中哪一个跟环境有关", listed)
    which = read("哪个跟环境有关", listed)
    assert (which.kind, which.resolved) == ("choice", "2019年三大攻坚战中哪个跟环境有关")
    # after an item was picked, the chat is still about the list: 这些 is its subject, a new part asks its question
    picked = Turn("第三个是什么", "污染防治", "national-2019", 24, 28)
    assert read("这些攻坚战由谁牵头", listed, picked).resolved == "2019年三大攻坚战由谁牵头"
    assert read("它进展如何", listed, picked).resolved == "2019年污染防治进展如何"
    # no list was answered: an ordinal asks the reports, not the last answer
    assert read("第二个是什么", Turn("2019年三大攻坚战是什么")).kind != "ordinal"


def test_ordinals_in_other_words_and_after_an_item_was_picked():
    listed = Turn("1983年试办经济特区的是哪几个地区", "深圳、珠海、汕头、厦门", "national-1983", 100, 111)
    picked = Turn("第二个是哪", "珠海", "national-1983", 103, 105)
    # the list stays what later ordinals read, and each item is answered where it stands
    for said, item in (("最后一个呢", (109, 111)), ("倒数第二个呢", (106, 108)), ("前面那个呢", (100, 102)), ("第三个是哪", (106, 108))):
        reading = read(said, listed, picked)
        assert (reading.kind, reading.item) == ("ordinal", ("national-1983", *item)), said
    pair = Turn("高阳县2017年城乡居民人均可支配收入分别是多少", "2.57万元和1.68万元", "county-gaoyang-2018", 10, 23)
    assert read("后面那个呢", pair).item == ("county-gaoyang-2018", 17, 23)  # 后面那个 of two: the second
    assert read("中间那个呢", pair).kind != "ordinal"  # two items have no middle
    # of a list of figures, 是多少 asks the item itself; a question about a named item names it
    figures = Turn("重庆高新技术企业、科技型企业分别增到了多少家", "8837家、69820家、310家", "prov-2025-chongqing", 50, 65)
    assert read("中间那个是多少", figures).item == ("prov-2025-chongqing", 56, 62)
    halves = Turn("高阳县2017年城乡居民人均可支配收入分别是多少", "2.57万元和1.68万元", "county-gaoyang-2018", 10, 23)
    assert read("后面那个农村的是多少", halves).item == ("county-gaoyang-2018", 17, 23)  # the words name the item
    assert read("第二个增长了多少", halves).item is None  # another figure of it
    assert read("最后一个是", listed).resolved == "1983年试办经济特区的几个地区中第四个是什么"  # not 第四个是是什么
    about = read("第二个是在哪个城市办的", Turn("2018年成功举办了哪些重大主场外交活动", "博鳌亚洲论坛年会、上合组织青岛峰会", "national-2019", 5, 22))
    assert (about.kind, about.resolved, about.item) == ("ordinal", "2018年上合组织青岛峰会是在哪个城市办", None)


def test_another_place_or_year_drops_the_last_answer_as_evidence():
    first = Turn("湖南2024年地区生产总值是多少？", "5.3万亿元", "prov-2025-hunan", 100, 105)
    assert read("那江苏呢？", first).anchor is None
    assert read("那2023年呢？", first).anchor is None
    assert read("那进出口呢？", first).anchor == first


def test_frame_slots():
    frame = Frame.of("湖南2024年地区生产总值增长了多少？", Turn("q"), PLACES)
    assert (frame.place, frame.year, frame.subject, frame.tail) == ("湖南省", 2024, "地区生产总值", "增长了多少")


# --- turns as clients send them --------------------------------------------------------------------------------------

OUR_REPLY = ("**7000余个**\n\n> 全年新增学位**7000余个**\n\n出处：《2025年历下区政府工作报告》 · 历下区 · 2025年"
             "（lixia\\_2025，第120–126字）\n\n可信度：高")


def test_our_own_reply_sent_back_gives_the_answer_and_its_place():
    assert reply_turn(FIRST, OUR_REPLY) == Turn(FIRST, "7000余个", "lixia_2025", 120, 126)


def test_a_kept_citation_wins_and_other_replies_give_text_only_or_nothing():
    place = {"doc_id": "d", "start": 1, "end": 3}
    assert reply_turn(FIRST, "7000余个", place) == Turn(FIRST, "7000余个", "d", 1, 3)
    assert reply_turn(FIRST, "7000余个") == Turn(FIRST, "7000余个")
    assert reply_turn(FIRST, "报告中没有找到这个问题的答案。\n\n可信度：低") == Turn(FIRST)  # an abstention
    assert reply_turn(FIRST, "长" * 300) == Turn(FIRST)


def test_messages_pair_each_question_with_the_answer_after_it():
    messages = [("system", "你是助手", None), ("user", "问一", None), ("assistant", "答一", None),
                ("user", "问二", None), ("user", "问三", None), ("assistant", "答三", None),
                ("assistant", "多余的", None), ("user", "   ", None), ("user", "问" * 501, None)]
    assert turns_from_messages(messages, 20) == [Turn("问一", "答一"), Turn("问二"), Turn("问三", "答三")]
    assert turns_from_messages(messages, 2) == [Turn("问二"), Turn("问三", "答三")]


def test_a_year_said_relative_to_the_report_is_a_slot_of_its_own():
    first = "贵州今年常住人口城镇化率打算到多少？"
    frame = Frame.of(first, Turn(first), PLACES)
    assert (frame.year, frame.when, frame.subject) == (None, "今年", "常住人口城镇化率打算到")
    assert read("去年是多少", first).resolved == "贵州常住人口城镇化率打算到去年是多少"
    assert read("增长多少", first).resolved.startswith("贵州今年常住人口城镇化率")  # inherited when not replaced


def test_a_compared_year_or_a_compared_country_is_not_the_year_or_place_asked():
    frame = Frame.of("湖南2024年工农业总产值比2020年增长多少", Turn("q"), PLACES)
    assert frame.year == 2024
    assert Frame.of("工农业总产值比1978年增长多少", Turn("q"), PLACES).year is None
    reading = read("在全国排第几？", "湖南2024年地区生产总值是多少？")
    assert reading.kind == "measure" and reading.resolved.startswith("湖南2024年地区生产总值")


@pytest.mark.parametrize(
    "follow_up, expected",
    [
        ("江苏定的多少", "江苏2024年粮食产量定的多少"),  # the same subject asked in another place: nothing else named
        ("四川增长多少", "四川2024年粮食产量增长多少"),  # a measure of it there
        ("四川的新增学位多少", "四川的新增学位多少"),  # its own subject (学 of 学位 is one character): a question alone
    ],
)
def test_another_place_with_no_subject_of_its_own_asks_the_frames_subject_there(follow_up, expected):
    reading = read(follow_up, "湖南2024年粮食产量多少")
    assert reading.resolved == expected
    assert reading.kind == ("place" if expected != follow_up else "alone") and reading.anchor is None


def test_a_subject_in_latin_letters_is_a_subject_not_a_measure():
    # GDP is what 今年的目标 is of: the frame's subject (一般公共预算收入) is not carried over; only its place is
    assert read("今年GDP目标定的多少", "湖南2024年一般公共预算收入多少").resolved == "湖南今年GDP目标定的多少"
    assert read("PM2.5浓度多少", "驻马店2023年优良天数多少").resolved == "驻马店2023年PM2.5浓度多少"


@pytest.mark.parametrize(
    "first, subject",
    [
        ("中国洋浦港累计登记了多少艘国际船舶", "中国洋浦港累计登记了国际船舶"),  # 艘: a classifier no list names
        ("卧龙有几架大飞机", "卧龙大飞机"),
        ("贡献了全国多少的贸易增量", "贡献了的贸易增量"),  # 的 and 占 are no classifiers
        ("国内生产总值增加到多少占世界经济比重", "国内生产总值占世界经济比重"),
        ("驻马店有多少人口", "人口"),  # 人 heads 人口 here: no unit of the count
        ("驻马店九大产业集群都是哪些", "九大产业集群"),  # 都 belongs to the asking words
        ("驻马店2024年建成多少个项目", "建成项目"),
    ],
)
def test_the_subject_keeps_the_counted_words_and_leaves_the_counts_classifier_to_the_asking_words(first, subject):
    assert Frame.of(first, Turn(first), PLACES).subject == subject


def test_that_with_a_count_word_points_rather_than_leads():
    assert read("那个是多少", Turn("驻马店九大产业集群都是哪些", "食品加工、生物医药")).resolved == "驻马店九大产业集群是多少"
    assert read("那么粮食产量呢", "驻马店2024年生猪出栏多少万头").resolved == "驻马店2024年粮食产量多少"


def test_a_follow_up_stating_neither_plan_nor_result_keeps_the_chats_stance():
    target = "2006年GDP预期增长目标多少"
    assert read("单位GDP能耗呢", target).stance == "plan"  # the target of another measure
    assert read("主要污染物排放呢", target, "单位GDP能耗呢").stance == "plan"  # carried over a turn that said neither
    assert read("单位GDP能耗的目标呢", "2006年GDP实际增长了多少").stance == "plan"  # a turn naming its own keeps it
    assert read("城镇新增就业呢", "2006年城镇新增就业多少").stance is None
    assert read("2006年GDP多少").stance is None  # a first turn inherits nothing
