"""Adding, replacing and removing reports: the corpus folder changes and the index follows, all or nothing.

A change is checked in full before anything is written (the file is read and normalised, its metadata checked), then
written into the corpus, then the saved index is changed by those reports alone (``Index.change``: the new report is
read, split, tokenised and embedded; no other is read again) and its segment written before the manifest is swapped.
If that fails, the corpus is put back as it was. A process killed midway leaves a corpus one step ahead of its
index: the next load sees the corpus changed and rebuilds, so the change completes; the backup folder it leaves is
removed.

The CLI (``qa add``/``qa remove``) and the server's document jobs both go through ``Library``; a lock file keeps
two processes from changing one corpus at once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from qa.ingest.corpus import DOC_ID, META_FIELDS, report_paths
from qa.index.embedding import Embedder
from qa.errors import CorpusError
from qa.ingest.formats import base_name, extract_text, report_suffix
from qa.index.housekeeping import folder_lock, pid_running
from qa.index.store import Index, build_index
from qa.ingest.normalize import normalize_report

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Report:
    """A report as it stands in the corpus folder: its id, file, sidecar (if any) and the file's SHA-256."""

    doc_id: str
    path: Path
    sidecar: Path | None
    sha256: str


def report_id(filename: str, data: bytes) -> str:
    """An id for an uploaded file: its name's stem when that is a valid id (letters, digits, ``-``, ``_``, ``.``),
    else ``report-`` and the start of the file's SHA-256. Only the last part of the name counts, never a folder."""
    stem = base_name(filename).rsplit(".", 1)[0].strip()
    if DOC_ID.match(stem) and not stem.startswith("."):
        return stem
    return "report-" + hashlib.sha256(data).hexdigest()[:12]


def sidecar_bytes(filename: str, metadata: dict) -> bytes:
    """The sidecar (``<id>.json``) a report added as ``filename`` with ``metadata`` gets: the metadata checked, and
    the file's own name."""
    sidecar = {**check_metadata(metadata), "source_file": base_name(filename)[:MAX_TITLE_CHARS]}
    return json.dumps(sidecar, ensure_ascii=False, indent=1).encode()


def check_metadata(metadata: dict) -> dict:
    """The metadata fields given (None and empty strings dropped), checked: years are whole numbers 1949–2100, the
    date is YYYY-MM-DD, texts are at most 200 characters. ``CorpusError`` otherwise."""
    out: dict = {}
    for key, value in metadata.items():
        if key not in META_FIELDS:
            raise CorpusError(f"unknown metadata field {key!r}; known: {', '.join(META_FIELDS)}")
        if value is None or value == "":
            continue
        if key in ("year", "review_year"):
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            if type(value) is not int or not 1949 <= value <= 2100:
                raise CorpusError(f"{key} must be a year (1949–2100), not {value!r}")
        elif not isinstance(value, str) or len(value) > MAX_TITLE_CHARS:
            raise CorpusError(f"{key} must be text of at most {MAX_TITLE_CHARS} characters")
        elif key == "date" and not _DATE.match(value):
            raise CorpusError(f"date must be YYYY-MM-DD, not {value!r}")
        out[key] = value.strip() if isinstance(value, str) else value
    return out


