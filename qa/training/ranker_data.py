"""The ranker's training data and its fitting with cross-validation grouped by eval split.

For each question of a read split, the candidates and features the pipeline produces with a reader that was not
trained on that split (the per-fold adapters of ``qa train-reader``), each candidate marked right or wrong by exact
match. The ranker is fitted on them, its regularisation chosen and its calibration fitted on predictions for
splits it was not fitted on; unread splits are never touched.
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from qa.training.evaluate import exact_match
from qa.models.ranker import Group, Ranker, expected_calibration_error, fit, isotonic, reliability, text_fingerprint
from qa.answering.protocol import Answerer

logger = logging.getLogger(__name__)

L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
PRIOR_L2_GRID = (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0)  # towards a prior ranker: up to keeping it
NULL_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)  # how much no answer may be discounted against an answer (``Ranker.null_scale``)


def collect(qa: Answerer, items: Sequence[dict], split: str) -> tuple[list[dict], list[dict]]:
    """One row per question the pipeline does not refuse outright (its candidates with features and rightness),
    and one per question it refuses (chit-chat, another district, a year not covered), which the ranker never sees."""
    rows, refused = [], []
    for item in items:
        seen = qa.deliberate(item["question"], history=item.get("history") or [])
        if seen.refusal is not None:
            refused.append({"id": item["id"], "split": split, "answerable": bool(item["answerable"])})
            continue
        _, _, options, question = qa.options(seen)
        golds = item["answers"] if item["answerable"] else []
        rows.append({
            "id": item["id"], "split": split, "answerable": bool(item["answerable"]), "type": item["type"], "question": question,
            "options": [{"text": o.text, "doc_id": o.doc_id, "start": o.start, "end": o.end, "features": o.features,
                         "right": bool(golds) and exact_match(o.text, golds) == 1.0} for o in options],
        })
    return rows, refused


MIN_SUPPORT = 20  # a feature no prior ranker knows is fitted only if it is non-zero for at least this many questions


def feature_names(rows: Sequence[dict], known: Sequence[str] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The candidate and question feature names, in a fixed order ("bias" first among the question's): those in
    ``known`` (a prior ranker's) and those non-zero for at least ``MIN_SUPPORT`` questions. A feature seen on one or
    two questions would be standardised by a tiny spread and its weight fitted to them alone."""
    def support(values_of) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in rows:
            for k in {k for values in values_of(r) for k, v in values.items() if v}:
                counts[k] = counts.get(k, 0) + 1
        return counts

    kept = set(known)
    for counts in (support(lambda r: [o["features"] for o in r["options"]]), support(lambda r: [r["question"]])):
        kept |= {k for k, n in counts.items() if n >= MIN_SUPPORT}
    candidate = sorted({k for r in rows for o in r["options"] for k in o["features"]} & kept)
    question = sorted(({k for r in rows for k in r["question"]} & kept) - {"bias"})
    return tuple(candidate), ("bias", *question)


def to_groups(rows: Sequence[dict], candidate_names: Sequence[str], question_names: Sequence[str]) -> list[Group]:
    groups = []
    for r in rows:
        x = np.array([[o["features"].get(n, 0.0) for n in candidate_names] for o in r["options"]], dtype=np.float64).reshape(len(r["options"]), len(candidate_names))
        q = np.array([r["question"].get(n, 0.0) for n in question_names], dtype=np.float64)
        groups.append(Group(r["id"], r["split"], x, q, np.array([o["right"] for o in r["options"]], dtype=bool), r["answerable"],
                            tuple((o["doc_id"], o["start"], o["end"], o["text"]) for o in r["options"])))
    return groups


def _predict(ranker: Ranker, group: Group) -> tuple[int | None, float, float, int | None, float]:
    """(chosen option or None, best option's probability, no-answer probability, best option, the probability
    answering with it is weighed on) for a group."""
    p, p0 = ranker.scores(group.candidates, group.question)
    best, p_best = ranker.best(p, group.spans)
    mass = ranker.answer_mass(p, best, group.spans) if best is not None else 0.0
    answers = best is not None and ranker.answers(mass, p0)
    return (best if answers else None), p_best, float(p0), best, mass


