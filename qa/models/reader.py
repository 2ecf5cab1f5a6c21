"""The span reader: a BERT encoder with a start/end head reads a question and a few passages and scores spans.

The encoder is m3e-small's own (``uer/chinese_roberta_L-4_H-512``, the folder the embedding model ships in); what is
trained (``qa train-reader``) is a LoRA adapter on its linear layers plus the span head, saved as one small
safetensors file. Loading merges the adapter into the base weights and quantises the linear layers to int8 for the
CPU. Decoding (``top_spans``, ``span_score``) is a pure function of the logits, so it is tested with a stub reader.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from qa.errors import QAError

logger = logging.getLogger(__name__)

ADAPTER_FORMAT = "reportqa-reader-1"
DEFAULT_ADAPTER = Path(__file__).with_name("reader.safetensors")
# the shipped reader trained further on reports of places other than the ones it was built on (scripts/continue_reader.py)
GENERAL_ADAPTER = Path(__file__).with_name("reader-general.safetensors")
# the encoder's linear layers an adapter may change (BERT names)
LORA_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")


# the question's share of a window: what a long question says beyond this is kept at its two ends
QUESTION_CHARS = 64


def reader_question(text: str) -> str:
    """The question as the reader reads it: whole when short; else its opening (district, year) and its end (the
    question word and what it asks about), so that it never crowds the passage out of a window."""
    text = text.strip()
    return text if len(text) <= QUESTION_CHARS else text[:24] + text[-(QUESTION_CHARS - 24) :]


class ReaderLoadError(QAError):
    """The reader's weights are missing, damaged, or were trained on another base model."""


@dataclass(frozen=True)
class Window:
    """A stretch of one document's canonical text the reader reads; ``start`` is its offset in that text."""

    doc_id: str
    start: int
    text: str
    rank: int = 0  # the order it was chosen in (0 = first)
    retrieval: float = 0.0  # the fused retrieval score of the passage it comes from, scaled so the best has 1.0

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class WindowLogits:
    """The reader's scores over one tokenised piece of a window: per context token, its character span in the
    window's text and its start and end logits; ``null`` is the no-answer score (the [CLS] token's start + end)."""

    window: Window
    offsets: np.ndarray  # (n, 2) character offsets of the context tokens in window.text
    start_logits: np.ndarray  # (n,)
    end_logits: np.ndarray  # (n,)
    null: float
    start_norm: float  # log-sum-exp of the start logits over [CLS] and the context tokens
    end_norm: float


@dataclass(frozen=True)
class ReaderSpan:
    """A span the reader proposes: offsets into the document's canonical text and its score (start + end logit)."""

    doc_id: str
    start: int
    end: int
    text: str
    score: float
    log_prob: float  # log P(start) + log P(end) within its piece
    null: float  # the no-answer score of the piece it was read in
    window_rank: int


class Reader(Protocol):
    """Anything that scores the context tokens of windows for a question."""

    def read(self, question: str, windows: Sequence[Window]) -> list[WindowLogits]: ...


def _logsumexp(values: np.ndarray) -> float:
    top = float(np.max(values))
    return top + math.log(float(np.sum(np.exp(values - top))))


def window_logits(window: Window, offsets: np.ndarray, start: np.ndarray, end: np.ndarray, cls_start: float, cls_end: float) -> WindowLogits:
    """Bundle one piece's context-token logits; the normalisers include the [CLS] (no-answer) position."""
    return WindowLogits(
        window=window,
        offsets=np.asarray(offsets, dtype=np.int64).reshape(-1, 2),
        start_logits=np.asarray(start, dtype=np.float64),
        end_logits=np.asarray(end, dtype=np.float64),
        null=float(cls_start + cls_end),
        start_norm=_logsumexp(np.append(np.asarray(start, dtype=np.float64), cls_start)),
        end_norm=_logsumexp(np.append(np.asarray(end, dtype=np.float64), cls_end)),
    )


