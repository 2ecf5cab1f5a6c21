"""Fitting the rules' confidence model (``qa calibrate``): answer the dev questions, record for each the signals of
the best span and whether it was right (an unanswerable question's answer is never right), fit a logistic model and
pick the abstention threshold that maximises dev exact match; also measure the BM25 weight of the fusion. The result
is ``qa/models/calibration.json``."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from qa.models.calibration import FEATURES, Calibration
from qa.rules.question import analyse
from qa.training.evaluate import exact_match, holds_answer
from qa.answering.protocol import Answerer


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 4000, rate: float = 0.5) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by gradient descent; returns (weights, bias)."""
    n, d = x.shape
    w, b = np.zeros(d), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad_w = x.T @ (p - y) / n + l2 * w / n
        grad_b = float(np.mean(p - y))
        w -= rate * grad_w
        b -= rate * grad_b
    return w, b


def best_threshold(confidences: list[float], correct: list[bool], unanswerable: list[bool]) -> float:
    """The threshold maximising exact match: right answers kept plus unanswerable questions abstained."""
    candidates = sorted(set(round(c, 4) for c in confidences)) + [1.01]
    best, best_value = 0.5, -1
    for t in candidates:
        value = sum((c >= t and ok) or (c < t and un) for c, ok, un in zip(confidences, correct, unanswerable))
        if value > best_value:
            best, best_value = t, value
    return best


def calibrate(
    qa: Answerer, items: list[dict], *, weights: tuple[float, ...] = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), splits: Sequence[str] = ("dev",)
) -> Calibration:
    """Measure the fusion weight and fit the confidence model on ``items`` (of ``splits``) with ``qa``'s index."""
    answerable = [item for item in items if item["answerable"]]
    recall: dict[float, tuple[float, float]] = {}
    analysed = [(item, analyse(item["question"])) for item in answerable]
    prepared = [(item, asked, qa.retriever.scores(asked.focus or asked.text), qa.passage_boost(asked)) for item, asked in analysed]
    for weight in weights:
        at1 = at5 = 0
        for item, asked, scores, boost in prepared:
            hits = qa.retriever.rank(scores, 5, lexical_weight=weight, boost=boost)
            found = [holds_answer(h.passage.text, h.passage.doc_id, item) for h in hits]
            at1 += found[0] if found else 0
            at5 += any(found)
        recall[weight] = (at1 / len(prepared), at5 / len(prepared))
    lexical_weight = max(weights, key=lambda w: (recall[w][0], recall[w][1], w))
    raw = qa.with_options(lexical_weight=lexical_weight, calibration=None, abstain_below=0.0)  # the rules' raw signals
    rows, labels, unanswerable = [], [], []
    for item in items:
        result = raw.ask(item["question"])
        signals = result.analysis.get("signals")
        if signals is None:  # abstained before extraction (other district, uncovered year, nothing found)
            continue
        rows.append([signals.get(name, 0.0) for name in FEATURES])
        labels.append(bool(item["answerable"]) and exact_match(result.answer, item["answers"]) == 1.0)
        unanswerable.append(not item["answerable"])
    x, y = np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)
    w, b = fit_logistic(x, y)
    model = Calibration(tuple(round(float(v), 4) for v in w), round(float(b), 4), 0.5, lexical_weight)
    confidences = [model.confidence(dict(zip(FEATURES, row))) for row in rows]
    threshold = best_threshold(confidences, labels, unanswerable)
    notes = "; ".join(f"w={k}: R@1={v[0]:.3f} R@5={v[1]:.3f}" for k, v in recall.items())
    return Calibration(model.weights, model.bias, round(threshold, 4), lexical_weight, fitted_on=f"{len(rows)} questions of {'+'.join(splits)}", notes=notes)
