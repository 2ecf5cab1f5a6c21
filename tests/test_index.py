"""The index as a value object: save, load, manifest checks, atomic rebuilds."""
import json

import numpy as np

import pytest

from qa.errors import CorpusError, IndexMismatchError, IndexMissingError, StaleIndexError
from qa.index.store import Index, build_index


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


def _segment(index_dir, doc_id):
    """The segment file of a report, from the manifest."""
    manifest = json.loads((index_dir / "manifest.json").read_text())
    return next(index_dir / "segments" / file for d, file, _ in manifest["segments"] if d == doc_id)


def test_damaged_index_is_refused(small_index):
    _, index_dir = small_index
    path = _segment(index_dir, "lixia-2023")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(StaleIndexError, match="damaged"):
        Index.load(index_dir)


def test_a_segment_that_matches_its_checksum_but_cannot_be_read_is_refused(small_index):
    import hashlib

    _, index_dir = small_index
    path = _segment(index_dir, "lixia-2023")
    path.write_bytes(b"QA-SEGMENT 1\n" + b"\0" * 30)
    manifest = json.loads((index_dir / "manifest.json").read_text())
    for row in manifest["segments"]:
        if row[0] == "lixia-2023":
            row[2] = hashlib.sha256(path.read_bytes()).hexdigest()
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StaleIndexError, match=rf"{path.name} \(report lixia-2023\) .* cannot be read"):
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
    assert not [p for p in index_dir.parent.iterdir() if p.name.startswith(".index") and p.name != ".index.lock"]


