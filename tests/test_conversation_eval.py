"""The conversation evaluation: turns asked in order with the system's own answers sent back, scored by kind."""
from __future__ import annotations

import json

import pytest

from qa.training.conversations import load_conversations, render_conversations, run_conversations, turn_items

CONVERSATION = {
    "id": "c-1", "split": "dev",
    "turns": [
        {"question": "市中区要加快集聚哪些金融机构？", "answerable": True, "doc_id": "lixia-2024-interview", "kind": "first",
         "answers": ["德邦证券、山东人才普惠金融、齐鲁银行理财子公司"]},
        {"question": "第二个是什么？", "answerable": True, "doc_id": "lixia-2024-interview", "kind": "ordinal",
         "answers": ["山东人才普惠金融"]},
        {"question": "那火星基地呢？", "answerable": False, "doc_id": None, "kind": "ellipsis", "answers": []},
    ],
}


def test_each_turn_is_asked_after_the_answers_given_and_scored_by_kind(small_qa):
    report = run_conversations(small_qa, [CONVERSATION], split="dev")
    first, second, third = report["items"]
    assert (first["kind"], first["em"]) == ("first", 1.0)
    # the ordinal is answered from the first turn's answer, which the evaluation sent back as history
    assert (second["kind"], second["em"], second["decided_by"]) == ("ordinal", 1.0, "conversation")
    assert third["kind"] == "ellipsis" and third["em"] == float(third["abstained"])
    assert report["first_turns"]["n"] == 1 and report["follow_ups"]["n"] == 2
    assert report["by_kind"]["ordinal"]["right"] == 1.0
    assert "ordinal" in render_conversations(report)


def test_turns_become_questions_with_the_answers_given_to_the_turns_before(small_qa):
    items = turn_items(small_qa, [CONVERSATION])
    assert [i["id"] for i in items] == ["c-1#1", "c-1#2", "c-1#3"] and {i["conversation"] for i in items} == {"c-1"}
    assert [i["kind"] for i in items] == ["first", "ordinal", "ellipsis"] and [len(i["history"]) for i in items] == [0, 1, 2]
    told = items[1]["history"][0]
    assert told.question == CONVERSATION["turns"][0]["question"] and told.answer == small_qa.ask(told.question).answer
    assert small_qa.document(told.doc_id).text[told.start : told.end] == told.answer
    # the item asked with that history is answered as the conversation's evaluation answers it
    assert small_qa.ask(items[1]["question"], history=items[1]["history"]).answer == "山东人才普惠金融"


def test_malformed_conversations_are_refused_with_their_line(tmp_path):
    folder = tmp_path / "conversations"
    folder.mkdir()
    (folder / "dev.jsonl").write_text(json.dumps({"id": "x", "turns": [CONVERSATION["turns"][0]]}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="dev.jsonl:1"):
        load_conversations(tmp_path, "dev")
    with pytest.raises(ValueError, match="no conversations"):
        load_conversations(tmp_path, "test")