def cross_validate(groups: Sequence[Group], names: tuple[Sequence[str], Sequence[str]], fold_of: Callable[[str], int], l2: float,
                   prior: Ranker | None = None, l2_new: float | None = None) -> list[dict]:
    """Out-of-fold predictions: each fold's questions decided by a ranker fitted on the other folds."""
    out = []
    folds = sorted({fold_of(g.split) for g in groups})
    for k in folds:
        train = [g for g in groups if fold_of(g.split) != k]
        ranker = fit(train, *names, l2=l2, prior=prior, l2_new=l2_new)
        for g in (g for g in groups if fold_of(g.split) == k):
            chosen, p_best, p0, best, mass = _predict(ranker, g)
            out.append({"id": g.qid, "split": g.split, "fold": k, "answerable": g.answerable, "chosen": chosen, "best": best,
                        "p_best": p_best, "p_null": p0, "mass": mass, "best_right": bool(best is not None and g.correct[best]),
                        "right": bool(g.correct[chosen]) if chosen is not None else not g.answerable,
                        "oracle": bool(g.correct.any()) or not g.answerable})
    return out


def cross_fitted_confidence(predictions: list[dict]) -> list[float]:
    """Each prediction's confidence from an isotonic map fitted on the other folds' predictions only."""
    confidences = []
    for p in predictions:
        others = [q for q in predictions if q["fold"] != p["fold"] and q["best"] is not None]
        xs, ys = isotonic([q["p_best"] for q in others], [float(q["best_right"]) for q in others])
        confidences.append(float(np.interp(p["p_best"], xs, ys)) if p["best"] is not None else 0.0)
    return confidences


def summary(predictions: Sequence[dict], refused: Sequence[dict] = ()) -> dict:
    """Exact match and abstention over the decided questions plus those refused outright (abstentions)."""
    rows = list(predictions) + [{"answerable": r["answerable"], "chosen": None, "right": not r["answerable"], "oracle": not r["answerable"]} for r in refused]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    return {
        "n": len(rows),
        "em": round(float(np.mean([r["right"] for r in rows])), 4),
        "oracle": round(float(np.mean([r["oracle"] for r in rows])), 4),
        "unanswerable_abstained": round(float(np.mean([r["chosen"] is None for r in unanswerable])), 4) if unanswerable else None,
        "answerable_abstained": round(float(np.mean([r["chosen"] is None for r in answerable])), 4) if answerable else None,
    }


def choose_null_scale(predictions: Sequence[dict], refused: Sequence[dict] = (), scales: Sequence[float] = NULL_SCALES) -> tuple[float, dict[str, float]]:
    """The ``Ranker.null_scale`` with the most out-of-fold questions right (answered right, or unanswerable and not
    answered), the largest of equals (nearest the fit), and each scale's exact match. ``predictions`` are
    ``cross_validate``'s (fold rankers deciding at scale 1, so each records its answer's and no answer's mass)."""
    def em(scale: float) -> float:
        right = [(p["best_right"] if p["best"] is not None and p["mass"] > scale * p["p_null"] else not p["answerable"]) for p in predictions]
        right += [not r["answerable"] for r in refused]
        return round(float(np.mean(right)), 4) if right else 0.0
    ems = {str(scale): em(scale) for scale in scales}
    return max(scales, key=lambda v: (ems[str(v)], v)), ems


def with_null_scale(ranker: Ranker, rows: Sequence[dict], refused: Sequence[dict], fold_of: Callable[[str], int],
                    prior: Ranker | None = None) -> Ranker:
    """``ranker`` with its ``null_scale`` chosen on out-of-fold decisions of rankers fitted as it was (its features
    and penalties) on ``rows``; its weights and calibration are kept."""
    groups = to_groups(rows, ranker.candidate_names, ranker.question_names)
    l2, l2_new = float(ranker.meta.get("l2", 3.0)), ranker.meta.get("l2_new")
    predictions = cross_validate(groups, (ranker.candidate_names, ranker.question_names), fold_of, l2, prior, l2_new)
    scale, ems = choose_null_scale(predictions, refused)
    return replace(ranker, null_scale=scale, meta={**ranker.meta, "null_scale": {"chosen": scale, "out_of_fold_em": ems}})


