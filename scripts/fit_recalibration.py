"""Fit the stated-confidence map (qa/models/recalibration.json) on the development corpus's train split.

Reads the answered rows of ``eval/reports/results/train.json`` and ``conversations-train.json`` (written by
``qa eval --corpus data/reports --index … --eval-dir eval/reports --split train`` and the same with
``--conversations``, run with no recalibration.json in place), fits an isotonic map from the computed confidence to
the share right, and prints the reliability before and after on the train rows and on the dev rows (the same files
for dev), which are not fitted on. Test and the seeds' unread splits are never read.

    python scripts/fit_recalibration.py [--write]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.models.ranker import expected_calibration_error, isotonic, reliability  # noqa: E402
from qa.models.recalibration import DEFAULT_PATH, Recalibration  # noqa: E402

RESULTS = ROOT / "eval" / "reports" / "results"


def answered(split: str) -> list[tuple[float, bool]]:
    """(confidence, right) of every answer given, single questions and conversation turns."""
    rows = []
    for name in (f"{split}.json", f"conversations-{split}.json"):
        report = json.loads((RESULTS / name).read_text(encoding="utf-8"))
        rows += [(r["confidence"], bool(r["em"])) for r in report["items"] if not r["abstained"]]
    return rows


def describe(label: str, pairs: list[tuple[float, bool]]) -> dict:
    confidences, right = [c for c, _ in pairs], [r for _, r in pairs]
    high = [r for c, r in pairs if c >= 0.9]
    out = {"n": len(pairs), "ece": round(expected_calibration_error(confidences, right), 4),
           "at_least_0.9": {"n": len(high), "right": round(sum(high) / len(high), 4) if high else None},
           "bins": reliability(confidences, right)}
    print(f"{label}: n {out['n']}, ECE {out['ece']}, >= 0.9: {out['at_least_0.9']}")
    for b in out["bins"]:
        print(f"   {b['from']:.2f}-{b['to']:.2f}  n {b['n']:4}  confidence {b['confidence']}  right {b['right']}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DEFAULT_PATH.name}")
    args = parser.parse_args()
    if DEFAULT_PATH.exists() and not args.write:
        print(f"note: {DEFAULT_PATH} exists; the results must have been written without it", file=sys.stderr)
    train, dev = answered("train"), answered("dev")
    xs, ys = isotonic([c for c, _ in train], [float(r) for _, r in train])
    xs, ys = (0.0, *xs, 1.0), (0.0, *ys, ys[-1])  # defined over the whole range 0..1
    keep = [0] + [i for i in range(1, len(xs)) if xs[i] > xs[i - 1]]  # interpolation wants distinct points
    xs, ys = tuple(round(xs[i], 6) for i in keep), tuple(round(ys[i], 6) for i in keep)
    ys = tuple(max(ys[: i + 1]) for i in range(len(ys)))
    recalibration = Recalibration(xs, ys, "eval/reports train: questions and conversation turns answered")
    notes = {"train_before": describe("train before", train),
             "train_after": describe("train after", [(recalibration(c), r) for c, r in train]),
             "dev_before": describe("dev before", dev),
             "dev_after": describe("dev after", [(recalibration(c), r) for c, r in dev])}
    if args.write:
        Recalibration(xs, ys, recalibration.fitted_on, {k: {key: v[key] for key in ("n", "ece", "at_least_0.9")} for k, v in notes.items()}).save()
        print(f"wrote {DEFAULT_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
