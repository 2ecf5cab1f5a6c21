"""The index as a value object: save, load, manifest checks, atomic rebuilds."""
import json

import numpy as np

import pytest

from qa.errors import CorpusError, IndexMismatchError, IndexMissingError, StaleIndexError
from qa.index import Index, build_index


def test_save_load_roundtrip(small_index, small_corpus):
    index, index_dir = small_index
    loaded = Index.load(index_dir, corpus_dir=small_corpus, embedding_model="fake-embedder")
    assert loaded.passages == index.passages
    assert loaded.sentences == index.sentences
    assert [d.text for d in loaded.documents] == [d.text for d in index.documents]
    assert loaded.tokenizer.user_words == index.tokenizer.user_words
    m = loaded.manifest
    assert (m.embedding_model, m.dimension, m.documents, m.passages) == ("fake-embedder", 64, 2, len(index.passages))
    assert len(m.corpus_hash) == 64 and m.built_at


def test_every_passage_is_a_slice_of_its_document(small_index):
    index, _ = small_index
    for passage in index.passages:
        assert index.by_id[passage.doc_id].text[passage.start : passage.end] == passage.text


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissingError, match="qa index"):
        Index.load(tmp_path / "none")


def test_changed_corpus_is_refused(small_index, small_corpus):
    _, index_dir = small_index
    (small_corpus / "new.txt").write_text("历下区将新建公园。", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="changed"):
        Index.load(index_dir, corpus_dir=small_corpus)


def test_other_embedding_model_is_refused(small_index):
    _, index_dir = small_index
    with pytest.raises(IndexMismatchError, match="fake-embedder"):
        Index.load(index_dir, embedding_model="m3e-small")


def test_damaged_index_is_refused(small_index):
    _, index_dir = small_index
    (index_dir / "passages.json").write_text("[", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="damaged"):
        Index.load(index_dir)


def test_other_format_version_is_refused(small_index):
    _, index_dir = small_index
    manifest = json.loads((index_dir / "manifest.json").read_text())
    manifest["format_version"] = 0
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StaleIndexError, match="format"):
        Index.load(index_dir)


def test_failed_rebuild_leaves_the_old_index(small_index, small_corpus, fake_embedder):
    index, index_dir = small_index
    (small_corpus / "broken.txt").write_bytes(b"\x80\xff\x00bad")
    with pytest.raises(CorpusError):
        build_index(small_corpus, index_dir, fake_embedder)
    assert Index.load(index_dir).passages == index.passages
    assert not [p for p in index_dir.parent.iterdir() if p.name.startswith(".index")]


def test_failure_while_writing_keeps_the_old_index(small_index, fake_embedder, monkeypatch):
    index, index_dir = small_index

    def explode(self, folder):
        (folder / "manifest.json").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(Index, "_write_parts", explode)
    with pytest.raises(OSError):
        index.save(index_dir)
    assert Index.load(index_dir).passages == index.passages


@pytest.mark.parametrize("part", ["documents.json", "sentences.json", "passages.json", "tokens.json", "userdict.txt",
                                  "dense.faiss", "sentence_vectors.npy"])
