"""The CPU recipe of issue 26: continue the shipped reader's domain stage on the development corpus's train split.

No GPU is needed: the shipped adapter (stage 1 on open data, stage 2 on the 14 read seed splits) is loaded and
trained a little further on the windows the pipeline gives the reader for the questions of
``eval/reports/train.jsonl`` (reports no dev or test question is over), with a replay sample of the seed splits'
windows so that it does not forget them. The reader alone is scored (best span, never abstaining, answerable
questions) on ``eval/reports/dev.jsonl`` before and after; test and the seeds' unread splits are never read.

    python scripts/continue_reader.py --dev-index /tmp/index-dev --out build/reader-cont [--epochs 1 --lr 1e-4]

Then ``QA_READER=build/reader-cont/reader.safetensors qa eval ...`` measures the whole pipeline with it. For the
general ranker's refit, ``--fold k --folds 4 --out build/reader-folds/fold<k>`` trains without the reports of fold k
(``ranker_data.report_folds``, as ``qa train-ranker --split`` groups them; dev is not scored), and
``qa train-ranker --split train --fold-readers build/reader-folds`` reads each fold with the reader that did not see it.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answering.pipeline import QA, load_reader  # noqa: E402
from qa.index.embedding import resolve_model  # noqa: E402
from qa.models.reader import DEFAULT_ADAPTER, base_fingerprint, build_span_model, load_encoder  # noqa: E402
from qa.training.evaluate import load_items  # noqa: E402
from qa.training.ranker_data import report_folds  # noqa: E402
from qa.training.reader_data import UNREAD_SPLITS, bundle_rows, read_splits  # noqa: E402
from qa.training.reader_train import (  # noqa: E402
    Recipe, add_lora, domain_examples, featurize, predict_best, save_adapter, score_predictions, train_stage,
)


def load_adapter(model, lora_names, path: Path) -> None:
    """Put the shipped adapter's LoRA and head weights into a freshly wrapped model."""
    import torch
    from safetensors.torch import load_file

    tensors = load_file(str(path))
    with torch.no_grad():
        model.head.weight.copy_(tensors["head.weight"].float())
        model.head.bias.copy_(tensors["head.bias"].float())
        for name in lora_names:
            layer = model.encoder.get_submodule(name)
            layer.A.copy_(tensors[f"lora.{name}.A"].float())
            layer.B.copy_(tensors[f"lora.{name}.B"].float())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-index", required=True, help="the index of data/reports (qa index --corpus data/reports --index …)")
    parser.add_argument("--out", default=str(ROOT / "build" / "reader-cont"))
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--replay", type=int, default=300, help="seed questions replayed beside the new ones")
    parser.add_argument("--limit", type=int, default=0, help="at most this many train questions (a quick check)")
    parser.add_argument("--fold", type=int, help="leave out the train questions over the reports of this fold")
    parser.add_argument("--folds", type=int, default=4, help="as many as qa train-ranker uses (the reader recipe's)")
    parser.add_argument("--bf16", action="store_true",
                        help="train in bfloat16 autocast on the CPU (several times faster where it has AMX or AVX512-BF16)")
    args = parser.parse_args()
    import torch
    from transformers import AutoTokenizer

    started = time.perf_counter()
    recipe = replace(Recipe(), batch_size=32)
    torch.manual_seed(recipe.seed)
    reports = QA.load(Path(args.dev_index), corpus_dir=ROOT / "data" / "reports", reader=load_reader())
    train_items = load_items(ROOT / "eval" / "reports", "train")
    if args.fold is not None:
        fold_of = report_folds(ROOT / "eval" / "reports", "train", args.folds)
        train_items = [item for item in train_items if fold_of[item["doc_id"]] != args.fold]
    if args.limit:
        train_items = train_items[: args.limit]
    train = bundle_rows(reports, train_items, "reports-train")
    dev = bundle_rows(reports, load_items(ROOT / "eval" / "reports", "dev"), "reports-dev") if args.fold is None else []
    seeds = QA.load(ROOT / "index", corpus_dir=ROOT / "corpus", reader=load_reader())
    seed_items = [(split, item) for split in read_splits(p.stem for p in (ROOT / "eval").glob("*.jsonl"))
                  for item in load_items(ROOT / "eval", split)]
    assert not any(split in UNREAD_SPLITS for split, _ in seed_items)
    replayed = random.Random(recipe.seed).sample(seed_items, min(args.replay, len(seed_items)))
    replay = [row for split, item in replayed for row in bundle_rows(seeds, [item], split)]
    print(f"bundles: train {len(train)} questions, dev {len(dev)}, replay {len(replay)} ({time.perf_counter() - started:.0f} s)")

    base = resolve_model("m3e-small")
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    encoder = load_encoder(base)
    fingerprint = base_fingerprint(encoder.state_dict())
    lora_names = add_lora(encoder, recipe.lora_rank, recipe.lora_alpha, recipe.lora_dropout)
    model = build_span_model(encoder)
    load_adapter(model, lora_names, DEFAULT_ADAPTER)
    model.eval()

    def dev_score() -> dict:
        if not dev:
            return {}
        golds = {row["id"]: row["golds"] for row in dev if row["golds"]}
        examples = [e for e in domain_examples(dev, added=False) if e.qid in golds]
        best = predict_best(model, tokenizer, examples, max_length=recipe.domain_max_length, stride=recipe.domain_stride, device="cpu")
        return score_predictions(best, golds)

    before = dev_score()
    print(f"reader alone on reports dev before: {before}")
    feats = featurize(tokenizer, domain_examples(train + replay), recipe.domain_max_length, recipe.domain_stride)
    print(f"training on {len(feats['input_ids'])} pieces, {args.epochs} epochs at lr {args.lr}")
    timing = train_stage(model, feats, epochs=args.epochs, lr=args.lr, recipe=recipe, device="cpu", seed=recipe.seed, log=print,
                         cpu_bf16=args.bf16)
    after = dev_score()
    print(f"reader alone on reports dev after: {after}")
    out = Path(args.out)
    card = {"continued_from": "qa/models/reader.safetensors", "fold": args.fold, "folds": args.folds, "train_questions": len(train), "replay_questions": len(replay),
            "epochs": args.epochs, "lr": args.lr, "bf16": args.bf16, "timing": timing, "dev_before": before, "dev_after": after,
            "threads": torch.get_num_threads(), "seconds": round(time.perf_counter() - started, 1)}
    save_adapter(out / "reader.safetensors", model, lora_names, recipe, fingerprint,
                 {"name": "reader-continued", "trained_on_splits": ["reports-train", *sorted({s for s, _ in replayed})], "data": card})
    (out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(card, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
