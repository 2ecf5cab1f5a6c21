"""The learned decision: a conditional logit over a question's candidates and "no answer", and its calibration.

Each candidate's utility is a weighted sum of its features; "no answer" has a utility of its own from the
question's features. A softmax over them gives the probability that each is the right outcome, and the best one
is the decision (counting with it the candidates that overlap it: one figure cut several ways): abstaining is one
of the outcomes, not a separate threshold. The chosen answer's probability is then mapped through an isotonic
calibration fitted on cross-validated predictions, so that a confidence of 0.9 is right about nine times in ten.
Inference is numpy over literal inputs; fitting uses scipy.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.models.candidates import Option

DEFAULT_PATH = Path(__file__).with_name("ranker.json")
GENERAL_PATH = Path(__file__).with_name("ranker-general.json")


def text_fingerprint(text: str) -> str:
    """A report's canonical text as ``length:SHA-256``: how a ranker names the reports it is not for."""
    return f"{len(text)}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def familiar_documents(ranker: "Ranker | None", documents: Sequence) -> frozenset[str]:
    """The ids of the documents (with ``doc_id`` and ``text``) a ranker is not for; only a text of a length it lists
    is hashed, so an index of thousands of reports costs a pass over their lengths."""
    if ranker is None or not ranker.not_for:
        return frozenset()
    lengths = {int(f.split(":", 1)[0]) for f in ranker.not_for}
    return frozenset(d.doc_id for d in documents if len(d.text) in lengths and text_fingerprint(d.text) in ranker.not_for)


Place = tuple[str, int, int, str]  # an option's report, start, end and text


def same_answer_mass(p: np.ndarray, best: int, spans: Sequence[Place]) -> float:
    """The probability of option ``best``'s answer: its own and that of every option printing the same text in the
    same report (7%左右 among the targets and again in the text). Rightness is the text's, so the options printing
    it are one answer."""
    doc, text = spans[best][0], spans[best][3]
    return float(sum(v for span, v in zip(spans, p) if span[0] == doc and span[3] == text))


def best_answer(p: np.ndarray, spans: Sequence[Place]) -> int:
    """The option whose answer is the most probable (``same_answer_mass``; of one answer, its most probable option)."""
    return max(range(len(p)), key=lambda i: (same_answer_mass(p, i, spans), p[i]))


def overlapping_mass(p: np.ndarray, best: int, spans: Sequence[Place]) -> float:
    """The probability that the answer lies in the text of option ``best``: its own and that of every option
    overlapping it in the same report or printing the same text there (``spans``: report, start, end and text per
    option). Probability spread over spans of one figure (6%, 6.5%, 6%－6.5%) is a vote for that figure, not against
    answering."""
    doc, start, end, text = spans[best]
    return float(sum(v for (d, s, e, t), v in zip(spans, p) if d == doc and (s < end and start < e or t == text)))


@dataclass(frozen=True)
class Decision:
    """The ranker's choice: the index of the chosen option (None: no answer), every option's probability (best
    first, in the order given), the no-answer probability and the calibrated confidence in the best option."""

    chosen: int | None
    probabilities: tuple[float, ...]
    null_probability: float
    best: int | None  # the most probable option, also when abstaining
    confidence: float  # calibrated probability that the best option is right


