"""Merge the blind writers' conversation files (eval/reports/conversations/c*.jsonl) into one file per split
(eval/reports/conversations/{train,dev,test}.jsonl), by the split each writer was given (data/reports/split.json).

Prints only counts and the ids of conversations that fail a mechanical check (a turn's report in another split, an
answer or the evidence not in its report's canonical text, a first turn not marked first), never a question: the
test split stays unread.

    python scripts/merge_conversations.py [--remove-sources]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.ingest.corpus import report_paths  # noqa: E402
from qa.ingest.formats import extract_text  # noqa: E402
from qa.ingest.normalize import normalize_report  # noqa: E402

FOLDER = ROOT / "eval" / "reports" / "conversations"
CORPUS = ROOT / "data" / "reports"


def problems_of(conversation: dict, splits: dict, texts: dict) -> list[str]:
    """What is mechanically wrong with one conversation (empty when nothing)."""
    out = []
    split = conversation.get("split")
    turns = conversation.get("turns") or []
    if not 2 <= len(turns) <= 4:
        out.append("not 2 to 4 turns")
    for n, turn in enumerate(turns, start=1):
        if (turn.get("kind") == "first") != (n == 1):
            out.append(f"turn {n}: kind {turn.get('kind')!r}")
        doc_id = turn.get("doc_id")
        if doc_id is not None and splits.get(doc_id) != split:
            out.append(f"turn {n}: report {doc_id!r} is not in split {split!r}")
            continue
        if turn.get("answerable"):
            text = texts.get(doc_id, "")
            if not turn.get("answers") or not all(a in text for a in turn["answers"]) or turn.get("evidence", "") not in text:
                out.append(f"turn {n}: an answer or the evidence is not in {doc_id}'s canonical text")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remove-sources", action="store_true", help="delete the writers' files once merged")
    args = parser.parse_args()
    splits = json.loads((CORPUS / "split.json").read_text(encoding="utf-8"))["split"]
    texts = {p.stem: normalize_report(extract_text(p.read_bytes(), p.name)).text for p in report_paths(CORPUS)}
    sources = sorted(FOLDER.glob("c*.jsonl"))
    by_split: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    seen: set[str] = set()
    bad = 0
    for source in sources:
        for line in source.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            conversation = json.loads(line)
            problems = problems_of(conversation, splits, texts)
            if conversation.get("id") in seen:
                problems.append("given twice")
            if problems:
                bad += 1
                print(f"{conversation.get('id')}: " + "; ".join(problems))
                continue
            seen.add(conversation["id"])
            by_split[conversation["split"]].append(conversation)
    for split, conversations in by_split.items():
        if not conversations:
            continue
        path = FOLDER / f"{split}.jsonl"
        path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in conversations), encoding="utf-8")
        turns = [t for c in conversations for t in c["turns"]]
        kinds = Counter(t["kind"] for t in turns)
        unanswerable = sum(not t["answerable"] for t in turns)
        print(f"{split}: {len(conversations)} conversations, {len(turns)} turns, {unanswerable} unanswerable; "
              + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print(f"left out: {bad}")
    if args.remove_sources:
        for source in sources:
            source.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
