"""A BERT encoder in plain torch and its tokenizer through ``tokenizers``: what serving needs of a BERT model folder,
without importing transformers or sentence-transformers (together about 4.5 s of a cold start on two cores).

The modules carry transformers' ``BertModel`` names (``encoder.layer.0.attention.self.query`` …), so a model
folder's weights load as they are, a reader adapter merges by the same names, and ``quantize_dynamic`` replaces the
same linear layers. The arithmetic is transformers' own, op for op (embeddings summed then normalised, scaled
dot-product attention with a boolean padding mask, exact GELU), and ``tests/test_bert.py`` holds it to
transformers' outputs. Only what the shipped models use is supported: absolute positions, no cache, no pooler;
``BertFolder.supported`` says whether a folder is such a model.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")

# The embedding tables of each model folder, kept once per process and shared by every encoder built from it: the
# embedder and the readers all run m3e-small, and neither a reader's adapter nor int8 quantisation touches its
# embeddings (43 MB of word vectors). A table is shared only when equal, and never trained (serving alone builds
# encoders here; training runs transformers' own).
_TABLES: dict[tuple[str, str], torch.Tensor] = {}
_TABLES_LOCK = threading.Lock()


@dataclass(frozen=True)
class BertConfig:
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    pad_token_id: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> "BertConfig":
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


class _Embeddings(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        # weights given uninitialised (they are loaded at once): a random normal initialisation on the meta device
        # would import torch._dynamo, two seconds of a cold start
        def table(rows: int, **kw) -> nn.Embedding:
            return nn.Embedding(rows, c.hidden_size, _weight=torch.empty(rows, c.hidden_size), **kw)

        self.word_embeddings = table(c.vocab_size, padding_idx=c.pad_token_id)
        self.position_embeddings = table(c.max_position_embeddings)
        self.token_type_embeddings = table(c.type_vocab_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(x + self.position_embeddings(positions))


class _SelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.heads = c.num_attention_heads
        self.head_size = c.hidden_size // c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        shape = (*x.shape[:-1], -1, self.head_size)
        q, k, v = (layer(x).view(shape).transpose(1, 2) for layer in (self.query, self.key, self.value))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0, scale=self.head_size**-0.5, is_causal=False)
        return out.transpose(1, 2).contiguous().reshape(*x.shape[:-1], -1).contiguous()


class _DenseNorm(nn.Module):
    """``LayerNorm(dense(x) + residual)``: the output half of attention and of the feed-forward block."""

    def __init__(self, n_in: int, n_out: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(n_in, n_out)
        self.LayerNorm = nn.LayerNorm(n_out, eps=eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _DenseNorm(c.hidden_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class _Intermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _DenseNorm(c.intermediate_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        attended = self.attention(x, mask)
        return self.output(self.intermediate(attended), attended)


class _Stack(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(c.num_hidden_layers))


class BertEncoder(nn.Module):
    """BERT without the pooler: ``forward(input_ids, attention_mask, token_type_ids)`` gives the last hidden states."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = _Embeddings(config)
        self.encoder = _Stack(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        # no mask when nothing is padded, a boolean (batch, 1, 1, keys) one otherwise: what transformers gives sdpa
        mask = None if bool(attention_mask.all()) else attention_mask.bool()[:, None, None, :]
        x = self.embeddings(input_ids, token_type_ids)
        for layer in self.encoder.layer:
            x = layer(x, mask)
        return x


class BertFolder:
    """A BERT model folder: ``config.json``, ``tokenizer.json`` and the weights."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    @property
    def config(self) -> dict:
        return json.loads((self.folder / "config.json").read_text(encoding="utf-8"))

    def supported(self) -> bool:
        """Whether this module can run the folder's model: a plain BERT with absolute positions, a fast tokenizer
        file, weights, and (for sentence embeddings) no sentence-transformers modules other than mean pooling."""
        try:
            config = self.config
        except (OSError, ValueError):
            return False
        plain = (
            config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
        )
        weights = any((self.folder / name).is_file() for name in WEIGHT_FILES)
        return plain and weights and (self.folder / "tokenizer.json").is_file() and not (self.folder / "modules.json").exists()

    def encoder(self) -> BertEncoder:
        """The encoder with the folder's weights, in fp32, in eval mode."""
        with torch.device("meta"):  # no random initialisation of weights that are replaced at once
            model = BertEncoder(BertConfig.from_dict(self.config))
        state = self.state_dict()
        wanted = model.state_dict()
        missing = sorted(set(wanted) - set(state))
        if missing:
            raise ValueError(f"{self.folder.name} lacks weights: {', '.join(missing[:5])}")
        weights = {name: state[name].float().contiguous() for name in wanted}
        with _TABLES_LOCK:
            for name in (n for n in weights if n.startswith("embeddings.") and n.endswith("_embeddings.weight")):
                key = (str(self.folder.resolve()), name)
                kept = _TABLES.get(key)
                if kept is not None and kept.shape == weights[name].shape and torch.equal(kept, weights[name]):
                    weights[name] = kept
                else:
                    _TABLES[key] = weights[name].requires_grad_(False)
        model.load_state_dict(weights, assign=True)
        for table in (model.embeddings.word_embeddings, model.embeddings.position_embeddings, model.embeddings.token_type_embeddings):
            table.weight.requires_grad_(False)
        return model.eval()

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The folder's weights by their BERT names (a ``bert.`` prefix, as some checkpoints carry, dropped)."""
        safetensors = self.folder / "model.safetensors"
        if safetensors.is_file():
            from safetensors.torch import load_file

            state = load_file(str(safetensors))
        else:
            state = torch.load(self.folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
        return {name.removeprefix("bert."): tensor for name, tensor in state.items()}

    def tokenizer(self):
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(self.folder / "tokenizer.json"))


@dataclass(frozen=True)
class Batch:
    """Tokenised pieces padded to the longest: ids, mask and segment ids, and for each piece its encoding (offsets,
    sequence ids) and the input it came from."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor
    encodings: tuple
    sample: tuple[int, ...]


def pad(encodings: Sequence, sample: Sequence[int], pad_id: int = 0) -> Batch:
    """Stack ``encodings`` into tensors padded on the right to the longest (as transformers pads ``"longest"``)."""
    width = max((len(e.ids) for e in encodings), default=0)
    ids = np.full((len(encodings), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.zeros((len(encodings), width), dtype=np.int64)
    for row, e in enumerate(encodings):
        n = len(e.ids)
        ids[row, :n] = e.ids
        mask[row, :n] = e.attention_mask
        types[row, :n] = e.type_ids
    return Batch(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types), tuple(encodings), tuple(sample))
