"""Eval metrics by CMRC2018 conventions, and the integrity of the eval set."""
import json
from pathlib import Path

import pytest

from qa.corpus import load_corpus
from qa.evaluate import available_splits, char_f1, exact_match, load_items, normalise_answer

EVAL = Path(__file__).resolve().parent.parent / "eval"


def test_normalisation_strips_punctuation_and_space():
    assert normalise_answer(" “泉管家”。") == "泉管家"


def test_exact_match_takes_the_best_gold_form():
    assert exact_match("7000余个", ["7000余", "7000余个"]) == 1.0
    assert exact_match("7000", ["7000余个"]) == 0.0
    assert exact_match(None, ["7000余个"]) == 0.0


def test_char_f1_uses_the_longest_common_substring():
    assert char_f1("增长28.4%", ["28.4%"]) == pytest.approx(2 * (5 / 7) * 1 / (5 / 7 + 1))
    assert char_f1("abc", ["xyz"]) == 0.0


@pytest.mark.parametrize("split", available_splits(EVAL))
def test_eval_items_are_well_formed_and_golds_stand_in_their_documents(split):
    docs = {d.doc_id: d.text for d in load_corpus(EVAL.parent / "corpus")}
    items = load_items(EVAL, split)
    assert len(items) >= 70
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        if item["answerable"]:
            assert item["doc_id"] in docs, item["id"]
            for gold in item["answers"]:
                assert gold.strip("“”") in docs[item["doc_id"]], (item["id"], gold)
        else:
            assert item["answers"] == []


def test_splits_do_not_share_questions():
    dev = {i["question"] for i in load_items(EVAL, "dev")}
    test = {i["question"] for i in load_items(EVAL, "test")}
    assert not dev & test


def test_unknown_split_is_refused_naming_the_splits_there(tmp_path):
    (tmp_path / "dev.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="splits there: dev"):
        load_items(tmp_path, "nosuch")
