"""Questions about a report itself (who delivered it, on which day, at which meeting), answered from its heading."""
import pytest

from qa.ingest.heading import Heading, read_heading
from qa.rules.about_report import report_fact

# headings in the layouts real reports print (web copies, newspapers, a county's page, an old national report)
HEADINGS = [
    ("2025年甘肃省政府工作报告\n来源：甘肃日报\n——2025年1月19日在甘肃省第十四届人民代表大会第三次会议上\n甘肃省人民政府省长 张三丰\n各位代表：",
     "张三丰", "2025年1月19日", "甘肃省第十四届人民代表大会第三次会议"),
    ("2025年1月20日在安徽省第十四届人民代表大会第三次会议上安徽省人民政府代省长王清宪作政府工作报告\n各位代表：",
     "王清宪", "2025年1月20日", "安徽省第十四届人民代表大会第三次会议"),
    ("----2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议的政府工作报告\n来源：解放日报\n各位代表：",
     "龚正", "2025年1月15日", "上海市第十六届人民代表大会第三次会议"),
    ("政府工作报告2015年4月20日驻马店市第三届人民代表大会第六次会议通过驻马店市人民政府市长陈星\n各位代表：",
     "陈星", "2015年4月20日", "驻马店市第三届人民代表大会第六次会议"),
    ("政府工作报告\n1957年6月26日在第一届全国人民代表大会第四次會議上\n周恩来\n各位代表：",
     "周恩来", "1957年6月26日", "第一届全国人民代表大会第四次會議"),
    ("2025年1月13日在广西壮族自治区第十四届人民代表大会第三次会议上\n自治区主席 艾尔肯·吐尼亚孜\n各位代表：",
     "艾尔肯·吐尼亚孜", "2025年1月13日", "广西壮族自治区第十四届人民代表大会第三次会议"),
    ("——2024年3月5日在第十四届全国人民代表大会第二次会议上\n国务院总理 李 强\n各位代表：",
     "李 强", "2024年3月5日", "第十四届全国人民代表大会第二次会议"),
]


@pytest.mark.parametrize("text, speaker, date, meeting", HEADINGS)
def test_heading_states_speaker_date_and_meeting_where_they_stand(text, speaker, date, meeting):
    heading = read_heading(text)
    for stated, expected in ((heading.speaker, speaker), (heading.date, date), (heading.meeting, meeting)):
        assert stated is not None and stated.text == expected
        assert text[stated.start : stated.end] == expected


@pytest.mark.parametrize("text", [
    "各位代表：\n现在，我代表国务院向大会作政府工作报告。省长张三丰在第十四届人民代表大会第三次会议上说。",  # after the salutation
    "济南市历下区：推进国际化一流中心城区跨越发展\n2022年，历下完成一般公共预算收入161.3亿元。",  # a newspaper's page
])
def test_a_report_without_a_dateline_states_nothing(text):
    assert read_heading(text) == Heading()


@pytest.mark.parametrize("bare, kind", [
    ("政府工作报告是谁作的？", "speaker"),
    ("的政府工作报告由谁所作", "speaker"),
    ("政府工作报告是谁代表政府作的？", "speaker"),
    ("的政府工作报告是自治区主席谁作的？", "speaker"),
    ("政府工作报告的报告人是谁", "speaker"),
    ("作报告的是谁", "speaker"),
    ("那份是谁作的", "speaker"),
    ("的县长是谁？", "speaker"),
    ("长是谁？政府工作报告", "speaker"),  # 重庆市长是谁: the place took the 市 of 市长
    ("政府工作报告是哪天在人大会上作的？", "date"),
    ("的政府工作报告是在哪一天的省人代会上作的？", "date"),
    ("的政府工作报告是哪天在人代会上通过的", "date"),
    ("他是在哪次会议上作的报告", "meeting"),
    # another report, another person, another day: not the report's own heading
    ("计划的报告是哪天向人大常委会第十四次会议作的？", ""),
    ("国民经济计划是国务院委托谁向人大常委会作的报告？", ""),
    ("报告里提到的“大豆榨油操作法”是谁创造的？", ""),
    ("政府工作报告，四届人大的政府工作报告是谁协助周总理起草的？", ""),
    ("对机构改革方案作专门说明的国务院秘书长是谁？", ""),
    ("稳增长18条是哪天印发的", ""),
    ("新增学位多少个", ""),
])
def test_questions_about_the_report_itself(bare, kind):
    assert report_fact(bare) == kind


