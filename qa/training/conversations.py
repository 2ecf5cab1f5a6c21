"""Evaluation of conversations: each turn asked after the turns before it, as a chat client would send them (the
questions with the answers this system gave, and where they stand), scored like a single question, and reported
for first turns and follow-ups apart and by kind of follow-up.

A conversation file (``<eval_dir>/conversations/<split>.jsonl``) holds one conversation per line:
``{"id", "split", "turns": [{"question", "answerable", "answers", "evidence", "doc_id", "type", "kind"}, ...]}``,
``kind`` being ``first`` for the opening turn and one of ``FOLLOW_UP_KINDS`` after it.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterator

from qa.answering.protocol import Answerer
from qa.schema import Result, Turn, answered_turn
from qa.training.evaluate import confidence_report, exact_match

FOLLOW_UP_KINDS = ("measure", "ordinal", "part", "pronoun", "ellipsis", "place", "year")
_TURN_FIELDS = ("question", "answerable", "answers", "doc_id", "kind")


def load_conversations(eval_dir: Path, split: str) -> list[dict]:
    """Read ``<eval_dir>/conversations/<split>.jsonl``; ``ValueError`` naming the line of a malformed one."""
    path = Path(eval_dir) / "conversations" / f"{split}.jsonl"
    if not path.is_file():
        raise ValueError(f"no conversations {path}")
    conversations = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        conversation = json.loads(line)
        turns = conversation.get("turns")
        if not isinstance(turns, list) or len(turns) < 2:
            raise ValueError(f"{path}:{number}: a conversation needs at least two turns")
        for turn in turns:
            missing = [k for k in _TURN_FIELDS if k not in turn]
            if missing:
                raise ValueError(f"{path}:{number}: a turn misses {missing}")
        conversations.append(conversation)
    return conversations


def asked_turns(qa: Answerer, conversations: list[dict]) -> Iterator[tuple[dict, dict, list[Turn], Result, float]]:
    """Every turn of every conversation asked after its own earlier turns, with the answers ``qa`` gave them sent
    back as a chat client sends them: (its item, ``evaluate.load_items``' shape with ``id``, ``conversation`` and
    ``kind``; the turn; the history it was asked with; the result; the latency in ms)."""
    for conversation in conversations:
        history: list[Turn] = []
        for position, turn in enumerate(conversation["turns"]):
            item = {**turn, "id": f"{conversation['id']}#{position + 1}", "conversation": conversation["id"],
                    "history": list(history), "kind": turn["kind"] if position else "first"}
            started = time.perf_counter()
            result = qa.ask(turn["question"], history=history)
            yield item, turn, item["history"], result, (time.perf_counter() - started) * 1000
            history.append(answered_turn(turn["question"], result))


def turn_items(qa: Answerer, conversations: list[dict]) -> list[dict]:
    """Every turn as a question item whose ``history`` is the turns before it with the answers ``qa`` gave them."""
    return [item for item, *_ in asked_turns(qa, conversations)]


def run_conversations(qa: Answerer, conversations: list[dict], *, split: str) -> dict:
    """Ask every turn of every conversation after its own earlier turns; the report by turn kind, with rows."""
    rows = []
    for item, turn, _, result, latency in asked_turns(qa, conversations):
        answerable = bool(turn["answerable"])
        em = exact_match(result.answer, turn["answers"]) if answerable else float(result.abstained)
        cited = None
        if answerable and not result.abstained and result.citations:
            cited = result.citations[0].doc_id == turn["doc_id"]
        rows.append({
            "id": item["id"],
            "question": turn["question"],
            "resolved": result.resolved_question,
            "kind": item["kind"],
            "answerable": answerable,
            "answers": turn["answers"],
            "predicted": result.answer,
            "abstained": result.abstained,
            "confidence": result.confidence,
            "decided_by": result.analysis.get("decided_by"),
            "em": em,
            "citation_ok": cited,
            "latency_ms": latency,
        })
    first = [r for r in rows if r["kind"] == "first"]
    follow = [r for r in rows if r["kind"] != "first"]
    return {
        "split": split,
        "conversations": len(conversations),
        "turns": len(rows),
        "overall": summarise_turns(rows),
        "first_turns": summarise_turns(first),
        "follow_ups": summarise_turns(follow),
        "by_kind": {kind: summarise_turns([r for r in follow if r["kind"] == kind])
                    for kind in FOLLOW_UP_KINDS if any(r["kind"] == kind for r in follow)},
        "confidence": confidence_report(rows),
        "items": rows,
    }


def summarise_turns(rows: list[dict]) -> dict:
    """Right (exact match, or an abstention on an unanswerable turn), answerable right, abstentions, citations."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    given = [r for r in answerable if not r["abstained"]]

    def mean(values) -> float | None:
        values = list(values)
        return round(sum(values) / len(values), 4) if values else None

    return {
        "n": len(rows),
        "right": mean(r["em"] for r in rows),
        "answerable_right": mean(r["em"] for r in answerable),
        "unanswerable_abstained": mean(float(r["abstained"]) for r in unanswerable),
        "answerable_abstained": mean(float(r["abstained"]) for r in answerable),
        "citation_right_report": mean(float(bool(r["citation_ok"])) for r in given),
    }


def render_conversations(report: dict) -> str:
    """A plain-text table: all turns, first turns, follow-ups, and each kind of follow-up."""
    columns = (("n", "n"), ("right", "right"), ("answerable_right", "ans right"), ("unanswerable_abstained", "unans abst"),
               ("answerable_abstained", "ans abst"), ("citation_right_report", "right doc"))
    lines = [f"conversations split={report['split']}  conversations={report['conversations']}  turns={report['turns']}",
             f"{'':18}" + "".join(f"{title:>11}" for _, title in columns)]
    groups = [("all turns", report["overall"]), ("first turns", report["first_turns"]), ("follow-ups", report["follow_ups"])]
    groups += [(f"  {kind}", summary) for kind, summary in report["by_kind"].items()]
    for name, summary in groups:
        cells = [f"{'-' if summary[k] is None else summary[k] if k == 'n' else format(summary[k], '.3f'):>11}" for k, _ in columns]
        lines.append(f"{name:18}" + "".join(cells))
    high = report["confidence"]["at_least_0.9"]
    lines.append(f"answers with confidence >= 0.9: {high['n']}, right {high['right']}; ECE {report['confidence']['ece']}")
    return "\n".join(lines)
