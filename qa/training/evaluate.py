"""Evaluation: exact match and character F1 (CMRC2018 conventions), citations, retrieval recall, abstention, latency."""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Iterable, Sequence

from qa.rules.question import analyse
from qa.answering.protocol import Answerer

_REQUIRED = ("id", "question", "answers", "doc_id", "type", "answerable")


def available_splits(eval_dir: Path) -> list[str]:
    """The split names in ``eval_dir``: every ``<name>.jsonl`` there, sorted."""
    return sorted(p.stem for p in Path(eval_dir).glob("*.jsonl"))


def load_items(eval_dir: Path, split: str) -> list[dict]:
    """Read ``<eval_dir>/<split>.jsonl``; raises ``ValueError`` naming the line of a malformed item."""
    path = Path(eval_dir) / f"{split}.jsonl"
    if not path.is_file():
        known = ", ".join(available_splits(eval_dir)) or "none"
        raise ValueError(f"no split {split!r} in {eval_dir} (splits there: {known})")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        missing = [k for k in _REQUIRED if k not in item]
        if missing:
            raise ValueError(f"{path}:{number}: missing {missing}")
        items.append(item)
    return items


# The punctuation CMRC2018's evaluation script removes; "." and "%" stay, so 28.4% and 284 differ.
CMRC_PUNCTUATION = set("-:_*^/\\~`+=，。：？！“”；’《》……·、「」（）－～『』")


def normalise_answer(text: str) -> str:
    """CMRC2018 normalisation: lower case, white space and CMRC's punctuation removed; each character a token."""
    return "".join(c for c in (text or "").lower() if not c.isspace() and c not in CMRC_PUNCTUATION)


