"""Question analysis and follow-up resolution."""
import pytest

from qa.errors import QuestionError
from qa.rules.question import analyse, arabic_numbers, validate_question


@pytest.mark.parametrize(
    "text, district, year",
    [
        ("历下2024年新增学位多少", "历下区", 2024),
        ("济南市中区2019年外贸进出口总额是多少？", "市中区", 2019),
        ("市中区二〇二〇年要打造哪些产业高地", "市中区", 2020),
        ("24年历下区计划新建几所幼儿园", "历下区", 2024),
        ("槐荫区2023年新建了几所学校", "槐荫区", 2023),
        ("朝阳区的GDP是多少", "朝阳区", None),
        ("中央商务区有多少家企业", None, None),
        # a place the reports never mention is one the gazetteer lists; a noun ending in 市 or 区 is none
        ("晋城市2024年粮食产量多少", "晋城市", 2024),
        ("省会城市1992年开放了几个", None, 1992),
        ("示范区有多少家企业", None, None),
    ],
)
def test_district_and_year(text, district, year):
    asked = analyse(text)
    assert (asked.district, asked.year) == (district, year)


@pytest.mark.parametrize(
    "text, kind, unit",
    [
        ("历下2024年新增学位多少个", "number", "个"),
        ("2023年计划新建、改扩建几处中小学幼儿园", "number", "处"),
        ("2022年完成一般公共预算收入多少亿元", "amount", "亿元"),
        ("信息通信业税收增长了多少", "percentage", None),
        ("绿化覆盖率是多少", "percentage", "%"),
        ("污水处理率有多高", "percentage", "%"),
        ("空气优良率能达到多少", "percentage", "%"),
        ("工业产值涨了几个点", "percentage", "%"),
        ("留抵退税惠及了多少户企业", "number", "户"),
        ("企业数量在济南排老几", "number", "名次"),
        ("总量和增速在全市处于什么水平", "number", "名次"),
        ("投用的是第几期", "number", "名次"),
        ("一共是几个“算”", "number", "算"),
        # search-box queries with no question word
        ("历下 一般公共预算收入 2022年", "amount", None),
        ("22年历下 在建项目数", "number", None),
        ("历下CBD重点引进的金融机构名单", "list", None),
        ("跨境电商 2023 历下 增长目标", "percentage", None),
        ("信息通信业 市中区 2019 税收同比", "percentage", None),
        ("历下 2022 一般公共预算收入", "amount", None),
        ("产业园二期2019年纳税多少？", "amount", None),
        ("今天济南天气怎么样", "other", None),
        ("帮我订一张明天去北京的高铁票", "other", None),
        ("营收能到几个亿", "amount", "亿元"),
        ("行政效率有多高", "number", None),
        ("要加快集聚哪些金融机构", "list", None),
        ("人代会是什么时候开幕的", "date", None),
        ("华为山东总部签约落地在哪里", "place", None),
        ("计划引进哪家细胞治疗企业", "organisation", None),
        ("你好", "chitchat", None),
        # about the assistant itself, wherever it stands; a real question with 你 in it is still a question
        ("请问你叫什么名字，是哪家公司做出来的？", "chitchat", None),
        ("这个系统是谁开发的你", "chitchat", None),
        ("你知道历下2024年新增多少个学位吗", "number", "个"),
        ("规模以上服务企业营收涨幅有多大", "percentage", None),
        ("在一般性开支上压缩了多少？", "percentage", None),
        ("跨境电商进出口额要实现多少增长", "percentage", None),
        ("今年新增加了多少个学位", "number", "个"),
        ("区长是哪一年出生的", "date", None),
        ("为企业提供几小时服务", "number", "小时"),
        ("企业数量在全市排第几", "number", "名次"),
        ("区领导包联的是排名前多少的企业", "number", "强"),  # printed 200强企业
        ("历下区 人代会 2024 开幕 日子", "date", None),
        ("CBD年内要交出来的楼宇空间一共多大", "number", "平方米"),
        ("历下 2024 重点项目 清单 个数", "number", None),  # the count of a list, not the list
        ("全市的金融业增加值里，历下一家就占了多少？", "percentage", "%"),
        ("1579亩供地中，划拨的占了多少亩？", "number", "亩"),  # a unit asked: the figure, not a share
        ("想在哪项城市管理改革上做全省标杆？", "name", None),  # 在哪项 picks an item, not a place
        ("创新设计大赛是第几届", "number", "名次"),
        # an everyday word is typed as the report's term it stands for: GDP as 地区生产总值
        ("重庆2024年GDP总量", "amount", None),
        ("重庆2024年地区生产总值总量", "amount", None),
        ("贵州今年GDP增长目标是多少", "percentage", "%"),  # a growth target is a rate, of money or not
        ("投资增长的预期目标是多少", "percentage", "%"),
        ("单位GDP能耗", "number", None),  # per unit of GDP: GDP is the denominator, not what is measured
        ("人均预期寿命多少岁", "number", "岁"),
        ("肉蛋奶产量各是多少", "list", None),  # one figure each: a list of figures
        ("城镇和农村居民收入各要增长多少", "list", None),  # a unit mined from the reports (qa/rules/units.tsv)
    ],
)
def test_answer_type_and_unit(text, kind, unit):
    asked = analyse(text)
    assert asked.answer_type == kind
    if unit:
        assert asked.unit == unit


