"""Training the span reader: open Chinese reading comprehension first, then our own questions' windows.

Stage 1 reads CMRC2018 and DRCD (``data/reader``); stage 2 reads, for each question of the read eval splits, the
windows the pipeline would give the reader, each labelled with the gold span or as holding no answer. Only a LoRA
adapter on the encoder's linear layers and the span head are trained (or, with ``lora_rank=0``, everything).
Besides the shipped adapter, one adapter per fold of the read splits is trained on the other folds, so that the
ranker learns from reader scores on questions the reader has not seen. Seeded; CUDA when there is one.

Imports only torch, transformers and numpy (no jieba, no FAISS), so it runs on a bare accelerator machine from a
prepared domain file.
"""
from __future__ import annotations

import copy
import gzip
import json
import logging
import math
import platform
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from qa.training.evaluate import char_f1, exact_match
from qa.models.reader import (
    ADAPTER_FORMAT, LORA_TARGETS, Window, base_fingerprint, batch_from_encoding, build_span_model, load_encoder, pieces_from_batch, reader_question, DECODING,
)

logger = logging.getLogger(__name__)

OPEN_FILES = ("cmrc2018_trial", "cmrc2018_dev", "drcd_dev", "drcd_test")


@dataclass(frozen=True)
class Example:
    """One context to read for a question: the answer's character offset in it, or -1 when it holds none."""

    qid: str
    question: str
    context: str
    answer_start: int = -1
    answer_text: str = ""
    group: str = ""  # the eval split a domain example comes from; "" for open data


@dataclass(frozen=True)
class Recipe:
    """How a reader is trained; the defaults are the shipped reader's."""

    seed: int = 13
    max_length: int = 384  # stage 1 (open data: long contexts, read in strided windows)
    stride: int = 128
    domain_max_length: int = 256  # stage 2 and inference: one passage and the question
    domain_stride: int = 64  # a passage longer than a window is read in pieces overlapping by this many tokens
    lora_rank: int = 32  # 0: fine-tune every weight instead
    lora_alpha: int = 64
    lora_dropout: float = 0.05
    open_epochs: float = 12
    open_lr: float = 1e-3
    domain_epochs: float = 8
    domain_lr: float = 3e-4
    batch_size: int = 64
    warmup: float = 0.06
    weight_decay: float = 0.01
    folds: int = 4
    open_heldout_contexts: int = 100  # CMRC2018 dev contexts kept out of training to score the open-domain reader
    max_open: int | None = None  # cap on open examples (for a quick run)
    max_domain: int | None = None


QUICK = {"max_open": 16, "max_domain": 12, "open_epochs": 1, "domain_epochs": 1, "folds": 2, "batch_size": 8,
         "max_length": 128, "stride": 48, "domain_max_length": 128, "open_heldout_contexts": 4}


# ---------------------------------------------------------------------------------------------------------------
# data


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def open_examples(data_dir: Path, names: Sequence[str] = OPEN_FILES) -> list[Example]:
    """The open reading-comprehension questions (first answer form as the target)."""
    examples = []
    for name in names:
        for row in read_jsonl_gz(Path(data_dir) / f"{name}.jsonl.gz"):
            answer = row["answers"][0]
            examples.append(Example(f"{name}:{row['id']}", row["question"], row["context"], answer["start"], answer["text"], group=name))
    return examples


def split_open(examples: list[Example], heldout_contexts: int, seed: int) -> tuple[list[Example], list[Example]]:
    """Keep ``heldout_contexts`` CMRC2018 dev contexts (all their questions) out of training, to score on."""
    contexts = sorted({e.context for e in examples if e.group == "cmrc2018_dev"})
    random.Random(seed).shuffle(contexts)
    held = set(contexts[:heldout_contexts])
    return [e for e in examples if e.context not in held], [e for e in examples if e.context in held]


def domain_examples(bundle: Iterable[dict], *, added: bool = True) -> list[Example]:
    """Windows of the domain bundle as examples; windows marked ambiguous (answer_start -2) are left out, and with
    ``added=False`` so are the gold windows added for training that the pipeline would not have read."""
    out = []
    for row in bundle:
        for w in row["windows"]:
            if w["answer_start"] == -2 or (w.get("added") and not added):
                continue
            out.append(Example(row["id"], row["question"], w["text"], w["answer_start"], w.get("answer_text", ""), group=row["split"]))
    return out


def fold_of(split: str, splits: Sequence[str], folds: int) -> int:
    """Folds group whole splits: the i-th split in name order goes to fold i mod ``folds``."""
    return sorted(splits).index(split) % folds


# ---------------------------------------------------------------------------------------------------------------
# features


