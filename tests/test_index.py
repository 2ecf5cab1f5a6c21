"""The index as a value object: save, load, manifest checks, atomic rebuilds."""
import json

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
