"""The search index as a value object: built from documents, saved to a folder with a manifest, loaded with checks."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from . import __version__
from .chunking import make_passages, split_sentences
from .corpus import corpus_hash
from .dense import DenseIndex
from .embedding import Embedder
from .errors import IndexDamagedError, IndexMismatchError, IndexMissingError, StaleIndexError
from .lexical import BM25
from .periods import assign_periods
from .schema import Document, Paragraph, Passage, Sentence
from .tokenize import Tokenizer, derive_user_words

logger = logging.getLogger(__name__)

# Bump when the saved layout or anything that shapes the saved parts (normalising, chunking, tokenising) changes.
FORMAT_VERSION = 3  # 2: the manifest records a SHA-256 of every other part; 3: sources.json, words derived per report
PARTS = (
    "manifest.json", "documents.json", "sources.json", "sentences.json", "passages.json", "tokens.json", "userdict.txt",
    "dense.faiss", "sentence_vectors.npy",
)


@dataclass(frozen=True)
class Source:
    """What one document of an index came from and brought: the digest of its files (``corpus.report_digest``; a
    later build reads only reports whose digest changed) and the user words derived from its text."""

    digest: str
    words: tuple[str, ...]


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
    checksums: dict = field(default_factory=dict)  # part name -> SHA-256 of its bytes, checked at every load


class Index:
    """Documents, their sentences and passages, a BM25 index and a FAISS index, and the manifest describing them."""

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
    ) -> None:
        self.documents = documents
        self.sources = sources  # doc id -> Source; the tokenizer's user words are the union of their words
        self.sentences = sentences
        self.passages = passages
        self.tokens = tokens
        self.tokenizer = tokenizer
        self.dense = dense
        self.sentence_vectors = sentence_vectors  # unit vectors aligned with ``sentences``, to judge answer sentences
        self.manifest = manifest
        self.bm25 = BM25(tokens)
        self.by_id = {doc.doc_id: doc for doc in documents}

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
        previous: "Index | None" = None,
    ) -> "Index":
        """Split, tokenise and embed ``documents``; returns the index in memory (``save`` writes it).

        ``digests`` (doc id -> digest of its files) are kept with the index, so a later build can tell which reports
        changed without reading them. With ``previous`` (an index built with the same model and chunking), the work
        done for a document equal to one of its own is taken as it was: sentences, passages, derived words, tokens
        (unless a word the dictionary gained or lost occurs in the passage) and vectors; only changed documents are
        split, tokenised and embedded. The result is the index a build from scratch gives (tested).
        """
        started = time.perf_counter()
        if not documents:
            raise ValueError("cannot build an index of no documents")
        if previous is not None and (
            previous.manifest.embedding_model != embedder.name
            or (previous.manifest.target_chars, previous.manifest.overlap_chars) != (target_chars, overlap_chars)
        ):
            previous = None
        digests = digests or {}
        old_spans = previous.spans() if previous is not None else {}
        old_vectors = previous.dense.vectors() if previous is not None else None
        sentences: list[Sentence] = []
        passages: list[Passage] = []
        sources: dict[str, Source] = {}
        kept: list[tuple[int, int]] = []  # for each passage: its position in ``previous`` (or -1), reused or not
        sentence_blocks: list[np.ndarray | list[str]] = []  # reused vector rows, or texts still to embed
        passage_blocks: list[np.ndarray | list[str]] = []
        known: dict[str, np.ndarray] = {}  # vectors of the earlier version of a replaced document, by text
        for doc in documents:
            span = old_spans.get(doc.doc_id)
            if span is not None and previous.by_id[doc.doc_id] == doc:
                (p0, p1), (s0, s1) = span
                sentences.extend(previous.sentences[s0:s1])
                for i in range(p0, p1):
                    p = previous.passages[i]
                    passages.append(p if p.passage_id == len(passages) else replace(p, passage_id=len(passages)))
                    kept.append(i)
                sources[doc.doc_id] = Source(digests.get(doc.doc_id, ""), previous.sources[doc.doc_id].words)
                sentence_blocks.append(previous.sentence_vectors[s0:s1])
                passage_blocks.append(old_vectors[p0:p1])
                continue
            if span is not None:  # a replaced document: what text it shares with its earlier version keeps its vector
                (p0, p1), (s0, s1) = span
                old = previous.by_id[doc.doc_id]
                known.update(zip((p.text for p in previous.passages[p0:p1]), old_vectors[p0:p1]))
                known.update(zip((old.text[s.start : s.end] for s in previous.sentences[s0:s1]), previous.sentence_vectors[s0:s1]))
            doc_sentences = assign_periods(doc, split_sentences(doc))
            doc_passages = make_passages(doc, doc_sentences, target_chars=target_chars, overlap_chars=overlap_chars, first_id=len(passages))
            sentences.extend(doc_sentences)
            passages.extend(doc_passages)
            kept.extend([-1] * len(doc_passages))
            sources[doc.doc_id] = Source(digests.get(doc.doc_id, ""), tuple(derive_user_words([doc.text])))
            sentence_blocks.append([doc.text[s.start : s.end] for s in doc_sentences])
            passage_blocks.append([p.text for p in doc_passages])
        words = set().union(*(source.words for source in sources.values()))
        if previous is not None and words == previous.tokenizer.user_words_set:
            tokenizer, changed = previous.tokenizer, None
        else:
            tokenizer = Tokenizer(words)
            changed = words ^ previous.tokenizer.user_words_set if previous is not None else None
        # a passage's tokens depend on its text and the user words occurring in it (see Tokenizer): they are taken
        # from ``previous`` unless a word the dictionary gained or lost occurs in it
        touched = re.compile("|".join(map(re.escape, sorted(changed, key=len, reverse=True)))) if changed else None
        tokens = [
            previous.tokens[i] if i >= 0 and (touched is None or not touched.search(p.text.lower())) else tokenizer(p.text)
            for p, i in zip(passages, kept)
        ]
        vectors = _assemble(passage_blocks, embedder, known, progress=progress)
        sentence_vectors = _assemble(sentence_blocks, embedder, known, progress=progress)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            code_version=__version__,
            embedding_model=embedder.name,
            dimension=int(vectors.shape[1]),
            tokenizer=f"{tokenizer.name} (jieba cut_for_search, HMM) + user dictionary derived from each report",
            user_words=len(tokenizer.user_words),
            corpus_hash=corpus_digest,
            documents=len(documents),
            passages=len(passages),
            target_chars=target_chars,
            overlap_chars=overlap_chars,
            built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        reused = sum(i >= 0 for i in kept)
        logger.info("built index: %d documents, %d passages (%d reused) in %.1f s", len(documents), len(passages), reused,
                    manifest.build_seconds)
        return cls(
            documents=tuple(documents),
            sentences=tuple(sentences),
            passages=tuple(passages),
            tokens=tokens,
            tokenizer=tokenizer,
            dense=DenseIndex.build(vectors),
            sentence_vectors=sentence_vectors,
            manifest=manifest,
            sources=sources,
        )

    def spans(self) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
        """doc id -> ((first passage, end), (first sentence, end)): where each document's rows lie (they are contiguous)."""
        out: dict[str, list[list[int]]] = {}
        for rows, column in ((self.passages, 0), (self.sentences, 1)):
            for i, row in enumerate(rows):
                span = out.setdefault(row.doc_id, [[0, 0], [0, 0]])[column]
                if span[1] == 0:
                    span[0] = i
                span[1] = i + 1
        return {doc_id: (tuple(p), tuple(s)) for doc_id, (p, s) in out.items()}

    def save(self, directory: Path | str) -> None:
        """Write the index to ``directory`` atomically: build aside, then swap, so a failure leaves the old one."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = directory.parent / f".{directory.name}.building-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            self._write_parts(staging)
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
        logger.info("saved index to %s", directory)

    def _write_parts(self, folder: Path) -> None:
        def dump(name: str, value: object) -> None:
            (folder / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")

        documents = []
        for doc in self.documents:
            row = dict(vars(doc))
            row["paragraphs"] = [[p.start, p.end, p.kind] for p in doc.paragraphs]
            documents.append(row)
        dump("documents.json", documents)
        dump("sources.json", {doc_id: asdict(source) for doc_id, source in self.sources.items()})
        # flat records: their __dict__ is what asdict gives, without its deep copy (a tenth of the time)
        dump("sentences.json", [vars(s) for s in self.sentences])
        dump("passages.json", [vars(p) for p in self.passages])
        dump("tokens.json", self.tokens)
        (folder / "userdict.txt").write_text("\n".join(self.tokenizer.user_words) + "\n", encoding="utf-8")
        self.dense.save(folder / "dense.faiss")
        np.save(folder / "sentence_vectors.npy", self.sentence_vectors)
        # the manifest goes last, with the checksums of what is written: a folder without one is never taken for an index
        self.manifest = replace(self.manifest, checksums={name: part_digest(folder / name) for name in PARTS if name != "manifest.json"})
        (folder / "manifest.json").write_text(json.dumps(asdict(self.manifest), ensure_ascii=False, indent=1), encoding="utf-8")

    @staticmethod
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
            return Manifest(**data)
        except (ValueError, TypeError) as exc:
            raise StaleIndexError(f"the index manifest in {directory} is unreadable ({exc}): rebuild it with 'qa index'") from None

    @classmethod
    def check(cls, directory: Path | str, *, corpus_dir: Path | str | None = None, embedding_model: str | None = None) -> Manifest:
        """Check an index folder without loading it; returns its manifest.

        Raises ``IndexMissingError`` when there is none, ``StaleIndexError`` when it was built by another code version
        or from another corpus than ``corpus_dir`` holds now, ``IndexMismatchError`` when built with another model.
        """
        manifest = cls.read_manifest(directory)
        if manifest.code_version != __version__:
            raise StaleIndexError(
                f"the index in {directory} was built by qa {manifest.code_version}, this is {__version__}: rebuild it with 'qa index'"
            )
        if embedding_model is not None and manifest.embedding_model != embedding_model:
            raise IndexMismatchError(
                f"the index in {directory} was built with the embedding model {manifest.embedding_model!r}, "
                f"not {embedding_model!r}: rebuild it with 'qa index' or choose that model"
            )
        if corpus_dir is not None and Path(corpus_dir).is_dir() and corpus_hash(Path(corpus_dir)) != manifest.corpus_hash:
            raise StaleIndexError(
                f"the corpus in {corpus_dir} has changed since the index in {directory} was built: rebuild it with 'qa index'"
            )
        return manifest

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        corpus_dir: Path | str | None = None,
        embedding_model: str | None = None,
    ) -> "Index":
        """Load an index saved by ``save`` after the checks of ``check``; a part that does not match its checksum
        raises ``IndexDamagedError`` naming it, one that cannot be read ``StaleIndexError``."""
        directory = Path(directory)
        manifest = cls.check(directory, corpus_dir=corpus_dir, embedding_model=embedding_model)
        verify_parts(directory, manifest)
        try:
            def read(name: str) -> object:
                return json.loads((directory / name).read_text(encoding="utf-8"))

            documents = tuple(
                Document(**{**row, "paragraphs": tuple(Paragraph(*p) for p in row["paragraphs"])}) for row in read("documents.json")
            )
            sentences = tuple(Sentence(**row) for row in read("sentences.json"))
            passages = tuple(Passage(**row) for row in read("passages.json"))
            tokens = read("tokens.json")
            sources = {doc_id: Source(row["digest"], tuple(row["words"])) for doc_id, row in read("sources.json").items()}
            user_words = [w for w in (directory / "userdict.txt").read_text(encoding="utf-8").split("\n") if w]
            dense = DenseIndex.load(directory / "dense.faiss")
            sentence_vectors = np.load(directory / "sentence_vectors.npy")
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise StaleIndexError(f"the index in {directory} is damaged ({type(exc).__name__}: {exc}): rebuild it with 'qa index'") from None
        if (
            len(passages) != len(tokens)
            or len(passages) != len(dense)
            or dense.dimension != manifest.dimension
            or sentence_vectors.shape != (len(sentences), manifest.dimension)
            or sources.keys() != {doc.doc_id for doc in documents}
            or set().union(*(source.words for source in sources.values())) != set(user_words)
        ):
            raise StaleIndexError(f"the index in {directory} is inconsistent (parts of different builds): rebuild it with 'qa index'")
        return cls(
            documents=documents,
            sentences=sentences,
            passages=passages,
            tokens=tokens,
            tokenizer=Tokenizer(user_words),
            dense=dense,
            sentence_vectors=sentence_vectors,
            manifest=manifest,
            sources=sources,
        )


def part_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_parts(directory: Path, manifest: Manifest) -> None:
    """Raise ``IndexDamagedError`` naming the first part whose bytes do not match the manifest's checksum."""
    for name in PARTS:
        if name == "manifest.json":
            continue
        expected = manifest.checksums.get(name)
        try:
            found = part_digest(directory / name)
        except OSError:
            found = None
        if expected is None or found != expected:
            state = "is missing" if found is None else "does not match the checksum its manifest records (damaged or edited)"
            raise IndexDamagedError(f"the index part {name} in {directory} {state}: rebuild it with 'qa index'")