@dataclass(frozen=True)
class Decoding:
    """How answer spans are read off the reader's logits: one configuration for training, evaluation and serving.

    A span is a start token and an end token at or after it whose characters run at most ``max_chars`` (the
    longest gold answer of the read splits is 52), tried among each piece's ``per_piece`` best starts and ends and
    scored by start logit + end logit. The question's no-answer score is the lowest [CLS] score over the pieces
    read (SQuAD 2.0's convention: the piece that most believes an answer is there speaks for the question)."""

    max_chars: int = 60
    per_piece: int = 20
    proposals: int = 8  # spans the reader offers the ranker

    def spans(self, pieces: Sequence[WindowLogits], n: int | None = None) -> list[ReaderSpan]:
        """The best ``n`` (default ``proposals``) distinct spans over all pieces, best first."""
        return top_spans(pieces, n=self.proposals if n is None else n, max_chars=self.max_chars, per_piece=self.per_piece)

    @staticmethod
    def no_answer(pieces: Sequence[WindowLogits]) -> float | None:
        """The question's no-answer score, or None when nothing was read."""
        return min((p.null for p in pieces), default=None)

    def answers(self, pieces: Sequence[WindowLogits], best: ReaderSpan | None) -> bool:
        """Whether the reader alone would give ``best`` rather than no answer."""
        null = self.no_answer(pieces)
        return best is not None and (null is None or best.score >= null)


DECODING = Decoding()


def top_spans(pieces: Sequence[WindowLogits], *, n: int = 5, max_chars: int = Decoding.max_chars, per_piece: int = Decoding.per_piece) -> list[ReaderSpan]:
    """The ``n`` best distinct spans over all pieces, best first: start token ``i`` and end token ``j >= i`` whose
    characters run at most ``max_chars``, scored by start logit + end logit (the usual outer-product decoding)."""
    found: dict[tuple[str, int, int], ReaderSpan] = {}
    for piece in pieces:
        m = len(piece.start_logits)
        if m == 0:
            continue
        starts = np.argsort(-piece.start_logits)[:per_piece]
        ends = np.argsort(-piece.end_logits)[:per_piece]
        text = piece.window.text
        for i in starts:
            for j in ends:
                if j < i:
                    continue
                a, b = int(piece.offsets[i][0]), int(piece.offsets[j][1])
                if b <= a or b - a > max_chars or not text[a:b].strip():
                    continue
                score = float(piece.start_logits[i] + piece.end_logits[j])
                key = (piece.window.doc_id, piece.window.start + a, piece.window.start + b)
                if key in found and found[key].score >= score:
                    continue
                found[key] = ReaderSpan(
                    doc_id=key[0], start=key[1], end=key[2], text=text[a:b], score=score,
                    log_prob=score - piece.start_norm - piece.end_norm, null=piece.null, window_rank=piece.window.rank,
                )
    return sorted(found.values(), key=lambda s: -s.score)[:n]


def span_score(pieces: Sequence[WindowLogits], doc_id: str, start: int, end: int) -> ReaderSpan | None:
    """The reader's score for a given span (say, one the rules found), or None when no piece read all of it.

    The span's first character's token gives the start logit and its last character's token the end logit; over
    several pieces holding it, the best."""
    best: ReaderSpan | None = None
    for piece in pieces:
        w = piece.window
        if w.doc_id != doc_id or len(piece.offsets) == 0:
            continue
        a, b = start - w.start, end - w.start
        offsets = piece.offsets
        if a < offsets[0][0] or b > offsets[-1][1] or b <= a:
            continue
        i = int(np.searchsorted(offsets[:, 1], a, side="right"))  # first token ending after a
        j = int(np.searchsorted(offsets[:, 0], b, side="left")) - 1  # last token starting before b
        if i >= len(offsets) or j < i:
            continue
        score = float(piece.start_logits[i] + piece.end_logits[j])
        if best is None or score > best.score:
            best = ReaderSpan(
                doc_id=doc_id, start=start, end=end, text=w.text[a:b], score=score,
                log_prob=score - piece.start_norm - piece.end_norm, null=piece.null, window_rank=w.rank,
            )
    return best


# ---------------------------------------------------------------------------------------------------------------
# the model: torch is imported only here, when a reader is built