def _longest_common_substring(a: str, b: str) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for ca in a:
        current = [0] * (len(b) + 1)
        for j, cb in enumerate(b, start=1):
            if ca == cb:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def exact_match(prediction: str | None, golds: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold form."""
    if prediction is None:
        return 0.0
    p = normalise_answer(prediction)
    return float(any(p == normalise_answer(g) for g in golds))


def char_f1(prediction: str | None, golds: Iterable[str]) -> float:
    """Best character F1 over the gold forms, with CMRC2018's longest common substring as the overlap."""
    if prediction is None:
        return 0.0
    p = normalise_answer(prediction)
    best = 0.0
    for gold in golds:
        g = normalise_answer(gold)
        lcs = _longest_common_substring(p, g)
        if lcs:
            precision, recall = lcs / len(p), lcs / len(g)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def holds_answer(passage_text: str, passage_doc: str, item: dict) -> bool:
    """Whether a passage (its text and report) holds the answer of eval ``item``: its evidence or one of its answers."""
    if passage_doc != item["doc_id"]:
        return False
    evidence = item.get("evidence") or ""
    return (bool(evidence) and evidence[:30] in passage_text) or any(a in passage_text for a in item["answers"])


def baseline_sentence(qa: Answerer, question: str, mode: str) -> str | None:
    """A retrieval-only baseline: the sentence of the top passage (by ``mode``) sharing most question terms."""
    hits = qa.retriever.search(question, 1, mode=mode)
    if not hits:
        return None
    passage = hits[0].passage
    terms = set(qa.index.tokenizer(analyse(question).focus))
    pieces = [s for s in re.split(r"(?<=[。！？；])", passage.text) if s.strip()]
    return max(pieces, key=lambda s: sum(t in s for t in terms), default=None)


def run_eval(qa: Answerer, items: list[dict], *, split: str) -> dict:
    """Answer every item with ``qa`` and the two baselines; returns the report (overall, by type, per item)."""
    rows = []
    for item in items:
        history = item.get("history") or []
        started = time.perf_counter()
        result = qa.ask(item["question"], history=history)
        latency = (time.perf_counter() - started) * 1000
        answerable = bool(item["answerable"])
        predicted = result.answer
        em, f1 = score_result(result, item)
        deciders = {}
        for mode, other in qa.compare(item["question"], history=history, modes=("rules", "reader")).items():
            other_em, other_f1 = score_result(other, item)
            deciders[mode] = {"predicted": other.answer, "abstained": other.abstained, "em": other_em, "f1": other_f1}
        if "reader" in deciders:
            deciders["oracle"] = {"em": max(deciders["rules"]["em"], deciders["reader"]["em"]), "abstained": False}
        cited = None
        if answerable and not result.abstained:
            c = result.citations[0]
            doc = qa.document(c.doc_id)
            cited = c.doc_id == item["doc_id"] and doc.text[c.start : c.end] == predicted and doc.text[c.quote_start : c.quote_end] == c.quote
        ranked = [h.passage for h in result.passages]
        # plain retrieval on the whole question, no district or year boost: how each retriever does alone
        scores = qa.retriever.scores(item["question"])
        modes = {}
        for mode in ("bm25", "dense", "fused"):
            top = [h.passage for h in qa.retriever.rank(scores, 5, mode=mode)]
            modes[mode] = [answerable and any(holds_answer(p.text, p.doc_id, item) for p in top[:k]) for k in (1, 5)]
        baselines = {}
        for mode in ("bm25", "dense"):
            sentence = baseline_sentence(qa, item["question"], mode)
            baselines[mode] = {
                "em": exact_match(sentence, item["answers"]) if answerable else 0.0,
                "f1": char_f1(sentence, item["answers"]) if answerable else 0.0,
            }
        rows.append(
            {
                "id": item["id"],
                "question": item["question"],
                "type": item["type"],
                "level": item.get("level"),
                "follow_up": bool(history),
                "answerable": answerable,
                "paraphrased": bool(item.get("paraphrased")),
                "answers": item["answers"],
                "predicted": predicted,
                "abstained": result.abstained,
                "confidence": result.confidence,
                "message": result.message,
                "em": em,
                "f1": f1,
                "citation_ok": cited,
                "recall_at_1": answerable and any(holds_answer(p.text, p.doc_id, item) for p in ranked[:1]),
                "recall_at_5": answerable and any(holds_answer(p.text, p.doc_id, item) for p in ranked[:5]),
                "latency_ms": latency,
                "deciders": {"hybrid": {"predicted": predicted, "abstained": result.abstained, "em": em, "f1": f1}, **deciders},
                "baselines": baselines,
                "retrieval_alone": modes,
            }
        )
    return {
        "split": split,
        "items_count": len(rows),
        "built_with": qa.index.manifest.embedding_model,
        "overall": summarise(rows),
        "by_type": {t: summarise([r for r in rows if r["type"] == t]) for t in sorted({r["type"] for r in rows})},
        "deciders": {"overall": decider_summary(rows), **{t: decider_summary([r for r in rows if r["type"] == t]) for t in sorted({r["type"] for r in rows})}},
        "confidence": confidence_report(rows),
        "paraphrased": summarise([r for r in rows if r["paraphrased"]]),
        "alone": summarise([r for r in rows if not r["follow_up"]]),
        "follow_ups": summarise([r for r in rows if r["follow_up"]]),
        "by_level": {lvl: summarise([r for r in rows if r["level"] == lvl]) for lvl in sorted({r["level"] for r in rows if r["level"]})},
        "items": rows,
    }


def score_result(result, item: dict) -> tuple[float, float]:
    """Exact match and F1 of a result; an unanswerable question is right (1, 1) when it was abstained on."""
    if item["answerable"]:
        return exact_match(result.answer, item["answers"]), char_f1(result.answer, item["answers"])
    return float(result.abstained), float(result.abstained)


def decider_summary(rows: list[dict]) -> dict:
    """Per decider (hybrid, rules, reader, oracle): exact match, F1, and how often it abstains on each kind."""
    out = {}
    for mode in ("hybrid", "rules", "reader", "oracle"):
        have = [r for r in rows if mode in r.get("deciders", {})]
        if not have:
            continue
        d = [r["deciders"][mode] for r in have]
        answerable = [r["deciders"][mode] for r in have if r["answerable"]]
        unanswerable = [r["deciders"][mode] for r in have if not r["answerable"]]
        out[mode] = {
            "n": len(d),
            "em": round(statistics.fmean(x["em"] for x in d), 4),
            "f1": round(statistics.fmean(x.get("f1", x["em"]) for x in d), 4),
            "unanswerable_abstained": round(statistics.fmean(float(x["abstained"]) for x in unanswerable), 4) if unanswerable and mode != "oracle" else None,
            "answerable_abstained": round(statistics.fmean(float(x["abstained"]) for x in answerable), 4) if answerable and mode != "oracle" else None,
        }
    return out


def confidence_report(rows: list[dict]) -> dict:
    """The reliability table of the answers given (confidence bins: count, mean confidence, share right), the
    expected calibration error, and how the answers at confidence 0.9 or more fared."""
    from qa.models.ranker import expected_calibration_error, reliability

    answered = [r for r in rows if not r["abstained"]]
    confidences = [r["confidence"] for r in answered]
    right = [bool(r["em"]) for r in answered]
    high = [ok for c, ok in zip(confidences, right) if c >= 0.9]
    return {
        "bins": reliability(confidences, right),
        "ece": round(expected_calibration_error(confidences, right), 4),
        "at_least_0.9": {"n": len(high), "right": round(statistics.fmean(high), 4) if high else None},
    }


def summarise(rows: list[dict]) -> dict:
    """Aggregate metrics over some rows of a report."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in answerable if not r["abstained"]]
    abstained = [r for r in rows if r["abstained"]]
    latencies = [r["latency_ms"] for r in rows]

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 4) if values else None

    return {
        "n": len(rows),
        "em": mean([r["em"] for r in rows]),
        "f1": mean([r["f1"] for r in rows]),
        "em_answerable": mean([r["em"] for r in answerable]),
        "f1_answerable": mean([r["f1"] for r in answerable]),
        "citation_accuracy": mean([float(r["citation_ok"]) for r in answered]),
        "recall_at_1": mean([float(r["recall_at_1"]) for r in answerable]),
        "recall_at_5": mean([float(r["recall_at_5"]) for r in answerable]),
        "abstain_precision": mean([float(not r["answerable"]) for r in abstained]),
        "abstain_recall": mean([float(r["abstained"]) for r in unanswerable]),
        "answerable_abstained": mean([float(r["abstained"]) for r in answerable]),
        "unanswerable_answered": mean([float(not r["abstained"]) for r in unanswerable]),
        "latency_p50_ms": round(_percentile(latencies, 0.5), 2),
        "latency_p95_ms": round(_percentile(latencies, 0.95), 2),
        **{
            f"{mode}_alone_recall_at_{k}": mean([float(r["retrieval_alone"][mode][i]) for r in answerable])
            for mode in ("bm25", "dense", "fused")
            for i, k in enumerate((1, 5))
        },
        "baseline_bm25_em": mean([r["baselines"]["bm25"]["em"] for r in answerable]),
        "baseline_bm25_f1": mean([r["baselines"]["bm25"]["f1"] for r in answerable]),
        "baseline_dense_em": mean([r["baselines"]["dense"]["em"] for r in answerable]),
        "baseline_dense_f1": mean([r["baselines"]["dense"]["f1"] for r in answerable]),
    }


def render_table(report: dict) -> str:
    """A plain-text table of a report: overall, paraphrased, and each question type."""
    columns = [
        ("n", "n"), ("em", "EM"), ("f1", "F1"), ("citation_accuracy", "cite"), ("recall_at_1", "R@1"), ("recall_at_5", "R@5"),
        ("abstain_precision", "abstP"), ("abstain_recall", "abstR"), ("answerable_abstained", "ans→abst"),
        ("latency_p50_ms", "p50ms"), ("latency_p95_ms", "p95ms"), ("baseline_bm25_f1", "bm25F1"), ("baseline_dense_f1", "denseF1"),
    ]
    o = report["overall"]
    lines = [f"split={report['split']}  items={report['items_count']}  model={report['built_with']}"]
    lines.append(
        "retrieval alone (answerable, R@1/R@5): "
        + "  ".join(f"{m} {o[f'{m}_alone_recall_at_1']:.3f}/{o[f'{m}_alone_recall_at_5']:.3f}" for m in ("bm25", "dense", "fused"))
        + f"  | pipeline (with district/year boosts) {o['recall_at_1']:.3f}/{o['recall_at_5']:.3f}"
    )
    lines.append(f"{'':16}" + "".join(f"{title:>10}" for _, title in columns))
    groups = [("overall", report["overall"]), ("paraphrased", report["paraphrased"])]
    groups += [(name, report[key]) for name, key in (("asked alone", "alone"), ("follow-ups", "follow_ups")) if report.get(key, {}).get("n")]
    groups += [(f"level {lvl}", summary) for lvl, summary in report.get("by_level", {}).items()]
    groups += list(report["by_type"].items())
    for name, summary in groups:
        cells = []
        for key, _ in columns:
            value = summary.get(key)
            cells.append(f"{'-' if value is None else (value if key == 'n' else f'{value:.3f}' if value < 10 else f'{value:.1f}'):>10}")
        lines.append(f"{name:16}" + "".join(cells))
    lines += _render_deciders(report.get("deciders", {}))
    lines += _render_confidence(report.get("confidence"))
    return "\n".join(lines)


HEADLINE_SPLITS = ("holdout", "blind13", "blind14")


def headline_table(reports: Sequence[dict]) -> str:
    """The README's table of current numbers from eval reports (``run_eval``): per split, the hybrid answerer's
    exact match (F1), the rules' alone, and how often each kind of question was abstained on; then how right the
    answers given at confidence 0.9 or more were, over all the splits."""
    lines = ["| split | hybrid EM (F1) | rules alone | unanswerable abstained | answerable abstained |", "|---|---|---|---|---|"]
    high: list[bool] = []
    for report in reports:
        deciders = report.get("deciders", {}).get("overall", {})
        hybrid, rules = deciders.get("hybrid", {}), deciders.get("rules", {})
        lines.append(
            f"| {report['split']} ({report['items_count']}) | {_fmt(hybrid.get('em'), 3)} ({_fmt(hybrid.get('f1'), 3)}) "
            f"| {_fmt(rules.get('em'), 3)} | {_fmt(hybrid.get('unanswerable_abstained'))} | {_fmt(hybrid.get('answerable_abstained'))} |"
        )
        high += [bool(r["em"]) for r in report.get("items", []) if not r["abstained"] and r["confidence"] >= 0.9]
    share = f"{statistics.fmean(high):.3f}" if high else "-"
    lines.append("")
    lines.append(f"Answers given at confidence ≥ 0.9: {len(high)}, right {share}.")
    return "\n".join(lines)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _render_deciders(deciders: dict) -> list[str]:
    """Exact match per decider side by side, with the two abstention rates, overall and by type."""
    if not deciders.get("overall"):
        return []
    modes = list(deciders["overall"])
    lines = ["", "exact match by decider (unanswerable abstained / answerable abstained):", f"{'':16}" + "".join(f"{m:>24}" for m in modes)]
    for group, per in deciders.items():
        cells = []
        for m in modes:
            v = per.get(m)
            if not v:
                cells.append(f"{'-':>24}")
            elif m == "oracle":
                cells.append(f"{v['em']:.3f}".rjust(24))
            else:
                cells.append(f"{v['em']:.3f} ({_fmt(v['unanswerable_abstained'])}/{_fmt(v['answerable_abstained'])})".rjust(24))
        lines.append(f"{group:16}" + "".join(cells))
    return lines


def _render_confidence(conf: dict | None) -> list[str]:
    """The reliability table of the answers given."""
    if not conf:
        return []
    high = conf["at_least_0.9"]
    lines = ["", f"reliability of the answers given (ECE {conf['ece']:.3f}; confidence >= 0.9: {high['n']} answers, right {_fmt(high['right'], 3)}):"]
    for b in conf["bins"]:
        lines.append(f"  {b['from']:.2f}-{b['to']:.2f}  n={b['n']:4d}  mean confidence {_fmt(b['confidence'], 3)}  right {_fmt(b['right'], 3)}")
    return lines
