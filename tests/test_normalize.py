"""Normalisation of newspaper-PDF text into canonical text, on fragments of the real reports."""
from qa.ingest.normalize import (
    collapse_doubled_characters,
    is_caption,
    is_heading,
    join_letter_spacing,
    normalize_punctuation,
    normalize_report,
    normalize_spacing,
)


def test_doubled_headline_is_collapsed():
    line = "济南市历下区：推推进进国国际际化化一一流流中中心心城城区区跨跨越越发发展展"
    assert collapse_doubled_characters(line) == "济南市历下区：推进国际化一流中心城区跨越发展"


def test_real_repetition_stays():
    text = "营造“人人都是招商主体，事事体现招商形象”氛围"
    assert collapse_doubled_characters(text) == text


def test_spaced_numbers_are_joined():
    assert normalize_spacing("市场主体达14 . 4 万户", keep_word_spaces=False) == "市场主体达14.4万户"
    assert normalize_spacing("可比增长9 . 7% ；预计", keep_word_spaces=False) == "可比增长9.7%；预计"
    assert normalize_spacing("占全市的27 . 3% ；", keep_word_spaces=False) == "占全市的27.3%；"
    assert normalize_spacing("抓好24 处老旧小区改造", keep_word_spaces=False) == "抓好24处老旧小区改造"
    assert normalize_spacing("综合竞争力20 强，百花洲", keep_word_spaces=False) == "综合竞争力20强，百花洲"


def test_letter_spaced_line_is_joined():
    assert join_letter_spacing(" 我 们 就 在 您 身 边") == "我们就在您身边"
    assert join_letter_spacing("强省会 再出发") == "强省会 再出发"


def test_heading_keeps_its_phrase_space():
    assert normalize_spacing("强省会 再出发", keep_word_spaces=True) == "强省会 再出发"


def test_half_width_punctuation_made_full_width_but_not_between_digits():
    text = "做大做强金融产业,持之以恒;中美绿色(山东)产业:奋进!1,000与10:30"
    assert normalize_punctuation(text) == "做大做强金融产业，持之以恒；中美绿色（山东）产业：奋进！1,000与10:30"


def test_column_breaks_inside_a_sentence_are_joined():
    raw = "历下作为省会中心城区，\n市场主体已经达到14 . 9万户。\n2024年，历下将为企\n业提供“保姆式”服务。\n"
    canonical = normalize_report(raw)
    assert canonical.text == "历下作为省会中心城区，市场主体已经达到14.9万户。2024年，历下将为企业提供“保姆式”服务。"


def test_paragraphs_and_headings_stay_apart():
    raw = "推动城市更新\n全力服务重点项目\n\n杨福涛表示，历下区将始终坚持。\n\n加快推进重点城市更新项目。"
    canonical = normalize_report(raw)
    assert canonical.text.split("\n") == ["推动城市更新 全力服务重点项目", "杨福涛表示，历下区将始终坚持。", "加快推进重点城市更新项目。"]
    assert [p.kind for p in canonical.paragraphs] == ["heading", "body", "body"]


def test_caption_between_halves_of_a_sentence_does_not_glue_or_split():
    # the real layout of lixia-2023-interview: a lead paragraph and a caption fall inside "高质|量跨越式"
    raw = (
        "杨福涛表示，两大国家级战略，为历下高质\n\n"
        "奋进新时代，开启新征程。1月4日上午，历下区第十九届人民代表大会第二次会议开幕。\n\n"
        "▶1月4日上午，历下区区长杨福涛作政府工作报告。\n\n"
        "量跨越式发展提供了绝佳“窗口期”。"
    )
    text = normalize_report(raw).text
    assert "为历下高质量跨越式发展提供了绝佳“窗口期”。" in text
    assert "▶1月4日上午，历下区区长杨福涛作政府工作报告。" in text.split("\n")


def test_split_number_across_blocks_is_rejoined():
    raw = "新增高新技术企业128 家、后备上市企业2\n家；全力支持民营经济发展。"
    assert "后备上市企业2家；" in normalize_report(raw).text


def test_captions_and_credits_are_classified():
    assert is_caption("济南中央商务区成为全省金融中心建设的主战场。 历下区供图")
    assert is_caption("①“山城互看”美景再现\n②历下区推动优质教育均衡发展")
    assert is_caption("摄影：裴梦雪")
    assert not is_caption("历下区将加快筹建基金公司。")
    assert is_heading("统筹城市更新和产业转型升级\n着力提升城市发展能级")
    assert not is_heading("先后荣获中国工业百强区、全国未成年人保护示范区、智能教研全国领航工作")


def test_paragraph_spans_point_into_the_text():
    canonical = normalize_report("标题\n\n正文一句话。\n\n▶图片说明")
    for p in canonical.paragraphs:
        assert canonical.text[p.start : p.end].strip() == canonical.text[p.start : p.end]
        assert p.end > p.start


def test_full_width_figures_become_ordinary_digits_and_chinese_punctuation_stays():
    from qa.ingest.normalize import half_width_figures

    raw = "全市地区生产总值增长５．１％左右，ＧＤＰ达到１.２万亿元（同比）。"
    folded = half_width_figures(raw)
    assert folded == "全市地区生产总值增长5.1%左右，GDP达到1.2万亿元（同比）。"
    assert len(folded) == len(raw)  # one character for one: offsets keep
    assert normalize_report(raw).text == folded