def base_fingerprint(state: dict) -> str:
    """SHA-256 over the base encoder's weights rounded to fp16, in name order: the same whether the base was loaded
    in fp32 (here) or carried in fp16 (for training elsewhere)."""
    import torch

    digest = hashlib.sha256()
    for name in sorted(state):
        if name.startswith("pooler."):
            continue
        tensor = state[name]
        digest.update(name.encode() + b"\0")
        if tensor.is_floating_point():
            tensor = tensor.to(torch.float16)
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def load_encoder(base_dir: Path | str):
    """The base BERT encoder (no pooler) from a model folder, in fp32, in eval mode."""
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    try:
        return BertModel.from_pretrained(str(base_dir), add_pooling_layer=False).float().eval()
    except (OSError, ValueError) as exc:
        raise ReaderLoadError(f"cannot load the reader's base model from {base_dir}: {exc}") from exc


def read_adapter(path: Path | str) -> tuple[dict, dict]:
    """The tensors and metadata of an adapter file; raises ``ReaderLoadError`` when it is missing or not one."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    path = Path(path)
    if not path.is_file():
        raise ReaderLoadError(f"no reader weights at {path}: train them with `qa train-reader`")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = dict(f.metadata() or {})
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ReaderLoadError(f"{path.name} is not a readable reader weights file: {exc}") from exc
    if meta.get("format") != ADAPTER_FORMAT:
        raise ReaderLoadError(f"{path.name} is not a reader adapter of format {ADAPTER_FORMAT} (found {meta.get('format')!r})")
    return tensors, meta


def apply_adapter(encoder, tensors: dict, meta: dict) -> None:
    """Merge an adapter into ``encoder`` in place: W += B @ A * alpha / r for every adapted linear layer, or the
    full weights for a fully fine-tuned one. Refuses an adapter trained on another base."""
    import torch

    expected = meta.get("base_fingerprint")
    found = base_fingerprint(encoder.state_dict())
    if expected != found:
        raise ReaderLoadError(
            "the reader adapter was trained on another base model than the one installed "
            f"(adapter: {meta.get('base_model', '?')}, fingerprint {str(expected)[:12]}…; installed: {found[:12]}…); "
            "install the base it names or retrain with `qa train-reader`"
        )
    modules = dict(encoder.named_modules())
    with torch.no_grad():
        if meta.get("kind") == "full":
            state = {k[len("encoder_full."):]: v.float() for k, v in tensors.items() if k.startswith("encoder_full.")}
            encoder.load_state_dict(state, strict=False)
            return
        scale = float(meta["alpha"]) / float(meta["rank"])
        for key, a in tensors.items():
            if not key.startswith("lora.") or not key.endswith(".A"):
                continue
            name = key[len("lora.") : -len(".A")]
            b = tensors[f"lora.{name}.B"]
            if name not in modules:
                raise ReaderLoadError(f"the reader adapter names a layer the base has not: {name}")
            modules[name].weight += (b.float() @ a.float()) * scale


def build_span_model(encoder, head_weight=None, head_bias=None):
    """The encoder with a linear start/end head on its last hidden states."""
    import torch
    from torch import nn

    class SpanModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = nn.Linear(encoder.config.hidden_size, 2)
            if head_weight is not None:
                with torch.no_grad():
                    self.head.weight.copy_(head_weight.float())
                    self.head.bias.copy_(head_bias.float())

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            hidden = getattr(out, "last_hidden_state", out)  # transformers' BertModel, or qa.index.bert's encoder
            logits = self.head(hidden)
            return logits[..., 0], logits[..., 1]

    return SpanModel()


class SpanReader:
    """The trained reader on the CPU: loads once, then ``read(question, windows)``; safe to share between threads."""

    def __init__(
        self,
        base_dir: Path | str,
        adapter: Path | str = DEFAULT_ADAPTER,
        *,
        quantize: bool = True,
        max_length: int | None = None,
        stride: int | None = None,
        threads: int | None = None,
    ) -> None:
        import torch

        from qa.index.bert import BertFolder

        tensors, meta = read_adapter(adapter)
        self.max_length = int(max_length or meta.get("max_length", 256))
        self.stride = int(stride or meta.get("stride", 64))
        folder = BertFolder(base_dir)
        if folder.supported():  # a plain BERT runs on qa.index.bert: transformers is not imported to serve
            try:
                encoder, tokenizer = folder.encoder(), folder.tokenizer()
            except (OSError, ValueError, RuntimeError) as exc:
                raise ReaderLoadError(f"cannot load the reader's base model from {base_dir}: {exc}") from exc
            tokenizer.no_padding()
            tokenizer.enable_truncation(self.max_length, stride=self.stride, strategy="only_second")
            self._tokenize = lambda question, texts: _pair_batch(tokenizer, question, texts)
        else:
            from transformers import AutoTokenizer

            encoder, tokenizer = load_encoder(base_dir), AutoTokenizer.from_pretrained(str(base_dir))
            self._tokenize = lambda question, texts: _pair_batch_hf(tokenizer, question, texts, self.max_length, self.stride)
        apply_adapter(encoder, tensors, meta)
        if "head.weight" not in tensors:
            raise ReaderLoadError(f"{Path(adapter).name} holds no span head")
        model = build_span_model(encoder, tensors["head.weight"], tensors["head.bias"]).eval()
        if quantize:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        if threads:
            torch.set_num_threads(threads)
        self.model = model
        self.meta = meta
        name = describe(meta).get("name")  # stored JSON-encoded, as every field
        self.name = name if isinstance(name, str) and name else Path(adapter).stem
        self.read("预热", [Window("", 0, "预热一下")])  # the first call pays for lazy kernel set-up: pay it at load

    def read(self, question: str, windows: Sequence[Window]) -> list[WindowLogits]:
        import torch

        if not windows:
            return []
        batch = self._tokenize(reader_question(question), [w.text for w in windows])
        with torch.inference_mode():
            start, end = self.model(batch.input_ids, batch.attention_mask, batch.token_type_ids)
        return pieces_from_batch(batch, windows, start.numpy(), end.numpy())


def _pair_batch(tokenizer, question: str, texts: Sequence[str]):
    """(question, text) pairs tokenised with only the text truncated into overlapping pieces, padded to the longest
    piece: transformers' ``truncation="only_second", return_overflowing_tokens=True, padding="longest"``."""
    from qa.index.bert import pad

    pieces, sample = [], []
    for k, encoding in enumerate(tokenizer.encode_batch([(question, text) for text in texts])):
        for piece in (encoding, *encoding.overflowing):
            pieces.append(piece)
            sample.append(k)
    return pad(pieces, sample)