PROVINCE = """2025年甘肃省政府工作报告
——2025年1月19日在甘肃省第十四届人民代表大会第三次会议上
甘肃省人民政府省长 张三丰
各位代表：
现在，我代表省人民政府向大会报告工作，请予审议。
2024年，甘肃省地区生产总值增长5.2%，新增城镇就业61万人。
"""


@pytest.fixture
def heading_qa(tmp_path, fake_embedder):
    from qa.answering.pipeline import QA
    from qa.index.store import build_index
    from tests.conftest import write_corpus

    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "prov-2025-gansu.txt").write_text(PROVINCE, encoding="utf-8")
    (corpus / "prov-2025-gansu.json").write_text('{"district": "甘肃省", "year": 2025, "title": "2025年甘肃省政府工作报告"}', encoding="utf-8")
    index = build_index(corpus, tmp_path / "index", fake_embedder, target_chars=60, overlap_chars=20)
    return QA(index, fake_embedder, calibration=False, abstain_below=0.2)


@pytest.mark.parametrize("question, answer", [
    ("甘肃省2025年政府工作报告是谁作的？", "张三丰"),
    ("甘肃省长是谁", "张三丰"),
    ("甘肃省2025年的政府工作报告是哪天在省人代会上作的？", "2025年1月19日"),
])
def test_the_heading_answers_and_is_cited_where_it_stands(heading_qa, question, answer):
    result = heading_qa.ask(question)
    assert (result.answer, result.abstained, result.analysis["decided_by"]) == (answer, False, "heading")
    citation = result.citations[0]
    doc = heading_qa.document(citation.doc_id)
    assert citation.doc_id == "prov-2025-gansu" and doc.text[citation.start : citation.end] == answer
    assert answer in result.message and "2025年甘肃省政府工作报告" in result.message


def test_a_follow_up_asks_the_heading_of_the_report_just_named(heading_qa):
    result = heading_qa.ask("他是在哪次会议上作的报告", history=["甘肃省2025年政府工作报告是谁作的？"])
    assert result.answer == "甘肃省第十四届人民代表大会第三次会议"


def test_a_report_without_a_heading_is_searched_as_any_question(heading_qa):
    # the district reports carry no dateline: the heading settles nothing, and the passages answer or abstain
    result = heading_qa.ask("2023年历下区政府工作报告是谁作的？")
    assert result.analysis.get("decided_by") != "heading"


@pytest.mark.parametrize("question, report_year, year", [
    ("2004年政府工作报告里2003年GDP是多少？", 2004, 2003),
    ("1994年政府工作报告里，1993年国内生产总值比上年增长多少？", 1994, 1993),
    ("按2013年政府工作报告，城镇化率提高到了多少？", 2013, None),
    ("第四次世界妇女大会哪一年在北京召开？（93年报告）", 1993, None),
    ("2025年安徽省政府工作报告由谁所作", 2025, None),
    ("2023年历下新增学位多少", None, 2023),  # no report named: the year is the facts'
    ("2024年比2023年增长多少？", None, 2024),
])
def test_the_year_of_a_named_report_is_not_the_year_asked(question, report_year, year):
    from qa.rules.question import analyse

    asked = analyse(question)
    assert (asked.report_year, asked.year) == (report_year, year)


def test_gdp_is_a_subject_not_a_unit():
    from qa.rules.question import analyse

    assert analyse("2003年GDP是多少？").unit is None and "GDP" in analyse("2003年GDP是多少？").focus
    assert analyse("智能算力规模多少P？").unit == "P"


def test_a_named_report_year_restricts_the_passages_to_that_years_reports(heading_qa):
    # the 2023 district report holds 6630个; a question naming the 2025 reports does not get it, and one naming a
    # year no report was delivered in is told so
    assert heading_qa.ask("2023年历下计划增加多少个学位？").answer == "6630个"
    other = heading_qa.ask("2025年政府工作报告里历下计划增加多少个学位？")
    assert other.abstained and "历下区2025年的报告" in other.message
    refused = heading_qa.ask("2019年政府工作报告里新增城镇就业多少万人？")
    assert refused.abstained and "2019年的报告" in refused.message
