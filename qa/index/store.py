"""The search index as a value object: built from documents, saved to a folder of segments (one per report) with a
manifest, loaded with checks, and changed report by report (``Index.change``) at the cost of the reports changed."""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

import qa.index.segments as store
from qa.index.chunking import make_passages, split_sentences
from qa.ingest.corpus import combine_digests
from qa.index.dense import DenseIndex
from qa.index.embedding import Embedder, document_vectors
from qa.errors import IndexDamagedError, QAError, StaleIndexError
from qa.index.housekeeping import folder_lock, release_memory, remove_leftovers
from qa.index.manifest import Manifest, check, new_manifest, read_manifest, readable
from qa.index.lexical import BM25
from qa.index.periods import assign_periods
from qa.schema import Document, Passage, Sentence
from qa.index.segments import Segment, SegmentDamaged, SegmentRef, Source
from qa.index.substrings import SubstringCounts
from qa.index.tokenize import Tokenizer, derive_user_words

logger = logging.getLogger(__name__)

# Sentence vectors only judge how well a sentence answers (a feature among many): half the bytes, the same answers
# (the 1,278 read questions, five and 2,000 reports; confidences moved by at most 0.0006). Passage vectors, which
# FAISS ranks, stay float32.
SENTENCE_DTYPE = np.float16
__all__ = ["Index", "Manifest", "Source", "build_index"]