def test_plan_or_result():
    assert analyse("2023年历下计划新建几处中小学幼儿园").stance == "plan"
    assert analyse("2022年历下新建、改扩建了多少所中小学和幼儿园").stance == "result"


def test_focus_drops_district_year_and_question_words():
    assert analyse("历下2024年新增学位多少").focus == "新增学位"


@pytest.mark.parametrize("bad", ["", "   ", "问" * 501, None, 42, ["历下"]])
def test_rejects_empty_long_or_non_text_questions(bad):
    with pytest.raises(QuestionError):
        validate_question(bad)


def test_trims_questions():
    assert validate_question("  历下2024年新增学位多少 \n") == "历下2024年新增学位多少"


def test_what_a_name_or_list_question_says_about_its_answer():
    assert analyse("2019年市中区干工作依照的是哪套体系").answer_type == "name"
    assert analyse("两项行动分别叫什么").answer_type == "list"
    counted = analyse("2023年历下给自己定下的四个发展定位是什么")
    assert (counted.answer_type, counted.items) == ("list", 4)
    # a search-box query ending on the things it counts asks for them; a yes/no question does not
    terse = analyse("历下古城保护更新要抓的五条主线")
    assert (terse.answer_type, terse.items) == ("list", 5)
    assert analyse("历下有三个片区吗").answer_type != "list"
    assert analyse("历下有几个商圈").answer_type == "number"
    assert analyse("2022年历下打算在哪里搞成片大规模开发").answer_type == "place"
    assert analyse("产业园的规模有多大").answer_type == "number"
    assert analyse("五大行动里排第一的是什么").nth == 1
    assert analyse("区长叫什么名字").role == "区长"


def test_everyday_words_bring_the_reports_terms():
    assert "品牌" in analyse("历下2022年引进了多少个国产牌子").focus
    assert "楼宇" in analyse("2022年交付了几栋高楼").focus
    assert "全市" in analyse("2022年历下的宽带网速在济南排名第几").focus.split()  # a rank in Jinan is 全市第一


def test_an_office_keeps_its_qu_and_a_measure_word_after_na_is_not_a_key_term():
    asked = analyse("历下区长是谁")
    assert asked.district == "历下区" and "区长" in asked.focus
    asked = analyse("历下2024年要扩建哪所高中")
    assert asked.answer_type == "name" and "所" not in asked.focus.split()


def test_money_nouns_ask_for_amounts_and_space_for_area():
    assert analyse("2019年规模以上服务企业一共实现了多少营收").answer_type == "amount"
    assert analyse("产业园管理的基金规模有多大").answer_type == "amount"
    assert analyse("投资超过一亿元的项目有几个").answer_type == "number"
    assert analyse("年内要交付的楼宇空间一共多大").unit == "平方米"


def test_only_the_asked_unit_leaves_the_focus():
    # 算 is asked (几个“算”) but 算力 is what the question is about; 个 of 个体 is no measure word
    assert "算力" in analyse("历下讲的算力这类新基建，一共是几个“算”？").focus
    assert "个体" in analyse("个体工商户有多少个").focus
    assert "户" not in analyse("留抵退税惠及了多少户企业").focus


def test_a_count_of_years_or_a_quoted_title_is_no_year():
    assert analyse("“辉煌70年 追梦新时代”主题活动是哪天办的").year is None
    assert analyse("新中国成立70年时办了什么活动").year is None
    assert analyse("22年历下新增多少家企业").year == 2022


def test_a_lists_counted_character_stays_in_the_focus():
    # 哪几个“早” asks for 早进场、早开工…: 早 is what the items share, not a measure word
    assert "早" in analyse("历下希望大项目做到哪几个“早”？").focus
    assert "回" not in analyse("做了几回招商宣传").focus


def test_who_asks_for_a_person_only_when_no_thing_of_theirs_follows():
    assert analyse("历下区区长是哪位？").person
    assert not analyse("历下古城片区要引进哪位艺术大师的场馆？").person