def train_ranker(rows: Sequence[dict], refused: Sequence[dict], fold_of: Callable[[str], int], *, prior: Ranker | None = None,
                 penalties: Sequence[float] | None = None, l2_new: float | None = None,
                 log: Callable[[str], None] = logger.info) -> tuple[Ranker, dict]:
    """Choose the L2 penalty among ``penalties`` by grouped cross-validation, fit on everything, calibrate on
    out-of-fold predictions. With a ``prior`` ranker the penalty pulls towards its weights, and the features it does
    not know have the penalty ``l2_new`` (``fit``). Returns the ranker and a report (the grid, the out-of-fold
    summary and reliability table)."""
    names = feature_names(rows, (*prior.candidate_names, *prior.question_names) if prior is not None else ())
    groups = to_groups(rows, *names)
    grid = {}
    penalties = penalties or (PRIOR_L2_GRID if prior is not None else L2_GRID)
    for l2 in penalties:
        grid[l2] = cross_validate(groups, names, fold_of, l2, prior, l2_new)
        log(f"l2={l2}: out-of-fold {summary(grid[l2], refused)}")
    l2 = max(penalties, key=lambda v: (summary(grid[v], refused)["em"], v))
    predictions = grid[l2]
    confidences = cross_fitted_confidence(predictions)
    answered = [(c, p["right"]) for c, p in zip(confidences, predictions) if p["chosen"] is not None]
    report = {
        "l2": l2,
        "grid": {str(k): summary(v, refused) for k, v in grid.items()},
        "out_of_fold": summary(predictions, refused),
        "reliability_cross_fitted": reliability([c for c, _ in answered], [r for _, r in answered]),
        "ece_cross_fitted": round(expected_calibration_error([c for c, _ in answered], [r for _, r in answered]), 4),
        "questions": len(rows), "refused_outright": len(refused),
    }
    null_scale, report["null_scale_out_of_fold_em"] = choose_null_scale(predictions, refused)
    report["null_scale"] = null_scale
    ranker = replace(fit(groups, *names, l2=l2, prior=prior, l2_new=l2_new), null_scale=null_scale)
    xs, ys = isotonic([p["p_best"] for p in predictions if p["best"] is not None], [float(p["best_right"]) for p in predictions if p["best"] is not None])
    meta = {**ranker.meta, "fitted_on": sorted({r["split"].split("/")[0] for r in rows}), "report": report}
    return Ranker(**{**ranker.__dict__, "calibration_x": xs, "calibration_y": ys, "meta": meta}), report


def report_folds(eval_dir: Path, split: str, folds: int) -> dict[str, int]:
    """Each report of a split's questions and of its conversations' first turns, with its fold: the i-th report id
    in sorted order goes to fold i mod ``folds`` (how ``qa train-ranker --split`` and the per-fold readers group)."""
    from qa.training.conversations import load_conversations
    from qa.training.evaluate import load_items

    doc_ids = {item["doc_id"] for item in load_items(Path(eval_dir), split)}
    if (Path(eval_dir) / "conversations" / f"{split}.jsonl").is_file():
        doc_ids |= {c["turns"][0]["doc_id"] for c in load_conversations(Path(eval_dir), split)}
    return {doc_id: i % folds for i, doc_id in enumerate(sorted(doc_ids))}


def familiar_fingerprints(eval_dir: Path, corpus_dir: Path, card: Path) -> tuple[str, ...]:
    """The ``text_fingerprint`` of every report the reader was trained on: those that the questions of its model
    card's domain splits (in ``eval_dir``) are over, read from ``corpus_dir``."""
    from qa.ingest.corpus import load_corpus
    from qa.training.evaluate import load_items

    splits = json.loads(Path(card).read_text(encoding="utf-8"))["data"]["domain_splits"]
    doc_ids = {item["doc_id"] for split in splits for item in load_items(Path(eval_dir), split) if item.get("doc_id")}
    return tuple(sorted(text_fingerprint(d.text) for d in load_corpus(corpus_dir) if d.doc_id in doc_ids))


def write_rows(rows: Sequence[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
