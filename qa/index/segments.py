"""One report's share of the index as one file: a segment, named by the SHA-256 of its bytes.

A segment holds a document with everything the index derived from it: its sentences, passages, their BM25 tokens,
the user words the report brought, its passage vectors (a FAISS flat inner-product index) and its sentence vectors.
The index folder is a manifest listing segments in corpus order plus a ``segments/`` folder; adding or removing a
report writes or drops one segment and rewrites the manifest, so a change costs the size of the report, not of the
corpus.

Layout of a file: ``MAGIC``, three little-endian 64-bit lengths (header, FAISS bytes, sentence vector bytes), the
header (UTF-8 JSON), the serialised FAISS index, the sentence vectors (float16, row after row).
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from qa.schema import Document, Paragraph, Passage, Sentence

MAGIC = b"QA-SEGMENT 1\n"
_LENGTHS = struct.Struct("<QQQ")
FOLDER = "segments"
SUFFIX = ".seg"


@dataclass(frozen=True)
class Source:
    """What one document of an index came from and brought: the digest of its files (``corpus.report_digest``; a
    later build reads only reports whose digest changed) and the user words derived from its text."""

    digest: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class SegmentRef:
    """Where a document's segment is saved: the file name in ``segments/`` and the SHA-256 of its bytes."""

    doc_id: str
    file: str
    sha256: str


@dataclass(frozen=True)
class Segment:
    """The rows of one document, as an index holds them; ``passages`` are numbered from the ``first_passage``
    the segment was read with."""

    document: Document
    source: Source
    sentences: tuple[Sentence, ...]
    passages: tuple[Passage, ...]
    tokens: list[list[str]]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


def encode(segment: Segment) -> bytes:
    """The bytes of a segment file (the same rows always give the same bytes)."""
    doc = segment.document
    header = {
        "document": {**{k: v for k, v in vars(doc).items() if k != "paragraphs"},
                     "paragraphs": [[p.start, p.end, p.kind] for p in doc.paragraphs]},
        "source": {"digest": segment.source.digest, "words": list(segment.source.words)},
        "sentences": [[s.start, s.end, s.section, s.kind, s.year, s.stance] for s in segment.sentences],
        "passages": [[p.start, p.end, p.section] for p in segment.passages],
        "tokens": segment.tokens,
        "dimension": int(segment.passage_vectors.shape[1]) if segment.passage_vectors.ndim == 2 else 0,
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    vectors = np.ascontiguousarray(segment.passage_vectors, dtype=np.float32)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    dense = faiss.serialize_index(flat).tobytes()
    rows = np.ascontiguousarray(segment.sentence_vectors, dtype="<f2").tobytes()
    return MAGIC + _LENGTHS.pack(len(head), len(dense), len(rows)) + head + dense + rows


def decode(data: bytes, *, first_passage: int = 0) -> Segment:
    """The segment in ``data``; ``ValueError`` when the bytes are not a whole segment file."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _LENGTHS.size:
        raise ValueError("not a segment file")
    at = len(MAGIC) + _LENGTHS.size
    head_n, dense_n, rows_n = _LENGTHS.unpack_from(data, len(MAGIC))
    if at + head_n + dense_n + rows_n != len(data):
        raise ValueError("a segment file of the wrong length (truncated or padded)")
    header = json.loads(data[at : at + head_n].decode("utf-8"))
    raw = header["document"]
    doc = Document(**{**raw, "paragraphs": tuple(Paragraph(*p) for p in raw["paragraphs"])})
    flat = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8, count=dense_n, offset=at + head_n))
    dimension = int(header["dimension"])
    if flat.d != dimension:
        raise ValueError("the passage vectors have another dimension than the header says")
    passage_vectors = flat.reconstruct_n(0, flat.ntotal) if flat.ntotal else np.zeros((0, dimension), dtype=np.float32)
    sentence_vectors = np.frombuffer(data, dtype="<f2", count=rows_n // 2, offset=at + head_n + dense_n)
    sentence_vectors = sentence_vectors.astype(np.float16).reshape(-1, dimension) if dimension else sentence_vectors.reshape(0, 0)
    doc_id, text = doc.doc_id, doc.text
    sentences = tuple(Sentence(doc_id, *row) for row in header["sentences"])
    passages = tuple(
        Passage(first_passage + i, doc_id, start, end, text[start:end], section)
        for i, (start, end, section) in enumerate(header["passages"])
    )
    tokens = header["tokens"]
    if len(tokens) != len(passages) or len(passage_vectors) != len(passages) or len(sentence_vectors) != len(sentences):
        raise ValueError("a segment whose parts disagree in length")
    source = Source(header["source"]["digest"], tuple(header["source"]["words"]))
    return Segment(doc, source, sentences, passages, tokens, passage_vectors, sentence_vectors)


def write(folder: Path, doc_id: str, data: bytes) -> SegmentRef:
    """Write ``data`` as a segment file in ``folder`` (a temporary name, then renamed, so no reader sees half of it;
    a file of that name is already these bytes)."""
    digest = hashlib.sha256(data).hexdigest()
    ref = SegmentRef(doc_id, digest[:32] + SUFFIX, digest)
    target = folder / ref.file
    if not _holds(target, digest):
        temporary = folder / f".{ref.file}.{os.getpid()}.part"
        with open(temporary, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    return ref


def _holds(path: Path, digest: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except OSError:
        return False


def read(folder: Path, ref: SegmentRef, *, first_passage: int = 0) -> Segment:
    """The segment ``ref`` names. Raises ``FileNotFoundError`` when it is gone, ``SegmentDamaged`` when its bytes
    are not the ones the manifest recorded or cannot be read."""
    data = (folder / ref.file).read_bytes()
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise SegmentDamaged("does not match the checksum its manifest records (damaged or edited)")
    try:
        segment = decode(data, first_passage=first_passage)
    except (ValueError, TypeError, KeyError, RuntimeError, UnicodeDecodeError) as exc:
        raise SegmentDamaged(f"cannot be read ({type(exc).__name__}: {exc})") from None
    if segment.document.doc_id != ref.doc_id:
        raise SegmentDamaged(f"holds the report {segment.document.doc_id!r}, not {ref.doc_id!r}")
    return segment


def collect_garbage(folder: Path, keep: set[str]) -> list[str]:
    """Remove the files of ``folder`` that are not in ``keep`` (segments no manifest lists any more, and temporary
    files of writes that did not finish); returns their names. Call it only while holding the index lock."""
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        if path.name not in keep:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return sorted(removed)


class SegmentDamaged(Exception):
    """A segment file's bytes are not those its manifest records."""