def test_everyday_words_bring_the_reports_own_terms():
    assert "重点项目" in analyse("2024年要推进几个重点工程").focus
    assert "市场主体" in analyse("各类经营主体有多少万户").focus
    assert "市场主体" in analyse("公司和个体户加起来有多少户").focus  # 市场主体 are the enterprises and 个体工商户
    assert "人民代表大会" in analyse("那次人代会属于第几届").focus
    assert "开工" in analyse("打算让多少个项目动工").focus
    assert "超高层" in analyse("要联合的摩天楼开发方有几家").focus
    assert "在建" in analyse("开春时正在施工的项目一共有多少个").focus
    assert "亿元" in analyse("落地了多少个投资上亿的项目").focus
    assert "能力" in analyse("要求干部提升的本领一共有几种").focus


def test_more_wordings_of_rates_taxes_dates_kinds_and_opinions():
    assert analyse("全流程线上办理率超过了多少？").answer_type == "percentage"
    assert analyse("建筑业增加值涨得有多快？").answer_type == "percentage"
    assert analyse("历下给企业退了多少增值税留抵？").answer_type == "amount"
    assert analyse("历下 十九届二次人代会 开幕日").answer_type == "date"
    # 怎样的 before a noun asks what kind (a name), alone it asks how
    kind = analyse("历下想营造一种怎样的全员招商氛围？")
    assert kind.answer_type == "name" and kind.right_context.startswith("全员招商氛围")
    assert analyse("历下的营商环境是怎样的？").answer_type == "other"
    assert analyse("你觉得济南和青岛哪个城市更宜居？").answer_type == "other"


def test_a_total_of_a_measure_asks_for_the_stock():
    assert analyse("济南人工智能计算中心现在的总算力是多少P？").stock
    assert not analyse("济南人工智能计算中心要新增多少P算力？").stock


def test_shares_cuts_places_visited_and_newspaper_titles():
    assert analyse("2022年历下总部企业在全市所占份额").answer_type == "percentage"
    cut = analyse("一般性开支砍掉了多少？")
    assert cut.answer_type == "percentage" and cut.growth
    assert analyse("外出搞了7次推介招商，都去了哪？").answer_type == "list"
    assert analyse("这家企业落户到哪？").answer_type == "place"
    byline = analyse("那篇报道的美编是谁？")
    assert byline.person and byline.role == "美编"


def test_a_group_counted_in_digits_and_asked_one_by_one_wants_its_members():
    assert analyse("2019年市中区新认定的那57家高企都是哪些公司？").members == 57
    assert analyse("历下2022年新建的3家院士工作站分别设在哪些单位？").members == 3
    assert analyse("2024年确保开工的22个项目中，举例提到的是哪个？").members is None  # one picked out


def test_a_part_counted_within_a_whole_names_the_whole():
    assert analyse("2019年市中区引进的亿元以上项目里有几个是世界500强的？").container == "亿元以上项目"
    assert analyse("重点项目中有几个是续建的").container == "重点项目"
    assert analyse("2022年历下中小学有几所").container == ""  # 中 of 中小学 is no postposition
    assert analyse("集中开工项目中有多少个").container == ""  # counts the group itself


def test_money_words_without_a_question_of_quantity_ask_for_a_name():
    assert analyse("要设立什么资金池？").answer_type == "name"
    assert analyse("在项目用地、资金等保障上坚持的说法是什么？").answer_type == "name"
    assert analyse("2024年历下项目建设全年要投多少资金？").answer_type == "amount"
    assert analyse("周末去济南哪里玩比较好？").answer_type == "other"  # a recommendation, not a report question


def test_demonstratives_rates_on_last_year_editions_and_years_asked():
    taxes = analyse("银行、保险、证券这几类区域总部一共上缴了多少税？")  # 这几类 asks nothing
    assert taxes.answer_type == "amount" and taxes.unit is None
    assert analyse("跨境电商进出口比上年多出多少？").answer_type == "percentage"
    assert analyse("比上年增加了多少家企业").answer_type == "number"
    assert analyse("历下 5G 网络覆盖率").answer_type == "percentage"
    congress = analyse("奋斗目标出自区里哪一次党代表大会？")
    assert congress.unit == "名次" and congress.edition
    assert analyse("京鲁 高端产业对接会 举办年份").answer_type == "date"
    assert analyse("那篇稿子的组版人是谁").role == "组版"


def test_a_query_with_no_question_word_is_a_search_box_query():
    assert analyse("历下 2024 新幼儿园 学位供给").search_box
    assert not analyse("历下2024年新增学位多少").search_box


def test_space_in_a_name_measures_no_area():
    assert analyse("市中区 众创空间 新增 市级以上 2019").unit is None


def test_an_aim_is_not_an_outcome():
    assert analyse("到年底实际新增了多少个学位").actual
    assert not analyse("最终想降低金融机构哪两方面的问题").actual


