"""Mine the units reports print after figures, for the figure grammar's unit slot (issue 26: units come from the data).

A figure is ``\\d+(.\\d+)?`` with its optional 余/多 and 万/亿/千 (the grammar's other slots, ``qa.rules.spans``). A
string of one to four Chinese characters right after figures is taken as a unit when the reports say so, not a
list:

- it stands after a figure in at least ``--min-count`` places in at least two reports;
- most of its occurrences anywhere stand after a figure or a numeral in words (``--min-ratio``; 五千亿斤 counts
  for 斤): 公顷 and 个百分点 do, 措施 and 项目 do not;
- after a figure it ends the phrase (``--min-end``): what follows is punctuation, a digit, the end, a tail of the
  grammar (以上, 左右, 以内, 以下) or a verb of change (增长, 提高…) — 千瓦 does, 个重 (of 个重点项目) does not;
- it neither starts with nor contains a slot the grammar already has (余/多, 万/亿, 以上/左右/以内/以下) nor a verb
  of change, and does not start with 年, 月, 日 or 号 (a date or a number's label: 2024年试点, 1日起, 3号机组).

The reports read are those of the development corpus's train split (``eval/reports/train.jsonl`` and its
conversations; no dev or test report) and the seeds in ``corpus/``. The result, with its counts, is written to
``qa/rules/units.tsv``, which ``qa.rules.lexicon`` adds to the units it always knew.

    python scripts/mine_units.py [--out qa/rules/units.tsv]
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.ingest.corpus import load_corpus  # noqa: E402

FIGURE = re.compile(r"\d+(?:\.\d+)?(?:余|多)?(?:万亿|万|亿|千)?(?:余|多)?")
HAN = re.compile(r"[\u4e00-\u9fff]")
NUMERAL = re.compile(r"[\d〇零一二两三四五六七八九十百千万亿余多]")
TAILS = ("以上", "左右", "以内", "以下")
CHANGE = r"增长|增加|提高|提升|下降|降低|减少|达到|突破|超过"
ENDS = re.compile(rf"(?:{'|'.join(TAILS)}|{CHANGE})")
NOT_A_UNIT = re.compile(rf"^[余多年月日号]|[万亿]|{'|'.join(TAILS)}|{CHANGE}|[的和与及或、]")


def train_reports(eval_dir: Path) -> set[str]:
    """The reports the train split's questions and conversations are over."""
    ids = {json.loads(line)["doc_id"] for line in (eval_dir / "train.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    for line in (eval_dir / "conversations" / "train.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            ids.add(json.loads(line)["turns"][0]["doc_id"])
    return ids


def mine(texts: dict[str, str], *, min_count: int, min_ratio: float, min_end: float) -> list[tuple[str, int, float, float]]:
    """The units of these texts (doc id → text), each with its count after figures, its share of all its occurrences
    that stand after a figure, and the share of those that end the phrase."""
    after: collections.Counter[str] = collections.Counter()
    ended: collections.Counter[str] = collections.Counter()
    reports: dict[str, set[str]] = collections.defaultdict(set)
    for doc_id, text in texts.items():
        for m in FIGURE.finditer(text):
            for k in range(1, 5):
                unit = text[m.end() : m.end() + k]
                if len(unit) < k or not HAN.fullmatch(unit[-1]):
                    break
                after[unit] += 1
                reports[unit].add(doc_id)
                rest = text[m.end() + k : m.end() + k + 2]
                ended[unit] += not rest or not HAN.match(rest) or ENDS.match(rest) is not None
    everywhere = "\n".join(texts.values())
    units = []
    for unit, n in after.items():
        if n < min_count or len(reports[unit]) < 2 or NOT_A_UNIT.search(unit):
            continue
        places = [m.start() for m in re.finditer(re.escape(unit), everywhere)]
        ratio = sum(i > 0 and NUMERAL.match(everywhere[i - 1]) is not None for i in places) / len(places)
        end = ended[unit] / n
        if ratio >= min_ratio and end >= min_end:
            units.append((unit, n, round(ratio, 3), round(end, 3)))
    return sorted(units, key=lambda u: (-u[1], u[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "data" / "reports"))
    parser.add_argument("--eval-dir", default=str(ROOT / "eval" / "reports"))
    parser.add_argument("--out", default=str(ROOT / "qa" / "rules" / "units.tsv"))
    parser.add_argument("--min-count", type=int, default=4)
    parser.add_argument("--min-ratio", type=float, default=0.6)
    parser.add_argument("--min-end", type=float, default=0.6)
    args = parser.parse_args()
    train = train_reports(Path(args.eval_dir))
    texts = {d.doc_id: d.text for d in load_corpus(args.corpus) if d.doc_id in train}
    texts |= {d.doc_id: d.text for d in load_corpus(ROOT / "corpus")}
    units = mine(texts, min_count=args.min_count, min_ratio=args.min_ratio, min_end=args.min_end)
    lines = [f"# mined by scripts/mine_units.py from {len(texts)} reports (the development corpus's train split and the seeds);",
             "# unit, figures it follows, share of its occurrences after a figure, share of those ending the phrase",
             *("\t".join(map(str, u)) for u in units)]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(units)} units from {len(texts)} reports → {args.out}")
    for u in units:
        print(*u)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
