"""Sentences and passages keep exact character spans into the canonical text."""
import pytest

from qa.index.chunking import make_passages, split_sentences
from qa.ingest.corpus import load_corpus


@pytest.fixture
def docs(small_corpus):
    return load_corpus(small_corpus)


def test_sentences_are_exact_slices_and_end_at_chinese_punctuation(docs):
    doc = docs[0]
    sentences = split_sentences(doc)
    texts = [doc.text[s.start : s.end] for s in sentences]
    assert "2022年，历下完成一般公共预算收入161.3亿元，可比增长9.7%；" in texts
    assert all(t and t == t.strip() for t in texts)


def test_headings_name_the_section(docs):
    sentences = split_sentences(docs[0])
    assert sentences[0].kind == "heading"
    assert all(s.section == "济南市历下区：推进国际化一流中心城区跨越发展" for s in sentences)


def test_passage_text_is_the_document_slice(docs):
    for doc in docs:
        for passage in make_passages(doc, split_sentences(doc), target_chars=40, overlap_chars=15):
            assert passage.text == doc.text[passage.start : passage.end]
            assert passage.doc_id == doc.doc_id


def test_passages_overlap_and_cover_every_sentence(docs):
    doc = docs[0]
    sentences = split_sentences(doc)
    passages = make_passages(doc, sentences, target_chars=50, overlap_chars=45)
    assert len(passages) >= 2
    assert any(b.start < a.end for a, b in zip(passages, passages[1:]))
    for s in sentences:
        assert any(p.start <= s.start and s.end <= p.end for p in passages)


def test_captions_do_not_share_a_passage_with_body(docs):
    doc = docs[0]
    passages = make_passages(doc, split_sentences(doc), target_chars=400, overlap_chars=0)
    caption = [p for p in passages if p.text.startswith("①")]
    assert len(caption) == 1 and "学位" not in caption[0].text


def test_rejects_bad_sizes(docs):
    with pytest.raises(ValueError):
        make_passages(docs[0], split_sentences(docs[0]), target_chars=50, overlap_chars=50)
