"""Reading reports: metadata from sidecars or inferred from the text, and clear errors for bad input."""
import json

import pytest

from qa.ingest.corpus import corpus_hash, infer_district, infer_year, load_corpus, load_document
from qa.errors import CorpusError


def test_reads_reports_sorted_with_inferred_metadata(small_corpus):
    docs = load_corpus(small_corpus)
    assert [d.doc_id for d in docs] == ["lixia-2023", "shizhong-2020"]
    lixia, shizhong = docs
    assert (lixia.district, lixia.year, lixia.review_year, lixia.metadata_origin) == ("历下区", 2023, 2022, "inferred")
    assert lixia.title == "济南市历下区：推进国际化一流中心城区跨越发展"
    assert (shizhong.district, shizhong.year) == ("市中区", 2020)


def test_sidecar_metadata_wins_over_inference(small_corpus):
    (small_corpus / "lixia-2023.json").write_text(
        json.dumps({"title": "报道", "year": 2023, "source": "齐鲁晚报", "date": "2023-01-04"}, ensure_ascii=False), encoding="utf-8"
    )
    doc = load_document(small_corpus / "lixia-2023.txt")
    assert (doc.title, doc.source, doc.date, doc.review_year, doc.metadata_origin) == ("报道", "齐鲁晚报", "2023-01-04", 2022, "file")
    assert doc.district == "历下区"  # not in the sidecar: still inferred


def test_gbk_and_gb18030_reports_are_read_as_their_text(small_corpus):
    text = "历下区将新建幼儿园4所，新增学位1600余个。\n"
    (small_corpus / "gbk.txt").write_bytes(text.encode("gbk"))
    (small_corpus / "gb18030.txt").write_bytes(("𠀀" + text).encode("gb18030"))  # a character beyond GBK
    documents = {d.doc_id: d for d in load_corpus(small_corpus)}
    assert documents["gbk"].text == text.strip()
    assert documents["gb18030"].text == "𠀀" + text.strip()


def test_text_in_neither_utf8_nor_gb18030_is_refused_by_name(small_corpus):
    (small_corpus / "latin.txt").write_bytes("Rapport annuel: ÿ".encode("latin-1") + b"\x80\xff" * 20)
    with pytest.raises(CorpusError, match="latin.txt: neither UTF-8 nor GB18030"):
        load_corpus(small_corpus)