class Index:
    """Documents, their sentences and passages, a BM25 index and a FAISS index, and the manifest describing them.

    Passages and sentences lie in corpus order, each document's rows together; an instance's rows never change
    (``change`` returns another index; ``save`` records only where they were saved), so one being served stays whole
    while the next is made."""

    def __init__(
        self,
        *,
        documents: tuple[Document, ...],
        sentences: tuple[Sentence, ...],
        passages: tuple[Passage, ...],
        tokens: list[list[str]],
        tokenizer: Tokenizer,
        dense: DenseIndex,
        sentence_vectors: np.ndarray,
        manifest: Manifest,
        sources: dict[str, Source],
        bm25: BM25 | None = None,
        substrings: SubstringCounts | None = None,
        saved: Mapping[str, SegmentRef] | None = None,
        spans: Mapping[str, tuple[tuple[int, int], tuple[int, int]]] | None = None,
    ) -> None:
        self.documents = documents
        self.sources = sources  # doc id -> Source; the tokenizer's user words are the union of their words
        self.sentences = sentences
        self.passages = passages
        self.tokens = tokens
        self.tokenizer = tokenizer
        self.dense = dense
        self.sentence_vectors = sentence_vectors  # unit vectors (float16) aligned with ``sentences``, to judge answer sentences
        self.manifest = manifest
        # built on first use: answering needs both, saving a change (``qa add`` in a process of its own) neither
        self._bm25 = bm25
        self._substrings = substrings
        self.saved = dict(saved or {})  # doc id -> its segment file, for the documents whose rows are saved as they are
        self.by_id = {doc.doc_id: doc for doc in documents}
        self._spans = dict(spans) if spans is not None else _spans(passages, sentences)

    @property
    def bm25(self) -> BM25:
        """BM25 over the passages' tokens."""
        if self._bm25 is None:
            self._bm25 = BM25(self.tokens)
        return self._bm25

    @property
    def substrings(self) -> SubstringCounts:
        """Which passages hold a string (the tokenizer lower-cases: 5g, cbd, gdp); ``texts`` are the lowered passages."""
        if self._substrings is None:
            self._substrings = SubstringCounts([p.text.lower() for p in self.passages])
        return self._substrings

    @classmethod
    def build(
        cls,
        documents: list[Document],
        embedder: Embedder,
        *,
        corpus_digest: str = "",
        digests: dict[str, str] | None = None,
        target_chars: int = 220,
        overlap_chars: int = 80,
        progress: bool = False,
    ) -> "Index":
        """Split, tokenise and embed ``documents`` from scratch; returns the index in memory (``save`` writes it).

        ``digests`` (doc id -> digest of its files) are kept with the index, so a later build can tell which reports
        changed without reading them. ``change`` makes the index of other documents from this one, at the cost of
        what differs.
        """
        started = time.perf_counter()
        if not documents:
            raise ValueError("cannot build an index of no documents")
        digests = digests or {}
        sentences: list[Sentence] = []
        passages: list[Passage] = []
        sources: dict[str, Source] = {}
        for doc in documents:
            doc_sentences = assign_periods(doc, split_sentences(doc))
            passages.extend(make_passages(doc, doc_sentences, target_chars=target_chars, overlap_chars=overlap_chars, first_id=len(passages)))
            sentences.extend(doc_sentences)
            sources[doc.doc_id] = Source(digests.get(doc.doc_id, ""), tuple(derive_user_words([doc.text])))
        tokenizer, _ = _tokenizer(sources, None)
        tokens = [tokenizer(p.text) for p in passages]
        by_id = {doc.doc_id: doc for doc in documents}
        vectors = _embedded([p.text for p in passages], embedder, progress)
        sentence_vectors = _embedded([by_id[s.doc_id].text[s.start : s.end] for s in sentences], embedder, progress)
        manifest = new_manifest(embedder.name, int(vectors.shape[1]), tokenizer, corpus_digest, len(documents), len(passages),
                             target_chars, overlap_chars, started)
        logger.info("built index: %d documents, %d passages in %.1f s", len(documents), len(passages), manifest.build_seconds)
        return cls(
            documents=tuple(documents),
            sentences=tuple(sentences),
            passages=tuple(passages),
            tokens=tokens,
            tokenizer=tokenizer,
            dense=DenseIndex.build(vectors),
            sentence_vectors=sentence_vectors.reshape(len(sentences), vectors.shape[1]).astype(SENTENCE_DTYPE),
            manifest=manifest,
            sources=sources,
        )

    def change(
        self,
        order: Sequence[str],
        fresh: Mapping[str, Document],
        embedder: Embedder,
        *,
        digests: Mapping[str, str] | None = None,
        progress: bool = False,
    ) -> "Index":
        """The index of the documents named in ``order`` (corpus order): those in ``fresh`` (new or replaced, with
        ``digests`` of their files) split, tokenised and embedded; every other one taken from this index as it is.

        The cost is that of the fresh documents, plus array moves over the kept rows (the BM25 postings, the
        substring keys, the vectors): no kept passage is tokenised again unless a user word the dictionary gains or
        loses occurs in it, and none is embedded. Gives the index ``build`` gives for the same documents (tested).
        Raises ``ValueError`` for an id in ``order`` that is neither here nor fresh, a fresh one not in ``order``, or
        another embedding model.
        """
        started = time.perf_counter()
        digests = dict(digests or {})
        if embedder.name != self.manifest.embedding_model:
            raise ValueError(f"this index was built with {self.manifest.embedding_model!r}, not {embedder.name!r}")
        unknown = [doc_id for doc_id in order if doc_id not in fresh and doc_id not in self.by_id]
        unknown += [doc_id for doc_id in fresh if doc_id not in order]
        if unknown or len(set(order)) != len(order) or not order:
            raise ValueError(f"cannot make an index of {len(order)} documents ({', '.join(unknown[:3]) or 'repeated or none'})")
        target, overlap = self.manifest.target_chars, self.manifest.overlap_chars
        documents: list[Document] = []
        sources: dict[str, Source] = {}
        passages: list[Passage] = []
        sentences: list[Sentence] = []
        spans: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
        kept: list[tuple[int, int, int, int, int, int]] = []  # blocks of kept rows: old passages, new start, old sentences, new start
        new_passages: list[int] = []
        new_sentences: list[int] = []
        known_passages: dict[str, np.ndarray] = {}  # the vectors a replaced document's unchanged text keeps
        known_sentences: dict[str, np.ndarray] = {}
        for doc_id in order:
            doc = fresh.get(doc_id)
            p, s = len(passages), len(sentences)
            if doc is None:
                doc = self.by_id[doc_id]
                (p0, p1), (s0, s1) = self._spans[doc_id]
                passages.extend(self.passages[p0:p1] if p == p0 else (_renumbered(row, p - p0) for row in self.passages[p0:p1]))
                sentences.extend(self.sentences[s0:s1])
                kept.append((p0, p1, p, s0, s1, s))
                sources[doc_id] = self.sources[doc_id]
            else:
                if doc_id in self.by_id:
                    kept_passages, kept_sentences = self._known_vectors(doc_id)
                    known_passages.update(kept_passages)
                    known_sentences.update(kept_sentences)
                doc_sentences = assign_periods(doc, split_sentences(doc))
                doc_passages = make_passages(doc, doc_sentences, target_chars=target, overlap_chars=overlap, first_id=p)
                new_passages.extend(range(p, p + len(doc_passages)))
                new_sentences.extend(range(s, s + len(doc_sentences)))
                passages.extend(doc_passages)
                sentences.extend(doc_sentences)
                sources[doc_id] = Source(digests.get(doc_id, ""), tuple(derive_user_words([doc.text])))
            if len(passages) > p or len(sentences) > s:
                spans[doc_id] = ((p, len(passages)), (s, len(sentences)))
            documents.append(doc)
        moved = np.full(len(self.passages), -1, dtype=np.int64)  # old passage -> its new position, -1: gone
        tokens: list = [None] * len(passages)
        for p0, p1, p, _, _, _ in kept:
            moved[p0:p1] = np.arange(p, p + p1 - p0)
            tokens[p : p + p1 - p0] = self.tokens[p0:p1]
        tokenizer, changed = _tokenizer(sources, self.tokenizer)
        # kept passages holding a word the dictionary gained or lost are tokenised again (see Tokenizer)
        retokenised = self._holding(changed)
        lexical_moved = moved.copy()
        lexical_moved[retokenised] = -1
        retokenised = moved[retokenised]
        retokenised = retokenised[retokenised >= 0]
        fresh_tokens = {int(i): tokenizer(passages[i].text) for i in (*new_passages, *retokenised.tolist())}
        for i, value in fresh_tokens.items():
            tokens[i] = value
        # the search structures this index built are moved along; those it never built are left to be built on use
        bm25 = self._bm25.splice(lexical_moved, len(passages), fresh_tokens) if self._bm25 is not None else None
        substrings = None
        if self._substrings is not None:
            lowered: list = [None] * len(passages)
            for p0, p1, p, _, _, _ in kept:
                lowered[p : p + p1 - p0] = self._substrings.texts[p0:p1]
            for i in new_passages:
                lowered[i] = passages[i].text.lower()
            substrings = self._substrings.splice(moved, lowered, new_passages)
        passage_texts = [passages[i].text for i in new_passages]
        sentence_texts = [_sentence_text(fresh, sentences[i]) for i in new_sentences]
        missing = sorted({t for t in passage_texts if t not in known_passages} | {t for t in sentence_texts if t not in known_sentences})
        embedded = dict(zip(missing, document_vectors(embedder, missing, progress=progress))) if missing else {}
        vectors = _moved_rows(self.dense.rows(), [(p0, p1, p) for p0, p1, p, *_ in kept], len(passages),
                              {i: known_passages.get(t, embedded.get(t)) for i, t in zip(new_passages, passage_texts)})
        sentence_vectors = _moved_rows(self.sentence_vectors, [(s0, s1, s) for *_, s0, s1, s in kept], len(sentences),
                                       {i: known_sentences.get(t, embedded.get(t)) for i, t in zip(new_sentences, sentence_texts)})
        redone = {passages[i].doc_id for i in retokenised.tolist()}
        saved = {doc_id: ref for doc_id, ref in self.saved.items() if doc_id in sources and doc_id not in fresh and doc_id not in redone}
        all_digests = {doc_id: source.digest for doc_id, source in sources.items()}
        manifest = new_manifest(embedder.name, self.manifest.dimension, tokenizer, combine_digests(all_digests), len(documents),
                             len(passages), target, overlap, started)
        logger.info("changed index: %d documents (%d new or replaced), %d passages (%d tokenised again) in %.2f s",
                    len(documents), len(fresh), len(passages), len(retokenised), manifest.build_seconds)
        return Index(
            documents=tuple(documents), sentences=tuple(sentences), passages=tuple(passages), tokens=tokens,
            tokenizer=tokenizer, dense=DenseIndex.build(vectors), sentence_vectors=sentence_vectors, manifest=manifest,
            sources=sources, bm25=bm25, substrings=substrings, saved=saved, spans=spans,
        )

    def _holding(self, words: set[str]) -> np.ndarray:
        """The passages whose lower-cased text holds one of ``words``, ascending: from the substring postings when
        built, else by a scan."""
        if not words:
            return np.empty(0, dtype=np.int64)
        if self._substrings is not None:
            return np.unique(np.concatenate([self._substrings.passages(word) for word in words]))
        pattern = re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))
        return np.array([i for i, p in enumerate(self.passages) if pattern.search(p.text.lower())], dtype=np.int64)

    def _known_vectors(self, doc_id: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """This index's vectors of a document's passage texts and of its sentence texts, by text (what a
        replacement keeps)."""
        (p0, p1), (s0, s1) = self._spans[doc_id]
        doc = self.by_id[doc_id]
        passages = dict(zip((p.text for p in self.passages[p0:p1]), self.dense.rows()[p0:p1]))
        sentences = dict(zip((doc.text[s.start : s.end] for s in self.sentences[s0:s1]), self.sentence_vectors[s0:s1]))
        return passages, sentences

    def spans(self) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
        """doc id -> ((first passage, end), (first sentence, end)): where each document's rows lie (they are contiguous)."""
        return dict(self._spans)

    def segment(self, doc_id: str) -> Segment:
        """One document's rows, as saved in its segment file."""
        (p0, p1), (s0, s1) = self._spans.get(doc_id, ((0, 0), (0, 0)))
        return Segment(self.by_id[doc_id], self.sources[doc_id], self.sentences[s0:s1], self.passages[p0:p1],
                       self.tokens[p0:p1], self.dense.rows()[p0:p1], self.sentence_vectors[s0:s1])

    def save(self, directory: Path | str, *, fresh: bool = False) -> None:
        """Write the index to ``directory`` so that a reader sees the old index or the new one, never a mix.

        Into a folder holding an index already (unless ``fresh``): the segments not there yet are written, then the
        manifest is replaced (one rename), then the segments it no longer lists are removed; a change of one report
        writes one segment. Otherwise the whole folder is built aside and swapped in. A failure or a kill before the
        rename leaves the old index; files it left are removed by the next save."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(directory):
            if not fresh and readable(directory):
                self._save_in_place(directory)
            else:
                self._save_aside(directory)
        logger.info("saved index to %s", directory)

    def _save_in_place(self, directory: Path) -> None:
        folder = directory / store.FOLDER
        folder.mkdir(exist_ok=True)
        refs = []
        for doc in self.documents:
            ref = self.saved.get(doc.doc_id)
            if ref is None or not (folder / ref.file).is_file():
                ref = store.write(folder, doc.doc_id, store.encode(self.segment(doc.doc_id)))
            refs.append(ref)
        self._write_manifest(directory, refs)
        removed = store.collect_garbage(folder, {ref.file for ref in refs})
        logger.debug("removed %d segments no manifest lists", len(removed))

    def _save_aside(self, directory: Path) -> None:
        staging = directory.parent / f".{directory.name}.building-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / store.FOLDER).mkdir(parents=True)
        try:
            refs = [store.write(staging / store.FOLDER, doc.doc_id, store.encode(self.segment(doc.doc_id))) for doc in self.documents]
            self._write_manifest(staging, refs)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        retired = directory.parent / f".{directory.name}.old-{os.getpid()}"
        if directory.exists():
            os.replace(directory, retired)
        try:
            os.replace(staging, directory)
        except BaseException:
            if retired.exists():
                os.replace(retired, directory)
            raise
        shutil.rmtree(retired, ignore_errors=True)

    def _write_manifest(self, folder: Path, refs: list[SegmentRef]) -> None:
        # the manifest goes last and names every segment with its checksum: a folder without one is never taken for an index
        manifest = replace(self.manifest, segments=[[ref.doc_id, ref.file, ref.sha256] for ref in refs])
        temporary = folder / f".manifest.json.{os.getpid()}.part"
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(json.dumps(asdict(manifest), ensure_ascii=False, indent=1))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, folder / "manifest.json")
        self.manifest = manifest
        self.saved = {ref.doc_id: ref for ref in refs}

    @staticmethod
    def read_manifest(directory: Path | str) -> Manifest:
        """Read just the manifest; raises ``IndexMissingError`` or ``StaleIndexError`` (unreadable or old format)."""
        return read_manifest(directory)

    @staticmethod
    def check(directory: Path | str, *, corpus_dir: Path | str | None = None, embedding_model: str | None = None) -> Manifest:
        """Check an index folder without loading it; returns its manifest (``qa.index.manifest.check``)."""
        return check(directory, corpus_dir=corpus_dir, embedding_model=embedding_model)

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        corpus_dir: Path | str | None = None,
        embedding_model: str | None = None,
    ) -> "Index":
        """Load an index saved by ``save`` after the checks of ``check``; a segment that does not match its checksum
        raises ``IndexDamagedError`` naming it and its report, one that cannot be read ``StaleIndexError``.

        A segment removed while this was reading (another process saved a change) makes it read the new manifest."""
        directory = Path(directory)
        manifest = cls.check(directory, corpus_dir=corpus_dir, embedding_model=embedding_model)
        for _ in range(3):
            try:
                return cls._read(directory, manifest)
            except FileNotFoundError as exc:
                missing = exc
                try:
                    newer = cls.check(directory, corpus_dir=corpus_dir, embedding_model=embedding_model)
                except QAError:
                    newer = manifest
                if newer == manifest:
                    break
                manifest = newer
        name = Path(missing.filename or "").name
        raise IndexDamagedError(f"the index segment {name} in {directory} is missing: rebuild it with 'qa index'")

    @classmethod
    def _read(cls, directory: Path, manifest: Manifest) -> "Index":
        folder = directory / store.FOLDER
        documents, sentences, passages, tokens, sources, saved, spans = [], [], [], [], {}, {}, {}
        passage_vectors, sentence_vectors = [], []
        for doc_id, file, sha256 in manifest.segments:
            ref = SegmentRef(doc_id, file, sha256)
            try:
                segment = store.read(folder, ref, first_passage=len(passages))
            except SegmentDamaged as exc:
                raise IndexDamagedError(f"the index segment {file} (report {doc_id}) in {directory} {exc}: rebuild it with 'qa index'") from None
            if segment.passages or segment.sentences:
                spans[doc_id] = ((len(passages), len(passages) + len(segment.passages)),
                                 (len(sentences), len(sentences) + len(segment.sentences)))
            documents.append(segment.document)
            sentences.extend(segment.sentences)
            passages.extend(segment.passages)
            tokens.extend(segment.tokens)
            sources[doc_id] = segment.source
            saved[doc_id] = ref
            passage_vectors.append(segment.passage_vectors)
            sentence_vectors.append(segment.sentence_vectors)
        dimension = manifest.dimension
        if (
            len(documents) != manifest.documents
            or len(sources) != len(documents)
            or len(passages) != manifest.passages
            or any(v.shape[1:] != (dimension,) for v in (*passage_vectors, *sentence_vectors) if len(v))
        ):
            raise StaleIndexError(f"the index in {directory} is inconsistent (segments of different builds): rebuild it with 'qa index'")
        vectors = np.concatenate(passage_vectors) if passage_vectors else np.zeros((0, dimension), dtype=np.float32)
        index = cls(
            documents=tuple(documents),
            sentences=tuple(sentences),
            passages=tuple(passages),
            tokens=tokens,
            tokenizer=Tokenizer(set().union(*(source.words for source in sources.values()))),
            dense=DenseIndex.build(vectors.reshape(-1, dimension)),
            sentence_vectors=np.concatenate(sentence_vectors).reshape(-1, dimension) if sentence_vectors else np.zeros((0, dimension), dtype=SENTENCE_DTYPE),
            manifest=manifest,
            sources=sources,
            saved=saved,
            spans=spans,
        )
        del segment, passage_vectors, sentence_vectors, vectors
        release_memory()
        return index


def _spans(passages: Sequence[Passage], sentences: Sequence[Sentence]) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    out: dict[str, list[list[int]]] = {}
    for rows, column in ((passages, 0), (sentences, 1)):
        for i, row in enumerate(rows):
            span = out.setdefault(row.doc_id, [[0, 0], [0, 0]])[column]
            if span[1] == 0:
                span[0] = i
            span[1] = i + 1
    return {doc_id: (tuple(p), tuple(s)) for doc_id, (p, s) in out.items()}


def _tokenizer(sources: Mapping[str, Source], previous: Tokenizer | None) -> tuple[Tokenizer, set[str]]:
    """The tokenizer for the union of the sources' words (``previous`` when that is its dictionary) and the words
    its dictionary gained or lost against ``previous``."""
    words = set().union(*(source.words for source in sources.values()))
    if previous is not None and words == previous.user_words_set:
        return previous, set()
    return Tokenizer(words), (words ^ previous.user_words_set if previous is not None else set())


def _sentence_text(documents: Mapping[str, Document], sentence: Sentence) -> str:
    return documents[sentence.doc_id].text[sentence.start : sentence.end]


def _embedded(texts: list[str], embedder: Embedder, progress: bool) -> np.ndarray:
    """The vectors of ``texts`` in order, each distinct text embedded once (in sorted order, one call)."""
    unique = sorted(set(texts))
    vectors = document_vectors(embedder, unique, progress=progress) if unique else np.zeros((0, 0), dtype=np.float32)
    row = {text: i for i, text in enumerate(unique)}
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32)[[row[t] for t in texts]]) if texts else np.zeros((0, 0), dtype=np.float32)


def _moved_rows(old: np.ndarray, blocks: list[tuple[int, int, int]], size: int, fresh: Mapping[int, np.ndarray]) -> np.ndarray:
    """Rows of a changed index: each block ``(start, end, new start)`` of old rows copied as one slice, the rows in
    ``fresh`` (position -> vector) set one by one."""
    out = np.empty((size, old.shape[1]), dtype=old.dtype)
    for start, end, new in blocks:
        out[new : new + end - start] = old[start:end]
    for position, vector in fresh.items():
        out[position] = vector
    return out


def _renumbered(passage: Passage, shift: int) -> Passage:
    """``replace(passage, passage_id=passage_id + shift)`` without its checks (a fifth of the time; kept passages
    of a changed index are renumbered by the tens of thousands)."""
    out = object.__new__(Passage)
    out.__dict__.update(passage.__dict__)
    out.__dict__["passage_id"] = passage.passage_id + shift
    return out


def build_index(corpus_dir: Path | str, index_dir: Path | str, embedder: Embedder, *, reuse: bool = False,
                previous: Index | None = None, changed: set[str] | None = None, progress: bool = False,
                **options) -> Index:
    """Read ``corpus_dir``, build the index and save it to ``index_dir``; returns the index.

    ``reuse=True`` starts from the index saved in ``index_dir`` (``previous``, the one in memory, when it is that
    one) and changes it (``Index.change``): only the reports whose files changed are read, split, tokenised and
    embedded. Which changed is told by ``changed`` (ids added, replaced or removed, as the library knows them) when
    every other difference is accounted for, else found by the digests of every report's files. Without an index
    to start from (or with other chunking ``options``) it builds from scratch, as ``qa index`` does; both give the
    same index (tested).
    """
    from qa.ingest.corpus import corpus_reports, load_document, report_digest

    corpus_dir = Path(corpus_dir)
    remove_leftovers(index_dir)
    paths = corpus_reports(corpus_dir)
    if reuse:
        previous = previous if is_saved(previous, index_dir) else _load_or_none(index_dir, embedder.name)
        chunking = (options.get("target_chars"), options.get("overlap_chars"))
        if previous is not None and previous.manifest.embedding_model == embedder.name and all(
            wanted in (None, had) for wanted, had in zip(chunking, (previous.manifest.target_chars, previous.manifest.overlap_chars))
        ):
            order = [path.stem for path in paths]
            known = changed is not None and (set(previous.by_id) - set(order)) <= changed and all(
                doc_id in changed or doc_id in previous.by_id for doc_id in order)
            if known:
                digests = {path.stem: report_digest(path) for path in paths if path.stem in changed}
            else:  # reports changed by hand in the folder: their digests tell
                digests = {path.stem: report_digest(path) for path in paths}
                digests = {doc_id: digest for doc_id, digest in digests.items()
                           if doc_id not in previous.sources or previous.sources[doc_id].digest != digest}
            fresh = {path.stem: load_document(path) for path in paths if path.stem in digests}
            index = previous.change(order, fresh, embedder, digests=digests, progress=progress)
            index.save(index_dir)
            return index
    digests = {path.stem: report_digest(path) for path in paths}
    documents = [load_document(path) for path in paths]
    index = Index.build(documents, embedder, corpus_digest=combine_digests(digests), digests=digests, progress=progress, **options)
    index.save(index_dir, fresh=True)
    return index


def _load_or_none(index_dir: Path | str, model: str) -> Index | None:
    try:
        return Index.load(index_dir, embedding_model=model)
    except QAError as exc:
        logger.info("building from scratch: no earlier index to reuse (%s)", exc)
        return None


def is_saved(index: Index | None, index_dir: Path | str) -> bool:
    """Whether ``index`` is the one saved in ``index_dir`` now (same build, by its manifest)."""
    if index is None:
        return False
    try:
        saved = Index.read_manifest(index_dir)
    except Exception:  # noqa: BLE001 - a missing or unreadable manifest means no
        return False
    return saved == index.manifest