@dataclass(frozen=True)
class Ranker:
    """Weights over named features (standardised), and the isotonic map from probability to confidence."""

    candidate_names: tuple[str, ...]
    question_names: tuple[str, ...]
    candidate_weights: tuple[float, ...]
    question_weights: tuple[float, ...]
    candidate_mean: tuple[float, ...]
    candidate_scale: tuple[float, ...]
    question_mean: tuple[float, ...]
    question_scale: tuple[float, ...]
    calibration_x: tuple[float, ...] = (0.0, 1.0)
    calibration_y: tuple[float, ...] = (0.0, 1.0)
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    # the reports (``text_fingerprint``) this ranker does not decide: those the reader was trained on, whose own
    # ranker was fitted on new questions over them (empty: it decides any report)
    not_for: tuple[str, ...] = ()
    # how it decides to answer: with the options overlapping the best pooled (``overlapping_mass``; how every ranker
    # is fitted now), or the best option alone (how rankers saved before were fitted and calibrated)
    pooled: bool = False
    # the no-answer probability is weighed at this multiple against the answer's (1: the softmax as fitted); chosen
    # on out-of-fold decisions (``qa.training.ranker_data.choose_null_scale``): the fit's penalties make it shy
    null_scale: float = 1.0

    def scores(self, candidates: np.ndarray, question: np.ndarray) -> tuple[np.ndarray, float]:
        """Each candidate's probability of being the right outcome, and that of no answer, from raw (unstandardised)
        features: ``candidates`` is (n, len(candidate_names)), ``question`` is (len(question_names),)."""
        if len(candidates):
            u = ((candidates - np.array(self.candidate_mean)) / np.array(self.candidate_scale)) @ np.array(self.candidate_weights)
        else:
            u = np.zeros(0)
        u0 = float(((question - np.array(self.question_mean)) / np.array(self.question_scale)) @ np.array(self.question_weights))
        top = max(u0, float(u.max()) if len(u) else u0)
        e = np.exp(u - top)
        e0 = float(np.exp(u0 - top))
        z = e.sum() + e0
        return e / z, e0 / z

    def probabilities(self, options: Sequence[Option], question: dict[str, float]) -> tuple[np.ndarray, float]:
        """Each option's probability of being the right outcome, and that of no answer."""
        x = np.array([[o.features.get(n, 0.0) for n in self.candidate_names] for o in options], dtype=np.float64).reshape(len(options), len(self.candidate_names))
        q = np.array([question.get(n, 0.0) for n in self.question_names], dtype=np.float64)
        return self.scores(x, q)

    def calibrate(self, probability: float) -> float:
        """The calibrated confidence for a raw probability (isotonic, interpolated between fitted points)."""
        return float(np.interp(probability, self.calibration_x, self.calibration_y))

    def answer_mass(self, p: np.ndarray, best: int, spans: Sequence[Place]) -> float:
        """What answering with option ``best`` is weighed on against no answer: its probability, pooled with the
        options overlapping it or printing its text in its report when the ranker is ``pooled``."""
        return overlapping_mass(p, best, spans) if self.pooled and spans else float(p[best])

    def answers(self, mass: float, p0: float) -> bool:
        """Whether an answer of probability ``mass`` is given against no answer of probability ``p0``."""
        return mass > self.null_scale * p0

    def best(self, p: np.ndarray, spans: Sequence[Place]) -> tuple[int | None, float]:
        """The best option and the probability its confidence is calibrated on: a ``pooled`` ranker's is the most
        probable answer (the options printing one text in one report together), a ranker saved before that
        fitted the best option alone."""
        if not len(p):
            return None, 0.0
        if self.pooled and spans:
            best = best_answer(p, spans)
            return best, same_answer_mass(p, best, spans)
        best = int(np.argmax(p))
        return best, float(p[best])

    def decide(self, options: Sequence[Option], question: dict[str, float]) -> Decision:
        """The best outcome among the options and no answer: the best option is answered when it is more probable
        than no answer (a ``pooled`` ranker: it and the options sharing text with it, 6% and 6.5% inside 6%－6.5%,
        7%左右 printed twice)."""
        p, p0 = self.probabilities(options, question)
        spans = [(o.doc_id, o.start, o.end, o.text) for o in options]
        best, p_best = self.best(p, spans)
        chosen = best if best is not None and self.answers(self.answer_mass(p, best, spans), p0) else None
        confidence = self.calibrate(p_best) if best is not None else 0.0
        return Decision(chosen, tuple(float(v) for v in p), float(p0), best, confidence)

    def save(self, path: Path = DEFAULT_PATH) -> None:
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> "Ranker | None":
        """The saved ranker, or None when there is none."""
        path = Path(path)
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


# ---------------------------------------------------------------------------------------------------------------
# fitting


@dataclass(frozen=True)
class Group:
    """One question's options for fitting: candidate features, question features, which candidates are right."""

    qid: str
    split: str
    candidates: np.ndarray  # (n, d)
    question: np.ndarray  # (q,)
    correct: np.ndarray  # (n,) bool
    answerable: bool
    spans: tuple[Place, ...] = ()  # each candidate's report, start, end and text (``overlapping_mass``)


