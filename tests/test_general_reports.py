"""Slow: reports the models were not built on (three of the development corpus's dev split: the State Council's 2017
report and two provinces' 2025 reports, as published, Word files included), indexed from scratch with the real
model and answered with the real readers and rankers: the general reader reads them and the general ranker decides."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ("national-2017", "prov-2025-shanxi", "prov-2025-hainan")


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    from qa.answering.pipeline import QA
    from qa.index.embedding import load_embedder
    from qa.index.store import build_index

    corpus = tmp_path_factory.mktemp("reports")
    for path in (ROOT / "data" / "reports").iterdir():
        if path.stem in REPORTS:
            shutil.copy(path, corpus / path.name)
    index_dir = tmp_path_factory.mktemp("index")
    build_index(corpus, index_dir, load_embedder("m3e-small"))
    return QA.load(index_dir, corpus_dir=corpus)


def test_the_general_reader_and_ranker_answer_reports_the_models_never_saw(qa):
    from qa.training.evaluate import load_items, run_eval

    assert {d.doc_id for d in qa.documents} == set(REPORTS) and not qa.familiar
    assert qa.general_reader is not None and qa.general_reader is not qa.reader
    items = [i for i in load_items(ROOT / "eval" / "reports", "dev") if i["doc_id"] in REPORTS and not i.get("history")]
    assert len(items) >= 20
    for item in items[:5]:
        windows = qa.reader_windows(qa.deliberate(item["question"]), 1)
        assert windows and qa.reader_for(windows) is qa.general_reader
    overall = run_eval(qa, items, split="dev")["overall"]
    # measured when written (session 20): EM 0.80 over these 25 questions, every answer citing its report; the floor
    # leaves two questions' room
    assert overall["em"] >= 0.72 and overall["citation_accuracy"] >= 0.9
    # the shipped reader with the seeds' ranker (what answered such reports before session 18) does worse: 0.68
    before = run_eval(qa.with_options(general_reader=qa.reader, general_ranker=None), items, split="dev")["overall"]
    assert before["em"] < overall["em"]
