"""Merge the blind writers' files (eval/reports/w*.jsonl) into one file per split of the development corpus
(eval/reports/{train,dev,test}.jsonl, keeping what was merged there before), by the split of the report each
question is over (data/reports/split.json).

Prints only counts and the ids of items that fail a mechanical check (an answer or the evidence not in the report's
canonical text, a split that disagrees with split.json), never a question: the test split stays unread.

    python scripts/merge_report_questions.py [--remove-sources]
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

EVAL = ROOT / "eval" / "reports"
CORPUS = ROOT / "data" / "reports"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remove-sources", action="store_true", help="delete the writers' files once merged")
    args = parser.parse_args()
    splits = json.loads((CORPUS / "split.json").read_text(encoding="utf-8"))["split"]
    texts = {p.stem: normalize_report(extract_text(p.read_bytes(), p.name)).text for p in report_paths(CORPUS)}
    sources = sorted(EVAL.glob("w*.jsonl"))
    merged = [EVAL / f"{s}.jsonl" for s in ("train", "dev", "test") if (EVAL / f"{s}.jsonl").exists()]  # merged before
    by_split: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    problems: list[str] = []
    seen: set[str] = set()
    for source in merged + sources:
        for line in source.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item["id"] in seen:
                problems.append(f"{item['id']}: given twice")
                continue
            seen.add(item["id"])
            doc_id = item.get("doc_id")
            split = splits.get(doc_id)
            if split is None or item.get("split") != split:
                problems.append(f"{item.get('id')}: split {item.get('split')!r} but {doc_id!r} is in {split!r}")
                continue
            text = texts[doc_id]
            if item.get("answerable"):
                if not item.get("answers") or not all(a in text for a in item["answers"]) or item.get("evidence", "") not in text:
                    problems.append(f"{item['id']}: an answer or the evidence is not in {doc_id}'s canonical text")
            by_split[split].append(item)
    for split, items in by_split.items():
        items.sort(key=lambda i: (int(i["id"].split("-")[0][1:]), int(i["id"].split("-")[1])))
        with open(EVAL / f"{split}.jsonl", "w", encoding="utf-8") as out:
            for item in items:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        levels = Counter(i["level"] for i in items)
        print(f"{split}: {len(items)} questions over {len({i['doc_id'] for i in items})} reports; "
              f"unanswerable {sum(not i['answerable'] for i in items)}, follow-ups {sum(bool(i.get('history')) for i in items)}, "
              f"levels {dict(levels)}")
    for problem in problems:
        print("problem:", problem)
    if args.remove_sources and not problems:
        for source in sources:
            source.unlink()
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