def _pair_batch_hf(tokenizer, question: str, texts: Sequence[str], max_length: int, stride: int):
    """The same through a transformers tokenizer (for a base model ``qa.index.bert`` does not run)."""
    enc = tokenizer(
        [question] * len(texts), list(texts), truncation="only_second", max_length=max_length, stride=stride,
        return_overflowing_tokens=True, return_offsets_mapping=True, padding="longest", return_tensors="pt",
    )
    return batch_from_encoding(enc)


def batch_from_encoding(enc):
    """A transformers ``BatchEncoding`` of overflowing pieces (a fast tokenizer's) as a ``qa.index.bert.Batch``."""
    from qa.index.bert import Batch

    mapping = tuple(int(k) for k in enc["overflow_to_sample_mapping"])
    return Batch(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"], tuple(enc.encodings), mapping)


def pieces_from_batch(batch, windows: Sequence[Window], start: np.ndarray, end: np.ndarray) -> list[WindowLogits]:
    """Split a batch's logits into one ``WindowLogits`` per tokenised piece, keeping only context tokens."""
    pieces = []
    for k, (encoding, sample) in enumerate(zip(batch.encodings, batch.sample)):
        ctx = [i for i, s in enumerate(encoding.sequence_ids) if s == 1]
        offsets = np.array([encoding.offsets[i] for i in ctx], dtype=np.int64).reshape(-1, 2)
        pieces.append(window_logits(windows[sample], offsets, start[k][ctx], end[k][ctx], float(start[k][0]), float(end[k][0])))
    return pieces


def describe(meta: dict) -> dict:
    """The adapter's metadata with its JSON fields decoded, for the model card and the health endpoint."""
    out = {}
    for key, value in meta.items():
        try:
            out[key] = json.loads(value)
        except (TypeError, ValueError):
            out[key] = value
    return out
