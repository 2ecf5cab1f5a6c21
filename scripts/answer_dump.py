"""Every read question's answer, as one line of JSON each, to compare two versions of the code byte for byte:

    python scripts/answer_dump.py --out before.jsonl      # on the old code
    python scripts/answer_dump.py --out after.jsonl       # on the new code
    cmp before.jsonl after.jsonl

A line holds the split, the item's id, the answer, whether it abstained, the confidence (repr: every digit), the
message, the resolved question and each citation's report and offsets. The unread splits are never asked.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.training.evaluate import available_splits, load_items  # noqa: E402
from qa.training.reader_data import UNREAD_SPLITS  # noqa: E402
from qa.settings import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where the lines go")
    parser.add_argument("--eval-dir", default=str(ROOT / "eval"))
    args = parser.parse_args(argv)
    from qa.answering.pipeline import QA, answerer_options

    settings = Settings()
    qa = QA.load(settings.index_dir, **answerer_options(settings.reader))
    eval_dir = Path(args.eval_dir)
    count = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for split in available_splits(eval_dir):
            if split in UNREAD_SPLITS:
                continue
            for item in load_items(eval_dir, split):
                result = qa.ask(item["question"], history=item.get("history") or [])
                line = {
                    "split": split, "id": item["id"], "answer": result.answer, "abstained": result.abstained,
                    "confidence": repr(result.confidence), "message": result.message,
                    "resolved": result.resolved_question,
                    "citations": [[c.doc_id, c.start, c.end, c.quote_start, c.quote_end] for c in result.citations],
                    "answers": [[a.text, repr(a.score)] for a in result.answers],
                    # a passage's fused score varies in its last bit from run to run (BLAS threads sum in another
                    # order): 12 digits are kept, which no two runs of one version have been seen to differ in
                    "passages": [[h.passage.doc_id, h.passage.start, h.passage.end, repr(round(h.score, 12))]
                                 for h in result.passages],
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
    print(f"{count} questions answered into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
