"""Training the reader: labels of tokenised windows, folds by split, and (slow) a whole tiny run on the real base."""
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.training.reader_train import Example, featurize, fold_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from qa.index.embedding import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model("m3e-small"))


def test_labels_point_at_the_answer_tokens_and_pieces_without_it_at_cls(tokenizer):
    context = "过去一年，历下完成一般公共预算收入161.3亿元，可比增长9.7%。" * 3 + "新增学位7000余个。"
    at = context.index("7000余个")
    feats = featurize(tokenizer, [Example("q", "历下新增学位多少", context, at, "7000余个")], max_length=48, stride=16)
    assert len(feats["input_ids"]) > 1  # the context needs several pieces
    labelled = [k for k in range(len(feats["start"])) if feats["start"][k] > 0]
    assert labelled and all(feats["start"][k] == 0 and feats["end"][k] == 0 for k in range(len(feats["start"])) if k not in labelled)
    k = labelled[-1]
    ids = feats["input_ids"][k][feats["start"][k] : feats["end"][k] + 1]
    assert tokenizer.decode(ids).replace(" ", "") == "7000余个"


def test_unanswerable_windows_point_at_cls(tokenizer):
    feats = featurize(tokenizer, [Example("q", "问题", "没有答案的段落。", -1, "")], max_length=32, stride=8)
    assert feats["start"].tolist() == [0] and feats["end"].tolist() == [0]


def test_folds_keep_whole_splits_together():
    splits = ["dev", "test", "blind", "blind2", "blind3", "blind4"]
    folds = {s: fold_of(s, splits, 4) for s in splits}
    assert set(folds.values()) == {0, 1, 2, 3}
    assert fold_of("blind3", list(reversed(splits)), 4) == folds["blind3"]  # the order given does not matter


@pytest.mark.slow
def test_tiny_training_run_writes_adapters_the_reader_loads(tmp_path):
    from qa.ingest.corpus import load_corpus
    from qa.models.reader import SpanReader, Window
    from qa.index.embedding import resolve_model

    doc = {d.doc_id: d for d in load_corpus(ROOT / "corpus")}["lixia-2024-interview"]
    at = doc.text.index("7000余个")
    rows = []
    for i, (split, question) in enumerate([("dev", "历下2024年新增学位多少"), ("test", "2024年历下要新增多少个学位"),
                                            ("blind", "历下 2024 新增学位"), ("blind2", "今年历下增加多少上学名额")]):
        window = {"doc_id": doc.doc_id, "start": at - 60, "text": doc.text[at - 60 : at + 40], "rank": 0, "retrieval": 1.0,
                  "answer_start": 60, "answer_text": "7000余个", "added": False}
        empty = {**window, "start": 0, "text": doc.text[:100], "answer_start": -1, "answer_text": ""}
        rows.append({"id": f"{split}-{i}", "split": split, "question": question, "golds": ["7000余个"], "refused": False, "windows": [window, empty]})
    bundle = tmp_path / "domain.jsonl.gz"
    with gzip.open(bundle, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    out = tmp_path / "reader"
    done = subprocess.run([sys.executable, "-m", "qa.cli", "train-reader", "--quick", "--domain", str(bundle), "--out", str(out), "--folds", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["data"]["domain_questions"] == 4 and len(card["folds"]) == 2 and card["seconds"] > 0
    for name in ("reader", "fold0", "fold1"):
        reader = SpanReader(resolve_model("m3e-small"), out / f"{name}.safetensors")
        pieces = reader.read("历下2024年新增学位多少", [Window(doc.doc_id, at - 60, doc.text[at - 60 : at + 40])])
        assert pieces and len(pieces[0].offsets) > 0