class Library:
    """The reports of one corpus folder and the index built from them; changes go through ``add`` and ``remove``."""

    def __init__(self, corpus_dir: Path | str, index_dir: Path | str, embedder: Embedder, *, max_documents: int = 5000,
                 index: Index | None = None, progress: bool = False) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.index = index  # the index in memory (the last one built or served), used when it is the one saved
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.max_documents = max_documents
        self.progress = progress  # a progress bar (on stderr) while the changed reports are embedded
        self._lock = threading.Lock()
        self._digests: dict[Path, tuple[tuple[int, int, int], str]] = {}

    def reports(self) -> dict[str, Report]:
        """The reports in the corpus folder, by id."""
        if not self.corpus_dir.is_dir():
            return {}
        out = {}
        for path in report_paths(self.corpus_dir):
            sidecar = path.with_suffix(".json")
            out[path.stem] = Report(path.stem, path, sidecar if sidecar.exists() else None, self._digest(path))
        return out

    def _digest(self, path: Path) -> str:
        """SHA-256 of a report file, read again only when its size or modification time changed (a change to one
        report should not read the thousands of others)."""
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        cached = self._digests.get(path)
        if cached is None or cached[0] != key:
            cached = self._digests[path] = (key, hashlib.sha256(path.read_bytes()).hexdigest())
        return cached[1]

    def check(self, data: bytes, filename: str, metadata: dict, reports: dict[str, Report], *, doc_id: str | None = None,
              replace: bool = False) -> str:
        """Check an addition (``replace``: a replacement) to a corpus holding ``reports`` without changing anything;
        returns the report's id. ``CorpusError`` when the file cannot be read, the metadata is wrong, the id is taken
        (or, for a replacement, unknown), or the same file is already there under another id."""
        report_suffix(filename)
        if doc_id is not None and (not DOC_ID.match(doc_id) or doc_id.startswith(".")):
            raise CorpusError(f"{doc_id!r} is not a valid id: letters, digits, '-', '_' and '.' only")
        doc_id = doc_id or report_id(filename, data)
        check_metadata(metadata)
        normalize_report(extract_text(data, filename))  # the whole read, as the build will do it
        if replace and doc_id not in reports:
            raise UnknownReport(doc_id)
        if not replace and doc_id in reports:
            raise CorpusError(f"a report with the id {doc_id!r} exists; replace it or choose another id")
        digest = hashlib.sha256(data).hexdigest()
        same = [r.doc_id for r in reports.values() if r.sha256 == digest and r.doc_id != doc_id]
        if same:
            raise CorpusError(f"this file is already in the corpus as {same[0]!r}")
        return doc_id

    def add(self, data: bytes, filename: str, metadata: dict | None = None, *, doc_id: str | None = None,
            replace: bool = False) -> tuple[str, Index]:
        """Add (or ``replace``) a report and rebuild the index; returns its id and the new index. On any failure the
        corpus and the index are as they were."""
        ids, index = self.add_all([(data, filename, metadata or {}, doc_id)], replace=replace)
        return ids[0], index

    def add_all(self, files: list[tuple[bytes, str, dict, str | None]], *, replace: bool = False) -> tuple[list[str], Index]:
        """Add (or ``replace``) several reports, each ``(data, filename, metadata, doc_id or None)``, with one rebuild;
        every file is checked before any is written, and either all go in or none."""
        with self._changing():
            reports = self.reports()
            writes: dict[str, bytes | None] = {}
            ids: list[str] = []
            for data, filename, metadata, doc_id in files:
                doc_id = self.check(data, filename, metadata, reports, doc_id=doc_id, replace=replace)
                if doc_id in ids:
                    raise CorpusError(f"{filename}: two of the files would have the id {doc_id!r}; give one another")
                same = [i for i, (other, *_) in zip(ids, files) if other == data]
                if same:
                    raise CorpusError(f"{filename}: the same file as {same[0]!r} in this batch")
                ids.append(doc_id)
                old = reports.get(doc_id)
                if old is not None:
                    writes[old.path.name] = None
                    if old.sidecar is not None:
                        writes[old.sidecar.name] = None
                writes[doc_id + report_suffix(filename)] = data
                writes[doc_id + ".json"] = sidecar_bytes(filename, metadata)
            if not replace and len(reports) + len(ids) > self.max_documents:
                raise CorpusError(f"the corpus holds {len(reports)} reports; {len(ids)} more would pass the most it may hold "
                                  f"({self.max_documents}, QA_MAX_DOCUMENTS)")
            return ids, self._apply(writes)

    @staticmethod
    def holds(report: Report | None, data: bytes, filename: str, metadata: dict) -> bool:
        """Whether ``report`` (as ``reports()`` gives it) is what adding ``data`` under ``filename`` with ``metadata``
        would leave: the same bytes under the same suffix and the same sidecar (a change a restart finds done)."""
        if report is None or report.sha256 != hashlib.sha256(data).hexdigest() or report.sidecar is None:
            return False
        if report.path.suffix.lower() != report_suffix(filename):
            return False
        try:
            return report.sidecar.read_bytes() == sidecar_bytes(filename, metadata)
        except (OSError, CorpusError):
            return False

    def remove(self, doc_id: str) -> Index:
        """Remove a report and rebuild the index; ``UnknownReport`` when there is none with this id; the last report
        cannot be removed (an index of nothing answers nothing)."""
        with self._changing():
            reports = self.reports()
            report = reports.get(doc_id)
            if report is None:
                raise UnknownReport(doc_id)
            if len(reports) == 1:
                raise CorpusError("this is the corpus's last report; add another before removing it")
            writes: dict[str, bytes | None] = {report.path.name: None}
            if report.sidecar is not None:
                writes[report.sidecar.name] = None
            return self._apply(writes)

    def rebuild(self) -> Index:
        """Rebuild the index from the corpus as it is, reusing vectors (what a restart does after a change)."""
        with self._changing():
            return self._build()

    def _build(self, changed: set[str] | None = None) -> Index:
        """The index of the corpus as it is now, saved: the saved one changed by the reports ``changed`` (ids added,
        replaced or removed), at their cost; see ``build_index``."""
        self.index = build_index(self.corpus_dir, self.index_dir, self.embedder, reuse=True, previous=self.index, changed=changed,
                                 progress=self.progress)
        return self.index

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """One change at a time: in this process (a lock) and across processes (a lock file beside the corpus)."""
        with self._lock:
            self.corpus_dir.mkdir(parents=True, exist_ok=True)
            recover(self.corpus_dir)
            with folder_lock(self.corpus_dir):
                yield

    def _apply(self, writes: dict[str, bytes | None]) -> Index:
        """Write (bytes) or delete (None) these corpus files, then rebuild; undo the writes if the rebuild fails.

        The files replaced or deleted go to a backup folder first, with a journal saying what is being written; once
        every write is done the journal says so. ``recover`` reads it after a kill: a change not fully written is
        rolled back, a written one is kept (the next build indexes it)."""
        backup = self.corpus_dir.parent / f".{self.corpus_dir.name}.backup-{os.getpid()}"
        shutil.rmtree(backup, ignore_errors=True)
        backup.mkdir()
        journal = {"writes": [n for n, d in writes.items() if d is not None], "written": False}
        _write_json(backup / JOURNAL, journal)
        try:
            for name, data in writes.items():
                target = self.corpus_dir / name
                if target.exists():
                    os.replace(target, backup / name)
                if data is not None:
                    temporary = self.corpus_dir / f".{name}.part"
                    temporary.write_bytes(data)
                    os.replace(temporary, target)
            _write_json(backup / JOURNAL, {**journal, "written": True})
            index = self._build({Path(name).stem for name in writes})
        except BaseException:
            _roll_back(self.corpus_dir, backup, journal["writes"])
            raise
        shutil.rmtree(backup, ignore_errors=True)
        return index