@pytest.mark.parametrize("fresh", [True, False], ids=["aside", "in place"])
def test_failure_while_writing_keeps_the_old_index(small_index, fake_embedder, monkeypatch, fresh):
    import qa.index.segments

    index, index_dir = small_index
    before = sorted(p.name for p in (index_dir / "segments").iterdir())
    ids = [d.doc_id for d in index.documents]
    changed = index.change(ids, {ids[0]: _doc(ids[0], A)}, fake_embedder)  # one report replaced
    real_write = qa.index.segments.write

    def disk_full(folder, doc_id, data):
        real_write(folder, doc_id, data[: len(data) // 2])  # half a segment reaches the disk
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qa.index.segments, "write", disk_full)
    with pytest.raises(OSError):
        changed.save(index_dir, fresh=fresh)
    assert Index.load(index_dir).passages == index.passages
    monkeypatch.setattr(qa.index.segments, "write", real_write)
    changed.save(index_dir)  # the next save removes what the failed one left
    assert Index.load(index_dir).passages == changed.passages
    after = sorted(p.name for p in (index_dir / "segments").iterdir())
    assert len(after) == 2 and len(set(after) - set(before)) == 1


def test_a_change_writes_the_segment_of_the_changed_report_alone(small_index, fake_embedder, monkeypatch):
    import qa.index.segments

    index, index_dir = small_index
    written = []
    real_write = qa.index.segments.write
    monkeypatch.setattr(qa.index.segments, "write", lambda folder, doc_id, data: written.append(doc_id) or real_write(folder, doc_id, data))
    order = sorted([*index.by_id, "new"])
    added = index.change(order, {"new": _doc("new", A)}, fake_embedder)
    added.save(index_dir)
    assert written == ["new"]
    removed = Index.load(index_dir).change([d for d in order if d != "new"], {}, fake_embedder)
    removed.save(index_dir)
    assert written == ["new"]
    assert sorted(p.name for p in (index_dir / "segments").iterdir()) == sorted(file for _, file, _ in removed.manifest.segments)
    assert Index.load(index_dir).passages == index.passages


def test_a_reader_that_finds_a_segment_gone_reads_the_newer_manifest(small_index, fake_embedder, monkeypatch):
    index, index_dir = small_index
    stale = Index.read_manifest(index_dir)
    index.change([index.documents[0].doc_id], {}, fake_embedder).save(index_dir)  # a writer removes a report meanwhile
    real_check = Index.check
    calls = []
    monkeypatch.setattr(Index, "check", classmethod(lambda cls, *a, **k: calls.append(1) or (stale if len(calls) == 1 else real_check(*a, **k))))
    loaded = Index.load(index_dir)
    assert [d.doc_id for d in loaded.documents] == [index.documents[0].doc_id] and len(calls) == 2


@pytest.mark.parametrize("damage", ["figure edited", "bit flipped in the vectors", "last byte flipped", "truncated"])
def test_every_damaged_or_edited_segment_is_refused_by_name(small_index, small_corpus, damage):
    from qa.errors import IndexDamagedError

    _, index_dir = small_index
    path = _segment(index_dir, "lixia-2023")
    data = bytearray(path.read_bytes())
    if damage == "figure edited":  # an edit that still parses: a figure changed in the stored text
        assert "6630".encode() in data
        data = bytearray(bytes(data).replace("6630".encode(), "9630".encode()))
    elif damage == "bit flipped in the vectors":
        data[len(data) // 2] ^= 0x01
    elif damage == "last byte flipped":
        data[-1] ^= 0x01
    else:
        data = data[:-4]
    path.write_bytes(bytes(data))
    with pytest.raises(IndexDamagedError, match=rf"{path.name} \(report lixia-2023\)"):
        Index.load(index_dir, corpus_dir=small_corpus)


def test_a_missing_segment_is_refused_by_name(small_index):
    from qa.errors import IndexDamagedError

    _, index_dir = small_index
    path = _segment(index_dir, "lixia-2023")
    path.unlink()
    with pytest.raises(IndexDamagedError, match=rf"{path.name} in .* is missing"):
        Index.load(index_dir)


def test_folders_of_killed_builds_are_removed_and_a_running_build_is_not(small_index, tmp_path):
    from qa.index.housekeeping import remove_leftovers

    _, index_dir = small_index
    dead = [index_dir.parent / f".{index_dir.name}.building-999999", index_dir.parent / f".{index_dir.name}.old-999998"]
    alive = index_dir.parent / f".{index_dir.name}.building-{__import__('os').getpid()}"
    for folder in (*dead, alive):
        folder.mkdir()
        (folder / "manifest.json").write_bytes(b"partial")
    orphan = index_dir / "segments" / "0123.seg"  # written by a save killed before its manifest
    orphan.write_bytes(b"half")
    assert sorted(remove_leftovers(index_dir)) == sorted([*dead, orphan])
    assert alive.exists() and not any(d.exists() for d in dead) and not orphan.exists()
    assert Index.load(index_dir).documents


def _doc(doc_id: str, text: str):
    from qa.schema import Document, Paragraph

    return Document(doc_id=doc_id, text=text, title=doc_id, district=None, year=2024, review_year=2023, source=None,
                    date=None, source_file=f"{doc_id}.txt", metadata_origin="inferred",
                    paragraphs=(Paragraph(0, len(text), "body"),))


# B names 泺源智谷 often enough, with varied neighbours, for it to become a user word; A names it once.
A = "2023年，全区新建学校3所。2024年将推进泺源智谷二期建设，新增学位5200个。全区地区生产总值增长6.1%。"
B = ("泺源智谷一期投用。建成泺源智谷孵化器，引进泺源智谷基金，壮大泺源智谷产业，落地泺源智谷项目。"
     "2024年将新建文化中心1处。")


def test_a_rebuild_reads_only_the_reports_that_changed(small_index, small_corpus, fake_embedder, monkeypatch):
    import qa.ingest.corpus
    from qa.index.store import build_index

    _, index_dir = small_index
    first = sorted(small_corpus.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n2024年将新建口袋公园12处。\n", encoding="utf-8")
    read = []
    original = qa.ingest.corpus.load_document
    monkeypatch.setattr(qa.ingest.corpus, "load_document", lambda path, *a, **k: read.append(path.name) or original(path, *a, **k))
    index = build_index(small_corpus, index_dir, fake_embedder, reuse=True)
    assert read == [first.name]
    assert "口袋公园12处" in index.by_id[first.stem].text
    scratch = build_index(small_corpus, index_dir.parent / "scratch", fake_embedder, target_chars=60, overlap_chars=20)
    assert index.passages == scratch.passages and index.tokens == scratch.tokens


C = "2024年将建设泺源智谷三期。全区新建口袋公园12处，新增停车泊位3000个。"


@pytest.mark.parametrize("before, after, fresh", [
    (["a"], ["a", "b"], ["b"]),  # B brings 泺源智谷 into the dictionary: A's passage holding it is tokenised again
    (["a", "b"], ["a"], []),  # and removing B takes it back out
    (["b", "c"], ["a", "b", "c"], ["a"]),  # added before the others
    (["a", "b", "c"], ["b", "c"], []),  # removed from the front: every kept row moves
    (["a", "b"], ["a", "b"], ["a"]),  # replaced (the new A is C's text)
    (["a", "c"], ["b"], ["b"]),  # everything at once
])
@pytest.mark.parametrize("searched", [True, False], ids=["search structures moved", "search structures left to build"])
def test_a_changed_index_equals_one_built_from_scratch(fake_embedder, before, after, fresh, searched):
    """``Index.change`` moves kept rows and works only on the fresh reports; the index it gives is the one a build
    from scratch gives: rows, tokens, dictionary, vectors, BM25 scores and substring postings alike, whether the
    BM25 and substring postings were moved along (an index that answered) or are built on first use (``qa add``)."""
    import random

    docs = {"a": _doc("a", A), "b": _doc("b", B), "c": _doc("c", C)}
    replaced = {"a": _doc("a", C)} if before == after else {}
    options = {"target_chars": 40, "overlap_chars": 10}
    previous = Index.build([docs[d] for d in before], fake_embedder, **options)
    if searched:
        previous.bm25.scores(["学位"]), previous.substrings.passages("学位")
    changed = previous.change(after, {d: replaced.get(d, docs[d]) for d in fresh}, fake_embedder, digests={d: "x" for d in fresh})
    assert (changed._bm25 is not None, changed._substrings is not None) == (searched, searched)
    scratch = Index.build([replaced.get(d, docs[d]) for d in after], fake_embedder,
                          digests={d: "x" if d in fresh else "" for d in after}, **options)
    assert changed.documents == scratch.documents
    assert changed.passages == scratch.passages
    assert changed.sentences == scratch.sentences
    assert changed.tokens == scratch.tokens
    assert changed.sources == scratch.sources
    assert changed.tokenizer.user_words == scratch.tokenizer.user_words
    assert changed.spans() == scratch.spans()
    assert np.allclose(changed.dense.vectors(), scratch.dense.vectors())
    assert np.allclose(changed.sentence_vectors, scratch.sentence_vectors)
    rng = random.Random(3)
    vocabulary = sorted({t for tokens in scratch.tokens for t in tokens})
    for _ in range(50):
        query = rng.sample(vocabulary, 3) + ["不存在"]
        assert changed.bm25.scores(query).tolist() == scratch.bm25.scores(query).tolist()
    texts = scratch.substrings.texts
    assert list(changed.substrings.texts) == list(texts)
    for text in texts:
        for start in range(0, len(text), 7):
            term = text[start : start + rng.randint(1, 4)]
            assert changed.substrings.passages(term).tolist() == scratch.substrings.passages(term).tolist()
    assert changed.manifest.documents == len(after) and changed.manifest.passages == len(scratch.passages)


def test_a_change_embeds_only_the_fresh_text_and_keeps_the_vectors_a_replacement_shares(fake_embedder):
    from conftest import FakeEmbedder

    class Counting(FakeEmbedder):
        seen: list = []

        def embed(self, texts, *, progress=False):
            Counting.seen.extend(texts)
            return super().embed(texts, progress=progress)

    embedder = Counting()
    options = {"target_chars": 40, "overlap_chars": 10}
    index = Index.build([_doc("a", A), _doc("b", B)], embedder, **options)
    Counting.seen.clear()
    index.change(["a", "b", "c"], {"c": _doc("c", C)}, embedder)
    assert Counting.seen and all(text in C for text in Counting.seen)
    Counting.seen.clear()
    index.change(["a", "b"], {"a": _doc("a", A + "全区新建口袋公园12处。")}, embedder)  # A with one sentence more
    assert Counting.seen and not any(text in A for text in Counting.seen)  # A's unchanged sentences keep their vectors


def test_a_change_refuses_an_unknown_report_or_another_model(fake_embedder):
    from conftest import FakeEmbedder

    index = Index.build([_doc("a", A)], fake_embedder, target_chars=40, overlap_chars=10)
    with pytest.raises(ValueError, match="ghost"):
        index.change(["a", "ghost"], {}, fake_embedder)
    with pytest.raises(ValueError, match="stray"):
        index.change(["a"], {"stray": _doc("stray", B)}, fake_embedder)
    with pytest.raises(ValueError, match="none"):
        index.change([], {}, fake_embedder)
    other = FakeEmbedder()
    other.name = "another-model"
    with pytest.raises(ValueError, match="another-model"):
        index.change(["a"], {}, other)


def test_reports_are_embedded_by_embed_documents_where_the_embedder_has_it_and_questions_by_embed():
    from conftest import FakeEmbedder

    class TwoWays(FakeEmbedder):
        documents: list = []

        def embed_documents(self, texts, *, progress=False):
            TwoWays.documents.extend(texts)
            return -super().embed(texts, progress=progress)  # told apart from embed's vectors

    embedder = TwoWays()
    index = Index.build([_doc("a", A)], embedder, target_chars=40, overlap_chars=10)
    assert {p.text for p in index.passages} <= set(TwoWays.documents)
    assert np.allclose(index.sentence_vectors[0].astype(np.float32), -FakeEmbedder().embed([A[index.sentences[0].start : index.sentences[0].end]])[0], atol=1e-3)
    TwoWays.documents.clear()
    changed = index.change(["a", "c"], {"c": _doc("c", C)}, embedder)
    assert TwoWays.documents and all(text in C for text in TwoWays.documents)
    assert len(changed.passages) > len(index.passages)