def remove_leftovers(index_dir: Path | str) -> list[Path]:
    """Remove the folders that builds killed midway left beside ``index_dir`` (``.index.building-<pid>``,
    ``.index.old-<pid>`` of a process no longer running); returns what was removed."""
    index_dir = Path(index_dir)
    removed = []
    for path in index_dir.parent.glob(f".{index_dir.name}.*-*"):
        kind, _, pid = path.name[len(index_dir.name) + 2 :].rpartition("-")
        if kind not in ("building", "old") or not pid.isdigit() or pid_running(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        logger.warning("removed %s, left by a build that did not finish", path.name)
    return removed


def pid_running(pid: int) -> bool:
    """Whether a process with this id is running (this one counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _assemble(blocks: list, embedder: Embedder, known: dict[str, np.ndarray], *, progress: bool = False) -> np.ndarray:
    """Stack blocks of vector rows in order; a block given as texts is embedded (all such texts in one call; a text
    in ``known`` keeps that vector)."""
    missing = sorted({t for block in blocks if isinstance(block, list) for t in block if t not in known})
    fresh = dict(zip(missing, embedder.embed(missing, progress=progress))) if missing else {}
    rows = [
        block if not isinstance(block, list)
        else np.stack([known[t] if t in known else fresh[t] for t in block]).reshape(len(block), -1) if block
        else None
        for block in blocks
    ]
    rows = [r for r in rows if r is not None and len(r)]
    return np.ascontiguousarray(np.concatenate(rows).astype(np.float32, copy=False)) if rows else np.zeros((0, 0), dtype=np.float32)


def build_index(corpus_dir: Path | str, index_dir: Path | str, embedder: Embedder, *, reuse: bool = False,
                previous: Index | None = None, **options) -> Index:
    """Read ``corpus_dir``, build the index and save it atomically to ``index_dir``; returns the index.

    ``reuse=True`` starts from the index already in ``index_dir`` (or ``previous``, the one in memory, when it is
    the one saved there): a report whose files have the digest recorded there is not read again, and what was done
    for it is kept (see ``Index.build``), so the cost of a rebuild is the cost of what changed. ``qa index`` builds
    from scratch; both give the same index (tested).
    """
    from .corpus import corpus_reports, load_document, report_digest
    from .errors import QAError

    corpus_dir = Path(corpus_dir)
    remove_leftovers(index_dir)
    paths = corpus_reports(corpus_dir)
    digest = corpus_hash(corpus_dir)
    digests = {path.stem: report_digest(path) for path in paths}
    if reuse and not _is_saved(previous, index_dir):
        try:
            previous = Index.load(index_dir, embedding_model=embedder.name)
        except QAError as exc:
            previous = None
            logger.info("building from scratch: no earlier index to reuse (%s)", exc)
    if not reuse or previous is None or previous.manifest.embedding_model != embedder.name:
        previous = None
    else:  # the same passages as before: keep its chunking
        options.setdefault("target_chars", previous.manifest.target_chars)
        options.setdefault("overlap_chars", previous.manifest.overlap_chars)
    documents = []
    for path in paths:
        source = previous.sources.get(path.stem) if previous is not None else None
        unchanged = source is not None and source.digest == digests[path.stem]
        documents.append(previous.by_id[path.stem] if unchanged else load_document(path))
    index = Index.build(documents, embedder, corpus_digest=digest, digests=digests, previous=previous, **options)
    index.save(index_dir)
    return index


def _is_saved(index: Index | None, index_dir: Path | str) -> bool:
    """Whether ``index`` is the one saved in ``index_dir`` now (same build, by its manifest)."""
    if index is None:
        return False
    try:
        saved = Index.read_manifest(index_dir)
    except Exception:  # noqa: BLE001 - a missing or unreadable manifest means no
        return False
    return saved == index.manifest
