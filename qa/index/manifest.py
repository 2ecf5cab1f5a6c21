"""An index's manifest: what it was built from and with (code and format version, embedding model, corpus digest,
chunking) and the checksum of every segment; read and checked against the caller's corpus and model before any
segment is loaded."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from qa import __version__
from qa.errors import CorpusError, IndexMismatchError, IndexMissingError, QAError, StaleIndexError
from qa.index.tokenize import Tokenizer
from qa.ingest.corpus import corpus_hash

# Bump when the saved layout or anything that shapes the saved parts (normalising, chunking, tokenising) changes.
# 2: checksums of every part; 3: sources.json, words derived per report; 4: one segment file per report;
# 5: sentence vectors as float16; 6: a sentence may speak for a year of the last century (19xx年); 7: a base year
# (比2020年, 在1992年…的基础上) is not the year a sentence speaks for, 主要/重要 are no plan, years in words are
# years, and 今年/去年 set the context only where a sentence opens with them; 8: a cue of a sentence's own (要, 预期,
# 已经) speaks for the figures after it, not for those before it; 9: a sentence opening with 今年/去年 speaks for
# that year whatever years it names after (过去一年里…把1984年末至1985年…调整过来), 过去年度 is no 去年; 10: a year
# after 由 starts a span (由1997年的…增加到2002年的… speaks for 2002), and a sentence naming years only as bases
# (比1980年预计增长5.5%) speaks for the year around it, not for the base; 11: a heading's year or relative word
# (一、2024年工作回顾) sets the context, and a year named further into a sentence than its opening marks only that
# sentence (…并在2025年新年贺词中… inside a review); 12: 预期 plans only before what is expected (预期目标, 预期增长),
# not in 好于预期, 人均预期寿命, 市场预期
FORMAT_VERSION = 12


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and with; ``load`` compares it with what the caller expects."""

    format_version: int
    code_version: str
    embedding_model: str
    dimension: int
    tokenizer: str
    user_words: int
    corpus_hash: str
    documents: int
    passages: int
    target_chars: int
    overlap_chars: int
    built_at: str
    build_seconds: float
    segments: list = field(default_factory=list)  # [doc id, file, SHA-256] per report in corpus order, checked at load


def read_manifest(directory: Path | str) -> Manifest:
    """Read just the manifest; raises ``IndexMissingError`` or ``StaleIndexError`` (unreadable or old format)."""
    directory = Path(directory)
    path = directory / "manifest.json"
    if not path.exists():
        raise IndexMissingError(f"no index in {directory}: build it with 'qa index'")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format_version") != FORMAT_VERSION:
            raise StaleIndexError(
                f"the index in {directory} has format {data.get('format_version')}, this code reads {FORMAT_VERSION}: "
                "rebuild it with 'qa index'"
            )
        manifest = Manifest(**data)
        if not all(isinstance(row, list) and len(row) == 3 and all(isinstance(v, str) for v in row) for row in manifest.segments):
            raise ValueError("its list of segments is malformed")
        return manifest
    except (ValueError, TypeError, AttributeError) as exc:
        raise StaleIndexError(f"the index manifest in {directory} is unreadable ({exc}): rebuild it with 'qa index'") from None

def check(directory: Path | str, *, corpus_dir: Path | str | None = None, embedding_model: str | None = None) -> Manifest:
    """Check an index folder without loading it; returns its manifest.

    Raises ``IndexMissingError`` when there is none, ``StaleIndexError`` when it was built by another code version
    or from another corpus than ``corpus_dir`` holds now, ``IndexMismatchError`` when built with another model.
    """
    manifest = read_manifest(directory)
    if manifest.code_version != __version__:
        raise StaleIndexError(
            f"the index in {directory} was built by qa {manifest.code_version}, this is {__version__}: rebuild it with 'qa index'"
        )
    if embedding_model is not None and manifest.embedding_model != embedding_model:
        raise IndexMismatchError(
            f"the index in {directory} was built with the embedding model {manifest.embedding_model!r}, "
            f"not {embedding_model!r}: rebuild it with 'qa index' or choose that model"
        )
    if corpus_dir is not None and Path(corpus_dir).is_dir():
        try:
            current = corpus_hash(Path(corpus_dir))
        except CorpusError as exc:
            raise StaleIndexError(f"the corpus in {corpus_dir} cannot be indexed as it is ({exc})") from None
        if current != manifest.corpus_hash:
            raise StaleIndexError(
                f"the corpus in {corpus_dir} has changed since the index in {directory} was built: rebuild it with 'qa index'"
            )
    return manifest


def new_manifest(model: str, dimension: int, tokenizer: Tokenizer, corpus_digest: str, documents: int, passages: int,
              target_chars: int, overlap_chars: int, started: float) -> Manifest:
    return Manifest(
        format_version=FORMAT_VERSION,
        code_version=__version__,
        embedding_model=model,
        dimension=dimension,
        tokenizer=f"{tokenizer.name} (jieba cut_for_search, HMM) + user dictionary derived from each report",
        user_words=len(tokenizer.user_words),
        corpus_hash=corpus_digest,
        documents=documents,
        passages=passages,
        target_chars=target_chars,
        overlap_chars=overlap_chars,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        build_seconds=round(time.perf_counter() - started, 3),
    )


def readable(directory: Path) -> bool:
    """Whether ``directory`` holds a manifest this code reads."""
    try:
        read_manifest(directory)
    except QAError:
        return False
    return True