def featurize(tokenizer, examples: Sequence[Example], max_length: int, stride: int) -> dict[str, np.ndarray]:
    """Token ids (padded to ``max_length``) and start/end token labels; a piece without the answer points at [CLS]."""
    ids, types, masks, starts, ends, owner = [], [], [], [], [], []
    step = 512
    for k in range(0, len(examples), step):
        chunk = examples[k : k + step]
        enc = tokenizer(
            [reader_question(e.question) for e in chunk], [e.context for e in chunk], truncation="only_second", max_length=max_length,
            stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True, padding="max_length",
        )
        for p in range(len(enc["input_ids"])):
            e = chunk[enc["overflow_to_sample_mapping"][p]]
            seq = enc.sequence_ids(p)
            offsets = enc["offset_mapping"][p]
            s = t = 0
            if e.answer_start >= 0:
                a, b = e.answer_start, e.answer_start + len(e.answer_text)
                ctx = [i for i, v in enumerate(seq) if v == 1]
                if ctx and offsets[ctx[0]][0] <= a and offsets[ctx[-1]][1] >= b:
                    s = next(i for i in ctx if offsets[i][1] > a)
                    t = max(i for i in ctx if offsets[i][0] < b)
            ids.append(enc["input_ids"][p])
            types.append(enc["token_type_ids"][p])
            masks.append(enc["attention_mask"][p])
            starts.append(s)
            ends.append(t)
            owner.append(k + enc["overflow_to_sample_mapping"][p])
    return {
        "input_ids": np.array(ids, dtype=np.int64), "token_type_ids": np.array(types, dtype=np.int64),
        "attention_mask": np.array(masks, dtype=np.int64), "start": np.array(starts, dtype=np.int64),
        "end": np.array(ends, dtype=np.int64), "owner": np.array(owner, dtype=np.int64),
    }


# ---------------------------------------------------------------------------------------------------------------
# the model


