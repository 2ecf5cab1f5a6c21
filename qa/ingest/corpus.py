"""Read reports from a corpus folder: ``<doc_id>.txt|.pdf|.docx|.html`` (see ``formats``) with optional
``<doc_id>.json`` metadata."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.formats import KINDS, extract_text
from qa.ingest.normalize import WordModel, normalize_report
from qa.schema import Document

logger = logging.getLogger(__name__)

DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# Jinan's districts and counties; a report is about the one it names most often.
DISTRICTS = ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "济阳区", "莱芜区", "钢城区", "平阴县", "商河县")
_YEAR = re.compile(r"(20\d\d)年")
META_FIELDS = ("title", "district", "year", "review_year", "source", "date")


def corpus_hash(corpus_dir: Path) -> str:
    """What an index records of the corpus it was built from: ``combine_digests`` of every report's
    ``report_digest``. ``CorpusError`` when two reports share an id."""
    return combine_digests({path.stem: report_digest(path) for path in report_paths(Path(corpus_dir))})


def combine_digests(digests: dict[str, str]) -> str:
    """SHA-256 over report ids and their digests, in id order: a corpus's hash from its reports' digests, so an index
    that keeps them can tell its corpus's hash after a change without reading the unchanged reports."""
    digest = hashlib.sha256()
    for doc_id in sorted(digests):
        digest.update(f"{doc_id}\0{digests[doc_id]}\n".encode())
    return digest.hexdigest()


def report_digest(path: Path) -> str:
    """SHA-256 over a report's name and bytes and those of its metadata sidecar: what decides whether a build must
    read the report again."""
    digest = hashlib.sha256()
    for part in (path, path.with_suffix(".json")):
        if part.is_file():
            digest.update(part.name.encode() + b"\0" + part.read_bytes() + b"\0")
    return digest.hexdigest()


def report_paths(corpus_dir: Path) -> list[Path]:
    """The report files of a corpus folder, sorted; ``CorpusError`` when two share an id (``a.txt`` and ``a.pdf``)."""
    # scandir's entries know their type without a stat each (thousands of reports are listed at every change)
    paths = sorted(
        Path(corpus_dir, entry.name) for entry in os.scandir(corpus_dir)
        if entry.is_file() and Path(entry.name).suffix.lower() in KINDS and not entry.name.startswith(".")
    )
    stems = Counter(p.stem for p in paths)
    twice = sorted(stem for stem, n in stems.items() if n > 1)
    if twice:
        names = ", ".join(p.name for p in paths if p.stem == twice[0])
        raise CorpusError(f"two reports have the id {twice[0]!r} ({names}); keep one")
    return paths


def infer_district(text: str) -> str | None:
    """The district or county the text names most often, or None when none is named twice.

    Jinan's are counted by their short names too (``历下`` for 历下区; 市中 not inside 全市中心). Any other county-level
    division of China (``qa/ingest/districts.json``, from the national statistics bureau's list) counts by its full name, and
    by its name without 区/县/市/旗 (市南 for 市南区) once the full name occurs; it must be named more often than
    Jinan's best to win."""
    counts = Counter()
    for district in DISTRICTS:
        short = district[:-1]
        counts[district] = len(re.findall(short, text))
    counts["市中区"] = len(re.findall(r"(?<![全本城])市中(?!心|国)", text))
    district, count = counts.most_common(1)[0]
    other, other_count = _most_named_county(text)
    if other is not None and other_count > count and other_count >= 2:
        return other
    return district if count >= 2 else None


@lru_cache(maxsize=1)
def county_names() -> frozenset[str]:
    """The names of China's county-level divisions (districts, counties, county-level cities, banners) but Jinan's."""
    data = json.loads((Path(__file__).parent / "districts.json").read_text(encoding="utf-8"))
    names = {name for cities in data["divisions"].values() for names in cities.values() for name in names}
    return frozenset(names - set(DISTRICTS))