@pytest.mark.parametrize(
    "text, kind",
    [
        ("2022年历下要加强哪支队伍的能力？", "name"),  # 哪 with any measure word asks which one
        ("被称为招牌的是哪方面的工作？", "name"),
        ("市中区 2019 工作总基调", "name"),  # a search-box query ending on what kind of thing is meant
        ("历下 2023 城市创建 类型", "name"),
        ("市中区 2020 项目建设 突破领域", "list"),
        ("历下 2024 5G覆盖 范围", "place"),
        ("历下 2023 一般公共预算收入", "amount"),  # … while one ending on a measure still asks a figure
        ("历下 2024 新增学位", "number"),
    ],
)
def test_which_with_any_measure_word_and_search_box_attribute_nouns(text, kind):
    assert analyse(text).answer_type == kind


def test_figures_written_in_words_are_searched_in_digits():
    assert arabic_numbers("腾出二十万平米的空间") == "腾出20万平米的空间"
    assert arabic_numbers("两千五百家企业，一百二十个项目") == "2500家企业，120个项目"
    # counts and orders of magnitude that reports print in words stay words
    words = "十四五规划、三大片区、五种能力、千万元以上项目、百亿级产业、党的二十大、十四连冠、第十二届"
    assert arabic_numbers(words) == words
    focus = analyse("2023年历下要腾出二十万平米的拆迁空间，牵涉到几个项目？").focus
    assert "20万" in focus and "平方米" in focus


@pytest.mark.parametrize("text, unit", [("历下 助企包联服务体系 层级数 2024", "级"), ("历下 2022 市场主体 户数", "户"), ("历下 2023 新增就业人数", "人")])
def test_a_search_box_query_ending_on_a_count_in_a_measure_word_asks_in_it(text, unit):
    assert analyse(text).unit == unit


def test_what_the_asker_leaves_out():
    assert analyse("2019年市中区晚上人气旺的去处，除了老商埠还有哪些？").excluded == "老商埠"
    assert analyse("除了现代金融产业母基金以外，还有哪家基金落户？").excluded == "现代金融产业母基金"
    assert analyse("2019年市中区有哪些夜间消费去处？").excluded == ""


def test_you_na_jia_asks_for_one_and_you_naxie_for_several():
    assert analyse("金融类单位里，有哪家证券公司？").answer_type == "organisation"
    assert analyse("聚拢的金融类单位有哪些？").answer_type == "list"


@pytest.mark.parametrize(
    "question, place",
    [
        ("山东2025年GDP增长目标是多少", "山东省"),
        ("山东省去年粮食产量", "山东省"),
        ("广西去年外贸增长多少", "广西壮族自治区"),
        ("内蒙古 2024 新能源装机", "内蒙古自治区"),
        ("2024年国务院政府工作报告提出的就业目标", "全国"),
        ("全国2024年粮食产量是多少", "全国"),
        ("青岛新增多少家企业", "青岛市"),
        ("芝罘2023年新增学位", "芝罘区"),
    ],
)
def test_a_place_at_any_level_is_found_by_its_full_or_short_name(question, place):
    from qa.rules.question import Districts

    corpus = Districts.of(["山东省", "广西壮族自治区", "内蒙古自治区", "全国", "青岛市", "芝罘区", "历下区"])
    assert analyse(question, corpus).district == place


@pytest.mark.parametrize("text, year", [("1980年粮食产量", 1980), ("一九八〇年的报告", 1980), ("1999年国务院", 1999),
                                        ("1980亿元", None), ("辉煌70年", None), ("24年新增", 2024)])
def test_years_of_the_last_century_need_their_nian(text, year):
    from qa.rules.years import find_year

    assert find_year(text)[0] == year


@pytest.mark.parametrize("text, year", [("营收预计分别能到2000亿、1800亿元", None), ("建成2020个村", None), ("12024个", None),
                                        ("2050万吨", None), ("2020.5", None), ("历下2024新增学位", 2024), ("截至2025，共", 2025), ("历下 2025 人工智能计算中心", 2025),
                                        ("2023 年的目标", 2023)])
def test_a_number_without_nian_is_a_year_unless_a_quantity_follows(text, year):
    from qa.rules.years import find_year

    assert find_year(text)[0] == year


def test_gdp_is_the_countrys_term_for_the_country_and_the_places_term_for_a_place():
    from qa.rules.question import Districts

    national = analyse("2004年政府工作报告里2003年GDP是多少")
    assert "国内生产总值" in national.focus and "地区生产总值" in national.focus
    assert "里" not in national.focus.split()  # 报告里 says where it is asked, not what
    henan = analyse("河南2024年GDP总量多少", Districts.of(["河南省", "全国"]))
    assert henan.district == "河南省" and "国内生产总值" not in henan.focus
    assert analyse("1992年我国国内生产总值增长了多少", Districts.of(["河南省", "全国"])).district == "全国"
