"""jieba tokens with a user dictionary derived from the corpus."""
from qa.index.tokenize import Tokenizer, derive_user_words

TEXTS = [
    "历下区加快长岭高科建设。长岭高科片区、长岭高科新高地、打造长岭高科。做实“米均效益”评价体系，建设“星火·链网”超级节点。",
    "推进长岭高科、中央商务区建设；“星火·链网”骨干节点；“米均效益”楼宇。",
]


def test_derived_words_come_from_quotes_and_recurring_names():
    words = derive_user_words(TEXTS)
    assert {"米均效益", "星火·链网", "长岭高科"} <= set(words)
    assert not any(w.endswith("的") or w.startswith("将") for w in words)


def test_domain_names_stay_whole():
    tokenizer = Tokenizer(derive_user_words(TEXTS))
    tokens = tokenizer("历下区长岭高科的星火·链网和米均效益")
    for name in ("长岭高科", "星火·链网", "米均效益"):
        assert name in tokens
    assert "的" not in tokens and "和" not in tokens


def test_question_words_are_not_tokens():
    assert Tokenizer()("新增学位多少个") == ["新增", "学位"]


def test_tagging_covers_the_text_exactly():
    tokenizer = Tokenizer(["星火·链网"])
    text = "完成“星火·链网”超级节点建设"
    assert "".join(word for word, _ in tokenizer.tag(text)) == text


def test_a_texts_tokens_depend_only_on_the_user_words_it_contains():
    """What lets an index re-tokenise only the passages holding a word the dictionary gained or lost: words that do
    not occur in a text (thousands of them, as a large corpus brings) leave its tokens as they were."""
    from conftest import REAL_CORPUS

    text = (REAL_CORPUS / "lixia-2023-report.txt").read_text(encoding="utf-8")[:6000]
    words = derive_user_words([text])
    absent = [f"{a}{b}{c}{d}园区" for a in "甲乙丙丁戊己庚辛壬癸" for b in "东南西北中上下左右前后" for c in "金木水火土山川河湖海"
              for d in "一二三四五六七八九十"]
    assert not any(w in text for w in absent)
    assert Tokenizer(words)(text) == Tokenizer(words + absent)(text)
    assert Tokenizer(words).tag(text) == Tokenizer(words + absent).tag(text)


def test_word_edges_are_those_of_the_dictionary_words_whatever_the_reports_repeat():
    from qa.index.tokenize import word_edges

    Tokenizer(["驻马店农业", "周恩来总理"])  # user words of some reports: they do not move the language's words
    text = "筹建驻马店农业工程职业学院"
    edges = word_edges(text)
    assert {0, 2, 5, len(text)} <= edges  # 筹建 | 驻马店 | 农业…
    assert 3 not in edges and 4 not in edges  # inside 驻马店
    assert 7 in edges  # 农业 ends where the user word 驻马店农业 would have
    assert 3 in word_edges("国务院总理周恩来同志") and 5 in word_edges("国务院总理周恩来同志")