def test_binary_and_empty_reports_are_refused(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02")
    with pytest.raises(CorpusError, match="binary.txt"):
        load_corpus(tmp_path)


def test_bad_metadata_is_refused(small_corpus):
    (small_corpus / "lixia-2023.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match="lixia-2023.json"):
        load_corpus(small_corpus)
    (small_corpus / "lixia-2023.json").write_text('{"year": "二〇二三"}', encoding="utf-8")
    with pytest.raises(CorpusError, match="year must be an integer"):
        load_corpus(small_corpus)


def test_missing_or_empty_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nowhere")
    with pytest.raises(CorpusError, match="no reports"):
        load_corpus(tmp_path)


def test_corpus_hash_changes_with_any_report(small_corpus):
    before = corpus_hash(small_corpus)
    (small_corpus / "lixia-2023.txt").write_text("历下区。", encoding="utf-8")
    assert corpus_hash(small_corpus) != before


def test_district_and_year_inference():
    assert infer_district("历下区将……历下将……市中区") == "历下区"
    assert infer_district("济南市市中区坚持……品质市中……全市中心") == "市中区"
    assert infer_district("没有区名的文字") is None
    assert infer_year("2019年，……把2020年作为“聚焦提升年”") == 2020
    assert infer_year("今年，历下区将") is None


@pytest.mark.parametrize("text, district", [
    ("青岛市市南区政府工作报告。2024年，市南区将新建学校3所；市南要打造金融中心。", "市南区"),  # full name, then short
    ("烟台市栖霞市：栖霞市将推进苹果产业，栖霞要……与南京栖霞区合作。", "栖霞市"),  # shares 栖霞 with Nanjing's district
    ("沛县人民政府工作报告。沛县今年新增学位2000个，全县……", "沛县"),  # a two-character county
    ("历下区将……历下要……学习青岛市南区的做法。", "历下区"),  # Jinan's named more often than another
    ("老城区改造，城区道路和郊区公园，矿区治理。", None),  # generic words, no name
    ("河南郑州中原区：中原区今年……", "中原区"),  # once read as 市中区 (中原区 holds no 市中, but 郑州市中原区 does)
    ("郑州市中原区政府工作报告，中原区将……中原区要……", "中原区"),
])
def test_a_district_anywhere_in_china_is_inferred_from_the_text(text, district):
    assert infer_district(text) == district


def test_a_report_without_metadata_gets_the_district_its_text_names(tmp_path):
    (tmp_path / "shinan-2024.txt").write_text(
        "市南区政府工作报告\n\n2024年，市南区将新建、改扩建中小学校4所，新增学位5200个。\n\n2023年，市南新建学校3所。\n",
        encoding="utf-8")
    doc = load_document(tmp_path / "shinan-2024.txt")
    assert (doc.district, doc.metadata_origin) == ("市南区", "inferred")


# --- metadata from the text alone (issue 26) -------------------------------------------------------------------------

from qa.ingest.corpus import infer_metadata  # noqa: E402
from qa.ingest.normalize import normalize_report  # noqa: E402

BODY = "各位代表：\n现在，我代表省人民政府向大会报告工作，请予审议。\n一、2024年工作回顾\n过去一年，全省地区生产总值增长5.4%。\n二、2025年主要目标\n到2030年，基本实现现代化。到2035年，全面建成。\n"


def meta(text: str) -> dict:
    return infer_metadata(normalize_report(text))


@pytest.mark.parametrize(
    "top, place, level, year",
    [
        ("2025年某省政府工作报告\n2025年1月20日在山东省第十四届人民代表大会第三次会议上\n山东省省长 某某\n", "山东省", "province", 2025),
        ("政府工作报告\n2025年1月15日某某市长在上海市第十六届人民代表大会第三次会议的政府工作报告\n", "上海市", "province", 2025),
        ("政府工作报告\n——2025年1月13日在广西壮族自治区第十四届人民代表大会第三次会议上\n", "广西壮族自治区", "province", 2025),
        ("政府工作报告\n2024年1月9日在青岛市第十七届人民代表大会第三次会议上\n", "青岛市", "city", 2024),
        ("政府工作报告\n2023年1月5日在济南市历下区第十九届人民代表大会第二次会议上\n", "历下区", "county", 2023),
        ("政府工作报告\n——2024年3月5日在第十四届全国人民代表大会第二次会议上\n国务院总理 某某\n", "全国", "national", 2024),
    ],
)
def test_the_dateline_gives_place_level_and_year_not_the_farthest_horizon(top, place, level, year):
    got = meta(top + BODY)
    assert (got["district"], got["level"], got["year"], got["review_year"]) == (place, level, year, year - 1)
    assert "政府工作报告" in got["title"] and len(got["title"]) <= 40


def test_a_report_without_a_headline_is_titled_by_its_year_and_place():
    got = meta("各位代表：\n现在，我代表国务院，向第十届全国人民代表大会第一次会议报告过去五年的工作，请予审议。\n一、过去五年的回顾\n1998年以来……2002年……\n")
    assert (got["district"], got["year"], got["title"]) == ("全国", 2003, "2003年国务院政府工作报告")


def test_web_page_furniture_is_never_the_title():
    got = meta("下载 打印 全屏 收藏\n【字号：大 中 小】\n来源：某某日报\n2025年某某县政府工作报告\n" + BODY)
    assert got["title"] == "2025年某某县政府工作报告" and got["year"] == 2025


def test_years_in_chinese_numerals_and_full_width_digits_count():
    old = "各位代表：\n我代表国务院报告工作。一九五六年的计划完成了。一九五六年工业增长。一九五七年的计划是……\n"
    assert meta(old)["year"] == 1957
    wide = "各位代表：\n现在，我代表国务院向大会作政府工作报告。\n１９９６年国内工作的回顾。１９９６年是……１９９７年要……\n"
    assert meta(wide)["year"] == 1997


def test_a_report_without_a_dateline_is_placed_by_the_level_it_speaks_as():
    city = meta("标题：二00五年政府工作报告年份：2005\n一、2004年政府工作回顾\n" + "全市经济增长，驻马店市民收入提高。" * 3)
    assert (city["district"], city["level"], city["title"]) == ("驻马店市", "city", "二00五年政府工作报告")
    country = meta("五年来，我国建设取得成就。1963年工业增长，1963年农业丰收，1964年要继续努力。\n" + "全国粮食增产，全国工业增长。" * 6)
    assert (country["district"], country["level"]) == ("全国", "national") and "政府工作报告" in country["title"]


def test_a_dateline_may_say_adopted_instead_of_delivered():
    got = meta("政府工作报告\n2015年4月20日驻马店市第三届人民代表大会第六次会议通过\n驻马店市人民政府市长 某某\n" + BODY)
    assert (got["district"], got["level"], got["year"]) == ("驻马店市", "city", 2015)
