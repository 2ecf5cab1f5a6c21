"""How well the metadata inferred from a report's text alone matches its sidecar (issue 26): each report of a corpus
folder is read as if uploaded with no metadata (its sidecar hidden), and every inferred field is compared with the
sidecar's, per split of ``split.json`` when there is one.

    python scripts/metadata_check.py                       # data/reports
    python scripts/metadata_check.py --corpus corpus --show train   # and print each train report's fields

A title counts as right when it names a government work report (政府工作报告) and carries none of a web page's
furniture, or equals the sidecar's; a place, a level, a year delivered and a year reviewed when they equal the
sidecar's. Only splits that may be read should be shown with --show.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.ingest.corpus import infer_metadata, report_paths  # noqa: E402
from qa.ingest.formats import extract_text  # noqa: E402
from qa.ingest.normalize import normalize_report  # noqa: E402

FIELDS = ("title", "district", "level", "year", "review_year")
FURNITURE = ("下载", "打印", "全屏", "收藏", "字号", "分享", "关闭", "来源：", "浏览次数")


def title_right(inferred: str | None, truth: str | None) -> bool:
    if not inferred:
        return False
    return inferred == truth or ("政府工作报告" in inferred and not any(word in inferred for word in FURNITURE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "reports")
    parser.add_argument("--with-test", action="store_true", help="also measure the test split (once, at the end of a change)")
    parser.add_argument("--show", default="", help="print every report's fields for these splits (comma-separated; never test)")
    args = parser.parse_args()
    split_file = args.corpus / "split.json"
    splits = json.loads(split_file.read_text(encoding="utf-8"))["split"] if split_file.exists() else {}
    show = {s for s in args.show.split(",") if s}
    if "test" in show:
        parser.error("the test split stays unread")
    right: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for path in report_paths(args.corpus):
        sidecar = path.with_suffix(".json")
        truth = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        canonical = normalize_report(extract_text(path.read_bytes(), path.name))
        inferred = infer_metadata(canonical)
        split = splits.get(path.stem, "all")
        if split == "test" and not args.with_test:
            continue
        for field in FIELDS:
            if field not in truth:
                continue
            ok = title_right(inferred.get(field), truth.get(field)) if field == "title" else inferred.get(field) == truth[field]
            right[split][field].append(ok)
        if split in show:
            wrong = [f for f in FIELDS if f in truth and not right[split][f][-1]]
            print(f"{path.stem:24} {'  '.join(f'{f}={inferred.get(f)!r}' for f in FIELDS)}" + (f"   WRONG {wrong}" if wrong else ""))
    print("\n| split | reports | " + " | ".join(FIELDS) + " |")
    print("|---|---:|" + "---:|" * len(FIELDS))
    for split in sorted(right):
        n = max(len(v) for v in right[split].values())
        cells = [f"{sum(right[split][f]) / len(right[split][f]):.2f}" if right[split][f] else "–" for f in FIELDS]
        print(f"| {split} | {n} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