def add_lora(encoder, rank: int, alpha: int, dropout: float) -> list[str]:
    """Wrap the encoder's target linear layers in LoRA layers (base frozen, B zero so training starts at the base)."""
    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        def __init__(self, base: nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.A = nn.Parameter(torch.empty(rank, base.in_features))
            self.B = nn.Parameter(torch.zeros(base.out_features, rank))
            nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
            self.scale = alpha / rank
            self.drop = nn.Dropout(dropout)

        def forward(self, x):
            return self.base(x) + (self.drop(x) @ self.A.t() @ self.B.t()) * self.scale

    for p in encoder.parameters():
        p.requires_grad_(False)
    names = [n for n, m in encoder.named_modules() if isinstance(m, nn.Linear) and n.endswith(LORA_TARGETS)]
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = encoder.get_submodule(parent_name)
        setattr(parent, child, LoRALinear(getattr(parent, child)))
    return names


def adapter_tensors(model, lora_names: Sequence[str]) -> dict:
    """What an adapter file holds: LoRA A and B per adapted layer (or every encoder weight) and the head, fp16."""
    import torch

    out = {"head.weight": model.head.weight.detach().to(torch.float16).cpu().contiguous(),
           "head.bias": model.head.bias.detach().to(torch.float16).cpu().contiguous()}
    if lora_names:
        for name in lora_names:
            layer = model.encoder.get_submodule(name)
            out[f"lora.{name}.A"] = layer.A.detach().to(torch.float16).cpu().contiguous()
            out[f"lora.{name}.B"] = layer.B.detach().to(torch.float16).cpu().contiguous()
    else:
        for name, tensor in model.encoder.state_dict().items():
            out[f"encoder_full.{name}"] = tensor.detach().to(torch.float16).cpu().contiguous()
    return out


def save_adapter(path: Path, model, lora_names: Sequence[str], recipe: Recipe, fingerprint: str, extra: dict) -> None:
    from safetensors.torch import save_file

    meta = {
        "format": ADAPTER_FORMAT,
        "kind": "lora" if lora_names else "full",
        "base_model": "m3e-small (uer/chinese_roberta_L-4_H-512)",
        "base_fingerprint": fingerprint,
        "rank": str(recipe.lora_rank),
        "alpha": str(recipe.lora_alpha),
        "max_length": str(recipe.domain_max_length),
        "stride": str(recipe.domain_stride),
        "recipe": json.dumps(asdict(recipe)),
        **{k: json.dumps(v, ensure_ascii=False) for k, v in extra.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(adapter_tensors(model, lora_names), str(path), metadata=meta)


def train_stage(model, feats: dict[str, np.ndarray], *, epochs: float, lr: float, recipe: Recipe, device: str, seed: int,
                log: Callable[[str], None], cpu_bf16: bool = False) -> dict:
    """AdamW with linear warm-up and decay; loss the mean of start and end cross-entropy. Returns timing.

    The forward pass runs in bfloat16 autocast on a GPU, and on the CPU when ``cpu_bf16`` asks for it (worth it
    where the CPU multiplies bfloat16 in hardware, AMX or AVX512-BF16); the weights and their updates stay float32."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=recipe.weight_decay)
    n = len(feats["input_ids"])
    if n == 0:
        raise ValueError("no training windows")
    steps_per_epoch = max(1, math.ceil(n / recipe.batch_size))
    total = max(1, int(round(epochs * steps_per_epoch)))
    warm = max(1, int(recipe.warmup * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    tensors = {k: torch.from_numpy(feats[k]) for k in ("input_ids", "token_type_ids", "attention_mask", "start", "end")}
    generator = torch.Generator().manual_seed(seed)
    model.train()
    started = time.perf_counter()
    step, running = 0, 0.0
    kind = "cuda" if device.startswith("cuda") else "cpu"
    use_bf16 = kind == "cuda" or cpu_bf16
    while step < total:
        order = torch.randperm(n, generator=generator)
        for k in range(0, n, recipe.batch_size):
            if step >= total:
                break
            idx = order[k : k + recipe.batch_size]
            batch = {key: t[idx].to(device, non_blocking=True) for key, t in tensors.items()}
            with torch.autocast(kind, dtype=torch.bfloat16, enabled=use_bf16):
                start, end = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
            mask = batch["attention_mask"] == 0
            start = start.float().masked_fill(mask, -1e4)
            end = end.float().masked_fill(mask, -1e4)
            loss = (torch.nn.functional.cross_entropy(start, batch["start"]) + torch.nn.functional.cross_entropy(end, batch["end"])) / 2
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            value = loss.item()
            running = 0.98 * running + 0.02 * value if step else value
            step += 1
            if step % 200 == 0 or step == total:
                log(f"  step {step}/{total} loss {running:.3f} ({time.perf_counter() - started:.0f} s)")
    model.eval()
    return {"steps": total, "windows": n, "epochs": epochs, "lr": lr, "seconds": round(time.perf_counter() - started, 1)}


def predict_best(model, tokenizer, examples: Sequence[Example], *, max_length: int, stride: int, device: str) -> dict[str, tuple[str, float]]:
    """Per question id, the best non-empty span over all its examples' pieces (never abstaining) and its score."""
    import torch

    best: dict[str, tuple[str, float]] = {}
    step = 256
    for k in range(0, len(examples), step):
        chunk = examples[k : k + step]
        windows = [Window(e.qid, 0, e.context, rank=i) for i, e in enumerate(chunk)]
        enc = tokenizer([reader_question(e.question) for e in chunk], [e.context for e in chunk], truncation="only_second",
                        max_length=max_length, stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding="longest", return_tensors="pt")
        with torch.inference_mode(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            start, end = model(enc["input_ids"].to(device), enc["attention_mask"].to(device), enc["token_type_ids"].to(device))
        pieces = pieces_from_batch(batch_from_encoding(enc), windows, start.float().cpu().numpy(), end.float().cpu().numpy())
        for piece in pieces:
            spans = DECODING.spans([piece], n=1)
            if spans:
                qid = chunk[piece.window.rank].qid
                if qid not in best or spans[0].score > best[qid][1]:
                    best[qid] = (spans[0].text, spans[0].score)
    return best


def score_predictions(best: dict[str, tuple[str, float]], golds: dict[str, list[str]]) -> dict:
    """Exact match and character F1 of the best spans against the gold forms (answerable questions only)."""
    ems = [exact_match(best.get(q, ("", 0))[0] or None, g) for q, g in golds.items()]
    f1s = [char_f1(best.get(q, ("", 0))[0] or None, g) for q, g in golds.items()]
    return {"n": len(golds), "em": round(float(np.mean(ems)), 4) if ems else None, "f1": round(float(np.mean(f1s)), 4) if f1s else None}


# ---------------------------------------------------------------------------------------------------------------
# the whole run


def _seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def train_reader(
    *,
    base_dir: Path,
    open_dir: Path,
    domain_bundle: Path,
    out_dir: Path,
    recipe: Recipe = Recipe(),
    device: str | None = None,
    folds: bool = True,
    save_weights: bool = True,
    log: Callable[[str], None] = logger.info,
) -> dict:
    """Train the reader: ``out_dir/reader.safetensors`` (all read splits), ``out_dir/fold<k>.safetensors`` (each
    fold's splits left out), ``out_dir/card.json`` (data, recipe, time, machine, scores). Returns the card."""
    import torch
    from transformers import AutoTokenizer

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    _seed_all(recipe.seed)
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))

    # stage 1: open data
    everything = open_examples(open_dir)
    train_open, held_open = split_open(everything, recipe.open_heldout_contexts, recipe.seed)
    if recipe.max_open:
        train_open = random.Random(recipe.seed).sample(train_open, min(recipe.max_open, len(train_open)))
        held_open = held_open[: max(8, recipe.max_open // 5)]
    bundle = read_jsonl_gz(domain_bundle)
    if recipe.max_domain:
        bundle = sorted(random.Random(recipe.seed).sample(bundle, min(recipe.max_domain, len(bundle))), key=lambda r: r["id"])
    splits = sorted({row["split"] for row in bundle})
    log(f"open: {len(train_open)} questions to train, {len(held_open)} held out; domain: {len(bundle)} questions of {len(splits)} splits")

    encoder = load_encoder(base_dir)
    fingerprint = base_fingerprint(encoder.state_dict())
    lora_names = add_lora(encoder, recipe.lora_rank, recipe.lora_alpha, recipe.lora_dropout) if recipe.lora_rank else []
    model = build_span_model(encoder).to(device)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(f"device {device}; trainable parameters {trainable:,} ({'LoRA r=%d' % recipe.lora_rank if lora_names else 'full'})")

    open_feats = featurize(tokenizer, train_open, recipe.max_length, recipe.stride)
    log(f"stage 1: {len(open_feats['input_ids'])} windows")
    stage1 = train_stage(model, open_feats, epochs=recipe.open_epochs, lr=recipe.open_lr, recipe=recipe, device=device, seed=recipe.seed, log=log)
    open_golds = {e.qid: [e.answer_text] for e in held_open}
    open_score = score_predictions(
        predict_best(model, tokenizer, held_open, max_length=recipe.max_length, stride=recipe.stride, device=device), open_golds)
    log(f"stage 1 done: held-out CMRC2018 dev EM {open_score['em']} F1 {open_score['f1']}")
    after_open = copy.deepcopy(model.state_dict())

    def stage2(rows: list[dict], seed: int) -> dict:
        model.load_state_dict(after_open)
        feats = featurize(tokenizer, domain_examples(rows), recipe.domain_max_length, recipe.domain_stride)
        return train_stage(model, feats, epochs=recipe.domain_epochs, lr=recipe.domain_lr, recipe=recipe, device=device, seed=seed, log=log)

    def domain_score(rows: list[dict]) -> dict:
        examples = domain_examples(rows, added=False)
        golds = {row["id"]: row["golds"] for row in rows if row["golds"]}
        best = predict_best(model, tokenizer, [e for e in examples if e.qid in golds], max_length=recipe.domain_max_length,
                            stride=recipe.domain_stride, device=device)
        return score_predictions(best, golds)

    card: dict = {
        "recipe": asdict(recipe),
        "device": device,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip()
        + (f", {torch.cuda.get_device_name(0)}" if device.startswith("cuda") else f", {torch.get_num_threads()} threads"),
        "torch": torch.__version__,
        "base_fingerprint": fingerprint,
        "trainable_parameters": trainable,
        "data": {
            "open_train_questions": len(train_open), "open_train_windows": int(len(open_feats["input_ids"])),
            "open_heldout_questions": len(held_open), "domain_questions": len(bundle), "domain_splits": splits,
        },
        "stage1": {**stage1, "heldout_cmrc2018_dev": open_score},
        "folds": [],
    }

    def write_card() -> None:
        card["seconds"] = round(time.perf_counter() - started, 1)
        (out_dir / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")

    log(f"final: train on all {len(bundle)} domain questions")
    final = stage2(bundle, recipe.seed)
    card["stage2"] = final
    card["heldout_cmrc2018_dev_after_stage2"] = score_predictions(
        predict_best(model, tokenizer, held_open, max_length=recipe.max_length, stride=recipe.stride, device=device), open_golds)
    if save_weights:
        save_adapter(out_dir / "reader.safetensors", model, lora_names, recipe, fingerprint,
                     {"name": "reader", "trained_on_splits": splits, "data": card["data"]})
    write_card()
    for k in range(recipe.folds if folds else 0):
        held = [row for row in bundle if fold_of(row["split"], splits, recipe.folds) == k]
        rest = [row for row in bundle if fold_of(row["split"], splits, recipe.folds) != k]
        log(f"fold {k}: train on {len(rest)} questions, score {len(held)} ({', '.join(sorted({r['split'] for r in held}))})")
        timing = stage2(rest, recipe.seed + 1 + k)
        score = domain_score(held)
        log(f"fold {k}: reader alone, never abstaining, on the left-out answerable questions: EM {score['em']} F1 {score['f1']}")
        if save_weights:
            save_adapter(out_dir / f"fold{k}.safetensors", model, lora_names, recipe, fingerprint,
                         {"name": f"fold{k}", "left_out_splits": sorted({r["split"] for r in held})})
        card["folds"].append({"fold": k, "left_out": sorted({r["split"] for r in held}), **timing, "left_out_score": score})
        write_card()
    log(f"done in {card['seconds']} s")
    return card