def _most_named_county(text: str) -> tuple[str | None, int]:
    names = county_names()
    found: Counter[str] = Counter()
    for end in (m.end() for m in re.finditer("[区县市旗]", text)):  # every name ends in one of these
        for length in range(2, min(end, 12) + 1):
            if text[end - length : end] in names:
                found[text[end - length : end]] += 1
    if not found:
        return None, 0
    # named with its short form too; between two that share it (栖霞市, 栖霞区) the one named in full more often
    scores = sorted(((text.count(name[:-1]) if len(name) >= 3 else full, full, name) for name, full in found.items()), reverse=True)
    (count, full, best), runner = scores[0], (scores[1][:2] if len(scores) > 1 else (0, 0))
    return (best, count) if (count, full) > runner else (None, 0)


def infer_year(text: str) -> int | None:
    """The year whose plans the report announces: the latest year it mentions as ``20xx年``, or None."""
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else None


def infer_title(text: str, headings: list[str]) -> str:
    """The headline: the first heading naming a district with a colon, else the first heading, else the first line."""
    for heading in headings:
        if "：" in heading and any(d[:-1] in heading for d in DISTRICTS):
            return heading
    if headings:
        return headings[0]
    return text.split("\n", 1)[0][:40]


def read_metadata(path: Path) -> dict:
    """Read a metadata sidecar; raise ``CorpusError`` when it is not a JSON object with known field types."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path.name}: metadata is not valid UTF-8 JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{path.name}: metadata must be a JSON object")
    for key in ("year", "review_year"):
        if meta.get(key) is not None and not isinstance(meta[key], int):
            raise CorpusError(f"{path.name}: {key} must be an integer year")
    return meta


def load_document(path: Path, words: WordModel | None = None) -> Document:
    """Read one report and its metadata; fields missing from the sidecar are inferred from the text."""
    doc_id = path.stem
    if not DOC_ID.match(doc_id):
        raise CorpusError(f"{path.name}: document ids may use letters, digits, '-', '_' and '.' only")
    canonical = normalize_report(extract_text(path.read_bytes(), path.name), words)
    text = canonical.text
    headings = [text[p.start : p.end] for p in canonical.paragraphs if p.kind == "heading"]
    meta_path = path.with_suffix(".json")
    meta = read_metadata(meta_path) if meta_path.exists() else {}
    inferred = {
        "title": infer_title(text, headings),
        "district": infer_district(text),
        "year": infer_year(text),
        "source": None,
        "date": None,
    }
    inferred["review_year"] = inferred["year"] - 1 if inferred["year"] else None
    values = {key: meta[key] if key in meta else inferred[key] for key in META_FIELDS}
    if "year" in meta and "review_year" not in meta and meta["year"]:
        values["review_year"] = meta["year"] - 1
    return Document(
        doc_id=doc_id,
        text=text,
        source_file=meta.get("source_file", path.name),
        metadata_origin="file" if any(key in meta for key in META_FIELDS) else "inferred",
        paragraphs=canonical.paragraphs,
        **values,
    )


def corpus_reports(corpus_dir: Path | str) -> list[Path]:
    """``report_paths``, raising ``CorpusError`` when the folder is missing or holds no report."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    paths = report_paths(corpus_dir)
    if not paths:
        raise CorpusError(f"no reports (.txt, .pdf, .docx, .html) in {corpus_dir}")
    return paths


def load_corpus(corpus_dir: Path | str, words: WordModel | None = None) -> list[Document]:
    """Read every report in ``corpus_dir`` (``.txt``, ``.pdf``, ``.docx``, ``.html``), sorted by id.

    Raises ``CorpusError`` when the folder is missing or holds no report, or when any report cannot be read: a
    build never silently leaves a report out.
    """
    documents = [load_document(path, words) for path in corpus_reports(corpus_dir)]
    logger.info("read %d reports from %s", len(documents), corpus_dir)
    return documents