JOURNAL = "change.json"


def _write_json(path: Path, value: object) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(json.dumps(value), encoding="utf-8")
    os.replace(temporary, path)


def _roll_back(corpus_dir: Path, backup: Path, written: list[str]) -> None:
    for name in written:
        (corpus_dir / name).unlink(missing_ok=True)
    for kept in backup.iterdir():
        if kept.name not in (JOURNAL, JOURNAL + ".part"):
            os.replace(kept, corpus_dir / kept.name)
    shutil.rmtree(backup, ignore_errors=True)


class UnknownReport(CorpusError):
    """No report has this id."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"no report has the id {doc_id!r}")
        self.doc_id = doc_id


def recover(corpus_dir: Path | str) -> list[str]:
    """Finish what a change killed midway left (see ``Library._apply``): roll back one not fully written, keep one
    written (the next build indexes it); remove half-written files. Returns what was done, for the log."""
    corpus_dir = Path(corpus_dir)
    done = []
    for backup in corpus_dir.parent.glob(f".{corpus_dir.name}.backup-*"):
        pid = backup.name.rpartition("-")[2]
        if not pid.isdigit() or pid_running(int(pid)):
            continue
        try:
            journal = json.loads((backup / JOURNAL).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            journal = {"writes": [], "written": False}  # killed before anything was moved
        if journal.get("written"):
            shutil.rmtree(backup, ignore_errors=True)
            done.append(f"kept a change to {', '.join(journal['writes']) or 'the corpus'} that a killed process had written")
        else:
            _roll_back(corpus_dir, backup, list(journal.get("writes", [])))
            done.append(f"rolled back a change to {', '.join(journal.get('writes', [])) or 'the corpus'} that a killed process left half done")
    if corpus_dir.is_dir():
        for part in corpus_dir.glob(".*.part"):
            part.unlink(missing_ok=True)
    for line in done:
        logger.warning(line)
    return done
