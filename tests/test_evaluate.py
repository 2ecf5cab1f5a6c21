"""Eval metrics by CMRC2018 conventions, and the integrity of the eval set."""
import json
from pathlib import Path

import pytest

from qa.ingest.corpus import load_corpus
from qa.training.evaluate import available_splits, char_f1, exact_match, load_items, normalise_answer

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


def _row(answerable, hybrid, rules, reader, confidence=0.9, type_="number"):
    def d(em, abstained=False):
        return {"em": em, "f1": em, "abstained": abstained, "predicted": None}

    return {"type": type_, "answerable": answerable, "abstained": hybrid[1], "em": hybrid[0], "confidence": confidence,
            "deciders": {"hybrid": d(*hybrid), "rules": d(*rules), "reader": d(*reader),
                         "oracle": {"em": max(rules[0], reader[0]), "abstained": False}}}


def test_deciders_are_summarised_side_by_side_with_the_oracle_union():
    from qa.training.evaluate import decider_summary

    rows = [
        _row(True, (1.0, False), (0.0, False), (1.0, False)),
        _row(True, (0.0, True), (1.0, False), (0.0, False)),
        _row(False, (1.0, True), (0.0, False), (1.0, True)),
    ]
    s = decider_summary(rows)
    assert s["hybrid"]["em"] == pytest.approx(2 / 3, abs=1e-4) and s["rules"]["em"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["oracle"]["em"] == 1.0
    assert s["hybrid"]["answerable_abstained"] == 0.5 and s["hybrid"]["unanswerable_abstained"] == 1.0
    assert s["rules"]["unanswerable_abstained"] == 0.0


def test_confidence_report_bins_only_the_answers_given():
    from qa.training.evaluate import confidence_report

    rows = [_row(True, (1.0, False), (1, False), (1, False), 0.96), _row(True, (0.0, False), (0, False), (0, False), 0.93),
            _row(True, (0.0, True), (0, False), (0, False), 0.99), _row(True, (1.0, False), (1, False), (1, False), 0.55)]
    report = confidence_report(rows)
    assert report["at_least_0.9"] == {"n": 2, "right": 0.5}
    assert sum(b["n"] for b in report["bins"]) == 3


def test_the_headline_table_is_made_from_eval_reports():
    from qa.training.evaluate import headline_table

    def item(answerable, abstained, em, confidence):
        return {"answerable": answerable, "abstained": abstained, "em": em, "confidence": confidence}

    items = [item(True, False, 1.0, 0.97), item(True, False, 0.0, 0.93), item(True, True, 0.0, 0.2), item(False, True, 1.0, 0.1)]
    report = {"split": "blindX", "items_count": 4, "items": items, "deciders": {"overall": {
        "hybrid": {"em": 0.5, "f1": 0.625, "unanswerable_abstained": 1.0, "answerable_abstained": 0.3333},
        "rules": {"em": 0.25, "f1": 0.3}}}}
    table = headline_table([report, {**report, "split": "blindY"}]).splitlines()
    assert table[2] == "| blindX (4) | 0.500 (0.625) | 0.250 | 1.00 | 0.33 |"
    assert table[3].startswith("| blindY (4) |")
    # the two answers given at 0.9 or more in each report, one right in each
    assert table[-1] == "Answers given at confidence ≥ 0.9: 4, right 0.500."


def test_a_report_splits_follow_ups_from_questions_asked_alone_and_reports_each_level(small_qa):
    from qa.training.evaluate import render_table, run_eval

    items = [
        {"id": "a", "question": "历下区2023年新增保障性租赁住房多少套", "answers": ["4100套"], "doc_id": "lixia-2023", "type": "number",
         "answerable": True, "history": [], "level": "county"},
        {"id": "b", "question": "那市中区呢", "answers": ["4.46亿元"], "doc_id": "shizhong-2020", "type": "amount",
         "answerable": True, "history": ["历下区2022年一般公共预算收入多少"], "level": "county"},
        {"id": "c", "question": "全国粮食产量多少", "answers": [], "doc_id": None, "type": "number", "answerable": False, "history": [],
         "level": "national"},
    ]
    report = run_eval(small_qa, items, split="t")
    assert (report["alone"]["n"], report["follow_ups"]["n"]) == (2, 1)
    assert {level: s["n"] for level, s in report["by_level"].items()} == {"county": 2, "national": 1}
    assert report["alone"]["em"] == sum(r["em"] for r in report["items"] if r["id"] != "b") / 2
    table = render_table(report)
    assert "follow-ups" in table and "level national" in table