def test_every_damaged_or_edited_part_is_refused_by_name(small_index, small_corpus, part):
    from qa.errors import IndexDamagedError

    _, index_dir = small_index
    path = index_dir / part
    data = bytearray(path.read_bytes())
    if part == "documents.json":  # an edit that still parses: a figure changed in the stored text
        data = bytearray(bytes(data).replace("6630".encode(), "9630".encode()))
    else:
        data[len(data) // 2] ^= 0x01  # one flipped bit
    path.write_bytes(bytes(data))
    with pytest.raises(IndexDamagedError, match=part):
        Index.load(index_dir, corpus_dir=small_corpus)


def test_a_missing_part_is_refused_by_name(small_index):
    from qa.errors import IndexDamagedError

    _, index_dir = small_index
    (index_dir / "tokens.json").unlink()
    with pytest.raises(IndexDamagedError, match=r"tokens.json in .* is missing"):
        Index.load(index_dir)


def test_folders_of_killed_builds_are_removed_and_a_running_build_is_not(small_index, tmp_path):
    from qa.index import remove_leftovers

    _, index_dir = small_index
    dead = [index_dir.parent / f".{index_dir.name}.building-999999", index_dir.parent / f".{index_dir.name}.old-999998"]
    alive = index_dir.parent / f".{index_dir.name}.building-{__import__('os').getpid()}"
    for folder in (*dead, alive):
        folder.mkdir()
        (folder / "dense.faiss").write_bytes(b"partial")
    assert sorted(remove_leftovers(index_dir)) == sorted(dead)
    assert alive.exists() and not any(d.exists() for d in dead)
    assert index_dir.exists()


def _doc(doc_id: str, text: str):
    from qa.schema import Document, Paragraph

    return Document(doc_id=doc_id, text=text, title=doc_id, district=None, year=2024, review_year=2023, source=None,
                    date=None, source_file=f"{doc_id}.txt", metadata_origin="inferred",
                    paragraphs=(Paragraph(0, len(text), "body"),))


# B names 泺源智谷 often enough, with varied neighbours, for it to become a user word; A names it once.
A = "2023年，全区新建学校3所。2024年将推进泺源智谷二期建设，新增学位5200个。全区地区生产总值增长6.1%。"
B = ("泺源智谷一期投用。建成泺源智谷孵化器，引进泺源智谷基金，壮大泺源智谷产业，落地泺源智谷项目。"
     "2024年将新建文化中心1处。")


@pytest.mark.parametrize("before, after", [(["a"], ["a", "b"]), (["a", "b"], ["a"]), (["b"], ["a", "b"])])
def test_an_incremental_build_equals_one_from_scratch_when_the_dictionary_changes(fake_embedder, before, after):
    """Adding B brings a user word that occurs in A's passage: that passage is tokenised again, the others keep
    their tokens; removing B takes the word back out. Either way the index is the one a build from scratch gives."""
    docs = {"a": _doc("a", A), "b": _doc("b", B)}
    options = {"target_chars": 40, "overlap_chars": 10}
    previous = Index.build([docs[d] for d in before], fake_embedder, **options)
    incremental = Index.build([docs[d] for d in after], fake_embedder, previous=previous, **options)
    scratch = Index.build([docs[d] for d in after], fake_embedder, **options)
    assert ("泺源智谷" in incremental.tokenizer.user_words) == ("b" in after)
    assert any("泺源智谷" in t for t in incremental.tokens) == ("b" in after)
    assert incremental.passages == scratch.passages
    assert incremental.sentences == scratch.sentences
    assert incremental.tokens == scratch.tokens
    assert incremental.sources == scratch.sources
    assert np.allclose(incremental.dense.vectors(), scratch.dense.vectors())
    assert np.allclose(incremental.sentence_vectors, scratch.sentence_vectors)


def test_a_rebuild_reads_only_the_reports_that_changed(small_index, small_corpus, fake_embedder, monkeypatch):
    import qa.corpus
    from qa.index import build_index

    _, index_dir = small_index
    first = sorted(small_corpus.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n2024年将新建口袋公园12处。\n", encoding="utf-8")
    read = []
    original = qa.corpus.load_document
    monkeypatch.setattr(qa.corpus, "load_document", lambda path, *a, **k: read.append(path.name) or original(path, *a, **k))
    index = build_index(small_corpus, index_dir, fake_embedder, reuse=True)
    assert read == [first.name]
    assert "口袋公园12处" in index.by_id[first.stem].text
    scratch = build_index(small_corpus, index_dir.parent / "scratch", fake_embedder, target_chars=60, overlap_chars=20)
    assert index.passages == scratch.passages and index.tokens == scratch.tokens
