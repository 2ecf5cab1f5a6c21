"""Every read question and turn of the development corpus (train and dev splits) that a report's heading settles
(who delivered it, on which day, at which meeting): right or not. The measure behind ``FACT_CONFIDENCE``.

    python scripts/heading_check.py INDEX_DIR     # an index of data/reports (qa index --corpus data/reports --index …)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answering.pipeline import QA, answerer_options  # noqa: E402
from qa.settings import Settings  # noqa: E402


def read_items() -> list[dict]:
    """The train and dev splits' questions, and their conversations' turns with the questions before them."""
    items = []
    for split in ("train", "dev"):
        items += [json.loads(line) for line in open(ROOT / f"eval/reports/{split}.jsonl", encoding="utf-8")]
        for line in open(ROOT / f"eval/reports/conversations/{split}.jsonl", encoding="utf-8"):
            history: list[str] = []
            for turn in json.loads(line)["turns"]:
                items.append({**turn, "history": list(history)})
                history.append(turn["question"])
    return items


def main(argv: list[str]) -> int:
    qa = QA.load(argv[0], corpus_dir=ROOT / "data/reports", **answerer_options(Settings().reader))
    settled = right = 0
    for item in read_items():
        result = qa.ask(item["question"], history=item["history"])
        if result.analysis.get("decided_by") != "heading":
            continue
        ok = bool(item["answers"]) and result.answer in item["answers"]
        settled, right = settled + 1, right + ok
        print(int(ok), item["question"], item["answers"][:1], result.answer)
    print(f"settled by the heading: {settled}, right {right}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