def _pad(groups: Sequence[Group]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = max((len(g.candidates) for g in groups), default=0)
    d = groups[0].candidates.shape[1] if groups and groups[0].candidates.ndim == 2 else 0
    x = np.zeros((len(groups), max(n, 1), d))
    mask = np.zeros((len(groups), max(n, 1)), dtype=bool)
    right = np.zeros((len(groups), max(n, 1)), dtype=bool)
    q = np.stack([g.question for g in groups])
    null_right = np.array([not g.correct.any() for g in groups])
    for i, g in enumerate(groups):
        k = len(g.candidates)
        if k:
            x[i, :k] = g.candidates
            mask[i, :k] = True
            right[i, :k] = g.correct
    return x, mask, right, q, null_right


def _standardisation(values: np.ndarray, names: Sequence[str], prior_names: Sequence[str], prior_mean: Sequence[float],
                     prior_scale: Sequence[float], prior_weights: Sequence[float], l2: float,
                     l2_new: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each feature's mean, scale, prior weight and penalty: the prior ranker's standardisation and weight with
    ``l2`` for a feature it knows, else the data's mean and scale, a prior weight of 0 and ``l2_new``."""
    mean, scale = values.mean(0), values.std(0) + 1e-6
    theta0, penalty = np.zeros(len(names)), np.full(len(names), l2_new)
    for i, name in enumerate(names):
        if name in prior_names:
            j = list(prior_names).index(name)
            mean[i], scale[i], theta0[i], penalty[i] = prior_mean[j], prior_scale[j], prior_weights[j], l2
    return mean, scale, theta0, penalty


def fit(groups: Sequence[Group], candidate_names: Sequence[str], question_names: Sequence[str], *, l2: float = 1.0,
        prior: "Ranker | None" = None, l2_new: float | None = None) -> Ranker:
    """Fit the conditional logit by maximum likelihood (the right outcomes' total probability; "no answer" is right
    when no candidate is) with an L2 penalty, on standardised features. Calibration is left as the identity.

    With a ``prior`` ranker, the features it knows keep its standardisation and the penalty pulls the weights
    towards its weights instead of towards 0: a fit on new data that moves the old decision only as far as the
    data asks. Features it does not know start from 0 with the penalty ``l2_new`` (default ``l2``)."""
    from scipy.optimize import minimize

    rows = np.concatenate([g.candidates for g in groups if len(g.candidates)])
    qs = np.stack([g.question for g in groups])
    known = prior if prior is not None else Ranker((), (), (), (), (), (), (), ())
    l2_new = l2 if l2_new is None else l2_new
    c_mean, c_scale, w0, lw = _standardisation(rows, candidate_names, known.candidate_names, known.candidate_mean,
                                               known.candidate_scale, known.candidate_weights, l2, l2_new)
    q_mean, q_scale, v0, lv = _standardisation(qs, question_names, known.question_names, known.question_mean,
                                               known.question_scale, known.question_weights, l2, l2_new)
    lv = lv[1:]  # the no-answer bias is not penalised
    q_mean[list(question_names).index("bias")] = 0.0
    q_scale[list(question_names).index("bias")] = 1.0
    standard = [Group(g.qid, g.split, (g.candidates - c_mean) / c_scale if len(g.candidates) else g.candidates,
                      (g.question - q_mean) / q_scale, g.correct, g.answerable) for g in groups]
    x, mask, right, q, null_right = _pad(standard)
    d = x.shape[2]
    n = len(groups)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, v = theta[:d], theta[d:]
        u = np.where(mask, x @ w, -np.inf)
        u0 = q @ v
        top = np.maximum(u.max(1), u0)
        e = np.where(mask, np.exp(u - top[:, None]), 0.0)
        e0 = np.exp(u0 - top)
        z = e.sum(1) + e0
        er = np.where(right, e, 0.0)
        zr = er.sum(1) + np.where(null_right, e0, 0.0)
        dw, dv = w - w0, v[1:] - v0[1:]
        loss = -np.sum(np.log(zr) - np.log(z)) / n + (lw @ (dw * dw) + lv @ (dv * dv)) / (2 * n)
        p, p0 = e / z[:, None], e0 / z
        pr, pr0 = er / zr[:, None], np.where(null_right, e0, 0.0) / zr
        gw = -np.einsum("ij,ijk->k", pr - p, x) / n + lw * dw / n
        gv = -((pr0 - p0) @ q) / n
        gv[1:] += lv * dv / n
        return loss, np.concatenate([gw, gv])

    result = minimize(objective, np.concatenate([w0, v0]), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    theta = result.x
    return Ranker(
        tuple(candidate_names), tuple(question_names), tuple(float(v) for v in theta[:d]), tuple(float(v) for v in theta[d:]),
        tuple(float(v) for v in c_mean), tuple(float(v) for v in c_scale), tuple(float(v) for v in q_mean), tuple(float(v) for v in q_scale),
        meta={"converged": bool(result.success), "loss": float(result.fun), "l2": l2, "questions": n, "prior": prior is not None, "l2_new": l2_new},
        pooled=True,
    )


def isotonic(x: Sequence[float], y: Sequence[float]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Pool-adjacent-violators: the non-decreasing step fit of ``y`` on ``x``, as interpolation points."""
    order = np.argsort(np.asarray(x, dtype=np.float64), kind="stable")
    xs = np.asarray(x, dtype=np.float64)[order]
    ys = np.asarray(y, dtype=np.float64)[order]
    blocks: list[list[float]] = []  # [sum of y, count, min x, max x]
    for xi, yi in zip(xs, ys):
        blocks.append([yi, 1.0, xi, xi])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c, lo, hi = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
            blocks[-1][3] = hi
    px, py = [], []
    for s, c, lo, hi in blocks:
        px += [lo, hi]
        py += [s / c, s / c]
    return tuple(float(v) for v in px), tuple(float(v) for v in py)


def reliability(confidences: Sequence[float], correct: Sequence[bool], edges: Sequence[float] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)) -> list[dict]:
    """Per confidence bin: how many answers and what share of them was right."""
    c = np.asarray(confidences, dtype=np.float64)
    r = np.asarray(correct, dtype=bool)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (c >= lo) & (c < hi)
        rows.append({"from": lo, "to": min(hi, 1.0), "n": int(inside.sum()),
                     "confidence": round(float(c[inside].mean()), 4) if inside.any() else None,
                     "right": round(float(r[inside].mean()), 4) if inside.any() else None})
    return rows


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """The mean gap between confidence and share right over equal-width bins, weighted by their counts."""
    c = np.asarray(confidences, dtype=np.float64)
    r = np.asarray(correct, dtype=np.float64)
    if not len(c):
        return 0.0
    which = np.minimum((c * bins).astype(int), bins - 1)
    return float(sum(abs(c[which == b].mean() - r[which == b].mean()) * (which == b).sum() for b in range(bins) if (which == b).any()) / len(c))
