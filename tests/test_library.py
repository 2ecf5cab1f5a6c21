"""Adding, replacing and removing reports with the fake embedder: all or nothing, the vectors of unchanged text reused,
and the same index as a build from scratch."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import FakeEmbedder
from qa.ingest.corpus import corpus_hash
from qa.errors import CorpusError
from qa.index.store import Index, build_index
from qa.index.library import Library, UnknownReport, recover, report_id
from report_files import web_page, word_file

NEW_REPORT = (
    "槐荫区政府工作报告\n\n"
    "2023年，槐荫区新建学校3所，新增学位4500个。全区地区生产总值增长6.1%。\n\n"
    "2024年，槐荫区将新建、改扩建中小学校4所，新增学位5200个，推进西部会展片区建设。\n"
)
OPTIONS = {"target_chars": 60, "overlap_chars": 20}


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed(self, texts, *, progress: bool = False):
        self.embedded.extend(texts)
        return super().embed(texts, progress=progress)


@pytest.fixture
def library(small_index, small_corpus, tmp_path):
    _, index_dir = small_index
    embedder = CountingEmbedder()
    lib = Library(small_corpus, index_dir, embedder)
    return lib


def test_adding_a_report_embeds_that_report_alone_and_indexes_it(library):
    before = Index.load(library.index_dir)
    doc_id, index = library.add(NEW_REPORT.encode(), "huaiyin-2024.txt", {"district": "槐荫区", "year": 2024})
    assert doc_id == "huaiyin-2024"
    assert len(index.documents) == len(before.documents) + 1
    new = index.by_id["huaiyin-2024"]
    assert (new.district, new.year, new.review_year, new.source_file) == ("槐荫区", 2024, 2023, "huaiyin-2024.txt")
    # only text of the new report went through the model
    assert library.embedder.embedded and all(text in new.text for text in library.embedder.embedded)
    assert Index.load(library.index_dir, corpus_dir=library.corpus_dir).by_id.keys() == index.by_id.keys()


def test_the_incremental_index_equals_a_build_from_scratch(library, tmp_path):
    library.add(NEW_REPORT.encode(), "huaiyin-2024.txt")
    library.remove("lixia-2023")
    incremental = Index.load(library.index_dir)
    scratch = build_index(library.corpus_dir, tmp_path / "scratch", FakeEmbedder(), **OPTIONS)
    assert incremental.documents == scratch.documents
    assert incremental.passages == scratch.passages
    assert incremental.tokens == scratch.tokens
    assert incremental.tokenizer.user_words == scratch.tokenizer.user_words
    assert np.allclose(incremental.dense.vectors(), scratch.dense.vectors())
    assert np.allclose(incremental.sentence_vectors, scratch.sentence_vectors)


def test_a_failed_rebuild_puts_the_corpus_back(library, monkeypatch):
    import qa.index.library

    digest = corpus_hash(library.corpus_dir)
    built = Index.read_manifest(library.index_dir).built_at

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qa.index.library.Index, "save", disk_full)
    with pytest.raises(OSError):
        library.add(NEW_REPORT.encode(), "huaiyin-2024.txt")
    with pytest.raises(OSError):
        library.remove("lixia-2023")
    assert corpus_hash(library.corpus_dir) == digest
    assert Index.read_manifest(library.index_dir).built_at == built
    assert not list(library.corpus_dir.parent.glob(".corpus.backup-*"))


@pytest.mark.parametrize("data, name, metadata, doc_id, message", [
    (b"", "empty.txt", {}, None, "empty.txt: the file is empty"),
    (b"%PDF-1.4 broken", "x.pdf", {}, None, "x.pdf: the PDF is damaged"),
    (NEW_REPORT.encode(), "x.exe", {}, None, "not a report format"),
    (NEW_REPORT.encode(), "x.txt", {"year": "明年"}, None, "year must be a year"),
    (NEW_REPORT.encode(), "x.txt", {"date": "2024/01/01"}, None, "date must be YYYY-MM-DD"),
    (NEW_REPORT.encode(), "x.txt", {"colour": "red"}, None, "unknown metadata field"),
    (NEW_REPORT.encode(), "lixia-2023.txt", {}, None, "with the id 'lixia-2023' exists"),
    (NEW_REPORT.encode(), "x.txt", {}, "../escape", "not a valid id"),
])
def test_a_bad_addition_is_refused_and_changes_nothing(library, data, name, metadata, doc_id, message):
    digest = corpus_hash(library.corpus_dir)
    with pytest.raises(CorpusError, match=message):
        library.add(data, name, metadata, doc_id=doc_id)
    assert corpus_hash(library.corpus_dir) == digest
    assert library.embedder.embedded == []


def test_the_same_file_twice_is_refused_naming_the_first(library):
    library.add(NEW_REPORT.encode(), "huaiyin-2024.txt")
    with pytest.raises(CorpusError, match="already in the corpus as 'huaiyin-2024'"):
        library.add(NEW_REPORT.encode(), "copy.txt")


def test_file_names_are_never_paths(library, tmp_path):
    doc_id, _ = library.add(NEW_REPORT.encode(), "../../x.txt")
    assert doc_id == "x" and (library.corpus_dir / "x.txt").exists()
    assert report_id("..\\..\\报告.pdf", b"abc").startswith("report-")
    assert report_id("/etc/passwd", b"abc") == "passwd"
    assert not (tmp_path.parent / "x.txt").exists()


def test_replacing_keeps_the_id_and_swaps_the_format(library):
    page = web_page("历下区政府工作报告", ["2023年，历下区新增学位8000个。", "2024年，历下将新增学位9000个。"])
    doc_id, index = library.add(page, "lixia-2023.html", doc_id="lixia-2023", replace=True)
    assert doc_id == "lixia-2023"
    assert "新增学位9000个" in index.by_id["lixia-2023"].text
    assert sorted(p.name for p in library.corpus_dir.glob("lixia-2023.*")) == ["lixia-2023.html", "lixia-2023.json"]
    with pytest.raises(UnknownReport):
        library.add(word_file("标题", ["历下区新增学位"]), "nobody.docx", replace=True)


def test_removing_and_its_refusals(library):
    index = library.remove("lixia-2023")
    assert "lixia-2023" not in index.by_id and not list(library.corpus_dir.glob("lixia-2023.*"))
    with pytest.raises(UnknownReport):
        library.remove("lixia-2023")
    remaining = list(index.by_id)
    for doc_id in remaining[:-1]:
        library.remove(doc_id)
    with pytest.raises(CorpusError, match="last report"):
        library.remove(remaining[-1])


def killed_change(library, written: bool) -> None:
    """What a process killed inside ``_apply`` leaves: the old file in the backup, the new one (maybe) in place."""
    backup = library.corpus_dir.parent / ".corpus.backup-999999"
    backup.mkdir()
    (backup / "change.json").write_text(json.dumps({"writes": ["lixia-2023.txt"], "written": written}))
    old = library.corpus_dir / "lixia-2023.txt"
    (backup / "lixia-2023.txt").write_bytes(old.read_bytes())
    old.write_text(NEW_REPORT, encoding="utf-8")


def test_a_change_killed_before_it_was_written_is_rolled_back(library):
    original = (library.corpus_dir / "lixia-2023.txt").read_bytes()
    digest = corpus_hash(library.corpus_dir)
    killed_change(library, written=False)
    assert "rolled back" in recover(library.corpus_dir)[0]
    assert (library.corpus_dir / "lixia-2023.txt").read_bytes() == original
    assert corpus_hash(library.corpus_dir) == digest


def test_a_change_killed_after_it_was_written_is_kept_and_indexed_next(library):
    killed_change(library, written=True)
    assert "kept" in recover(library.corpus_dir)[0]
    assert "新增学位5200个" in library.rebuild().by_id["lixia-2023"].text


def test_several_reports_go_in_with_one_rebuild_or_not_at_all(library, monkeypatch):
    builds = []
    real_build, real_change = Index.build, Index.change
    monkeypatch.setattr(Index, "build", lambda *a, **k: builds.append(1) or real_build(*a, **k))
    monkeypatch.setattr(Index, "change", lambda *a, **k: builds.append(1) or real_change(*a, **k))
    second = NEW_REPORT.replace("槐荫区", "天桥区").replace("5200", "6100")
    digest = corpus_hash(library.corpus_dir)
    with pytest.raises(CorpusError, match="bad.txt: the file is empty"):
        library.add_all([(NEW_REPORT.encode(), "huaiyin.txt", {}, None), (b"", "bad.txt", {}, None)])
    with pytest.raises(CorpusError, match="two of the files would have the id 'same'"):
        library.add_all([(NEW_REPORT.encode(), "same.txt", {}, None), (second.encode(), "same.txt", {}, None)])
    assert corpus_hash(library.corpus_dir) == digest and builds == []
    ids, index = library.add_all([(NEW_REPORT.encode(), "huaiyin.txt", {}, None), (second.encode(), "tianqiao.txt", {"district": "天桥区"}, None)])
    assert ids == ["huaiyin", "tianqiao"] and builds == [1]
    assert index.by_id["tianqiao"].district == "天桥区" and "6100" in index.by_id["tianqiao"].text


def test_an_addition_reads_and_indexes_that_report_alone(library, monkeypatch):
    """The library changes the saved index report by report: the other reports are not read again, no full build
    runs, and the saved index is the one the change gave."""
    import qa.ingest.corpus

    read = []
    real_load = qa.ingest.corpus.load_document
    monkeypatch.setattr(qa.ingest.corpus, "load_document", lambda path, *a, **k: read.append(path.name) or real_load(path, *a, **k))
    monkeypatch.setattr(Index, "build", lambda *a, **k: pytest.fail("a build from scratch ran"))
    before = set(Index.load(library.index_dir).by_id)
    library.add(NEW_REPORT.encode(), "huaiyin-2024.txt")
    assert read == ["huaiyin-2024.txt"]
    library.remove("lixia-2023")
    assert read == ["huaiyin-2024.txt"]
    assert set(Index.load(library.index_dir, corpus_dir=library.corpus_dir).by_id) == before - {"lixia-2023"} | {"huaiyin-2024"}


def test_reports_changed_by_hand_meanwhile_are_picked_up_by_a_rebuild(library):
    """A report dropped into the folder by hand is not one of the library's changes: the next change rebuilds,
    so the saved index always matches the folder."""
    (library.corpus_dir / "tianqiao-2024.txt").write_text(NEW_REPORT.replace("槐荫区", "天桥区"), encoding="utf-8")
    _, index = library.add(NEW_REPORT.encode(), "huaiyin-2024.txt")
    assert {"tianqiao-2024", "huaiyin-2024"} <= index.by_id.keys()
    assert Index.load(library.index_dir, corpus_dir=library.corpus_dir).by_id.keys() == index.by_id.keys()
