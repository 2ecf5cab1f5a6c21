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
from qa.ingest.gazetteer import NATIONAL, city_short, gazetteer
from qa.ingest.normalize import WordModel, normalize_report
from qa.schema import Document

logger = logging.getLogger(__name__)

DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# Jinan's districts and counties; a report is about the one it names most often.
DISTRICTS = ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "济阳区", "莱芜区", "钢城区", "平阴县", "商河县")
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


def infer_title(text: str, headings: list[str], top: list[str]) -> str:
    """The headline, never a web page's furniture (下载 打印 【字号】 来源：) nor the salutation: the first heading
    naming a district with a colon (a newspaper's page: 历下：向国际化一流中心城区阔步前行); else a dated report's name
    on the first line (also where a page's toolbar is glued to it); else the name of a government work report in one
    of the first headings ``top`` (cut where the name ends); else the first of them, else the first heading, else the
    first line."""
    headings = [h for h in headings if not _FURNITURE.search(h) and not _NOT_A_TITLE.search(h)]
    top = [h for h in top if not _FURNITURE.search(h) and not _NOT_A_TITLE.search(h)]
    for heading in headings:
        if "：" in heading and any(d[:-1] in heading for d in DISTRICTS):
            return heading
    dated = _DATED_TITLE.search(text.split("\n", 1)[0][:_TITLE_ZONE])
    if dated is not None:
        return re.sub(r"\s+", "", dated.group(0))
    for heading in top[:5]:
        named = _NAMED_REPORT.search(heading)
        if named is not None:  # cut where the name ends: 标题：二00五年政府工作报告年份：2005, 政府工作报告2015年4月20日…
            return named.group(0)
    if top or headings:
        return (top or headings)[0]
    lines = [line for line in text.split("\n") if line.strip() and not _FURNITURE.search(line)]
    first = lines[0] if lines else text
    named = _NAMED_REPORT.search(first[:_TITLE_ZONE])
    return named.group(0) if named is not None else first[:40]


_NUMBER = "一二三四五六七八九十"
# the dateline of a report as delivered: 2025年1月20日在山东省第十四届人民代表大会第三次会议上, or 2025年1月15日龚正
# 市长在上海市第十六届人民代表大会第三次会议的政府工作报告, or 2015年4月20日驻马店市第三届人民代表大会第六次会议通过;
# the place is left out before 全国 (在第十四届全国人民代表大会第二次会议上). Old reports are printed in traditional
# characters (會議, 屆, 全國).
_CONGRESS = re.compile(
    rf"(?:(?P<year>(?:19|20)\d\d)年\d{{1,2}}月\d{{1,2}}日(?:[^在。\n]{{0,12}}在)?|在)\s*(?P<place>[\u4e00-\u9fff]{{2,24}}?)?\s*第[{_NUMBER}]+[届屆]"
    rf"(?P<national>全[国國])?人民代表大[会會]第[{_NUMBER}]+次(?:全体|全體)?[会會][议議]"
)
_NATIONAL_SPEAKER = re.compile(r"代表国务院|受国务院的?委托|国务院总理|代表國務院|國務院總理")
_TITLE_YEAR = re.compile(r"^((?:19|20)\d\d)年.{0,30}政府工作报告")
_REVIEW_HEADING = re.compile(r"^[一二三四五六七八九十]+、((?:19|20)\d\d)年(?:国内)?(?:工作)?(?:的)?回顾")
_PLAN_HEADING = re.compile(r"^[一二三四五六七八九十]+、((?:19|20)\d\d)年(?:经济社会发展|工作)?(?:的)?(?:总体要求|主要目标|主要任务|重点工作|工作安排)")
_ANY_YEAR = re.compile(r"((?:19|20)\d\d|[一二][九〇○零][一二三四五六七八九〇○零]{2})年")
_YEAR_DIGITS = str.maketrans("一二三四五六七八九〇○零", "123456789000")
# the National People's Congress: the year of each term's first session (from the fifth, one session a year)
_NPC_TERM_START = {5: 1978, 6: 1983, 7: 1988, 8: 1993, 9: 1998, 10: 2003, 11: 2008, 12: 2013, 13: 2018, 14: 2023}
# the session a report is addressed to (向第十届全国人民代表大会第一次会议报告), not one it recalls
_NPC_SESSION = re.compile(r"向第([一二三四五六七八九十]+)[届屆]全[国國]人民代表大[会會]第([一二三四五六七八九十]+)次")
_TITLE_ZONE = 300  # a headline stands in the first lines
_NAMED_REPORT = re.compile(r"(?:(?:19|20)\d\d\s*年|[一二][〇零0OＯ○][〇零0OＯ○一二三四五六七八九]{2}年)?[\u4e00-\u9fff]{0,20}?政府工作报告")
_DATED_TITLE = re.compile(r"(?:19|20)\d\d\s*年[\u4e00-\u9fff]{1,20}?政府工作报告")
# what a web page prints around a report: its toolbar, its counters, where it came from, its licence
_FURNITURE = re.compile(r"下载|打印|全屏|收藏|字号|分享|关闭窗口|浏览次数|阅读次数|来源[：:]|发布时间|【[大中小]】|Public\s*domain|字库未存字")
# a heading that is not a title: the salutation, a numbered section
_NOT_A_TITLE = re.compile(r"^(?:各位代表|同志们)|^[一二三四五六七八九十]+、")
_HEAD_CHARS = 1500  # a dateline stands at the top


def infer_metadata(canonical) -> dict:
    """What a report's text says of itself: its title, its place (``district``) and that place's level, the year it
    was delivered and the year it reviews.

    A report as delivered names the congress it was delivered to (2025年1月20日在山东省第十四届人民代表大会第三次会议上):
    that dateline gives the place and the year. Without one, a speaker for the State Council makes it national; a
    ``YYYY年…政府工作报告`` headline or the plan and review headings give the year, else the year the text names most
    (``infer_year``: a report reviews the year before it); the place comes from the level the text speaks as
    (``_place_by_voice``). A report printed without a headline (it opens with 各位代表) is titled by its year and
    place."""
    text = canonical.text
    found = [(p.start, re.sub(r"\s+", "", text[p.start : p.end])) for p in canonical.paragraphs if p.kind == "heading"]
    headings = [h for _, h in found]
    top = [h for start, h in found if start < _TITLE_ZONE]
    head = text[:_HEAD_CHARS]
    congress = _CONGRESS.search(head)
    place = year = None
    if congress is not None:
        place = NATIONAL if congress.group("national") else _place_named(congress.group("place") or "")
        year = int(congress.group("year")) if congress.group("year") else None
    if place is None and _NATIONAL_SPEAKER.search(head):
        place = NATIONAL
    if place is None:
        place = _place_by_voice(text)
    if year is None and place == NATIONAL:
        year = _npc_year(head)
    if year is None:
        year = _year_from_headings(headings) or infer_year(text)
    title = infer_title(text, headings, top)
    # a report delivered to a congress, or the country's, is its government's work report: named so when its own
    # headline is missing or bare; a newspaper's page keeps its own headline
    work_report = congress is not None or place == NATIONAL or _NOT_A_TITLE.search(title) is not None
    if (title == "政府工作报告" or (work_report and "政府工作报告" not in title)) and year is not None and place is not None:
        title = f"{year}年{'国务院' if place == NATIONAL else place}政府工作报告"
    return {"title": title, "district": place, "level": gazetteer().level(place), "year": year,
            "review_year": year - 1 if year else None}


def year_number(token: str) -> int:
    """A year in digits or in words (2024, 一九八五, 二○○三) as a number."""
    return int(token.translate(_YEAR_DIGITS))


def _npc_year(head: str) -> int | None:
    """The year of the National People's Congress session a report names (第十四届全国人民代表大会第二次会议 → 2024)."""
    m = _NPC_SESSION.search(head)
    if m is None:
        return None
    term, session = (_chinese_number(g) for g in m.groups())
    start = _NPC_TERM_START.get(term)
    return start + session - 1 if start is not None and 1 <= session <= 5 else None


def _chinese_number(token: str) -> int:
    """一 … 九十九 as a number."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    if "十" not in token:
        return digits.get(token, 0)
    tens, _, ones = token.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


def infer_year(text: str) -> int | None:
    """The year a report without a dated headline is most likely from: it reviews the year it names most, so that
    year plus one when the text names that too (its plans), else the year named most; None when it names none.
    Takes canonical text (its figures already in ordinary digits)."""
    counts = Counter(year_number(y) for y in _ANY_YEAR.findall(text))
    if not counts:
        return None
    top = counts.most_common(1)[0][0]
    return top + 1 if counts.get(top + 1) else top


_VOICE = 10  # a report speaking for a province or city says 全省 or 全市 this often at least


def _place_by_voice(text: str) -> str | None:
    """The place of a report without a dateline, by the level it speaks as: 全国 most (ten times or more), the
    country; 全省, the province it names most (by full or short name); 全市, the city; else the district or county
    it names most (``infer_district``)."""
    voices = {level: len(re.findall(word, text)) for level, word in
              (("national", "全[国國]"), ("province", "全省|全区各族"), ("city", "全市"), ("county", "全县|全区"))}
    level = max(voices, key=voices.get)
    if level == "national" and voices[level] >= 10:  # the country's report speaks of 全国 above all
        return NATIONAL
    named = infer_district(text)
    if named is not None and voices[level] < _VOICE:
        return named  # a district's report quoting the province (全省) now and then is still the district's
    if voices[level] >= 3 and level != "county":
        places = gazetteer()
        if level == "province":
            counts = {full: text.count(short) for full, short in places.provinces.items()}
        else:
            counts = {city: text.count(city_short(city)) for city in places.cities if len(city_short(city)) >= 2}
        best = max(counts, key=counts.get)
        if counts[best] >= 2:
            return best
    return named


def _place_named(text: str) -> str | None:
    """The place a congress's name gives: its longest known ending (济南市历下区 → 历下区, 山东省 → 山东省), or a
    province in short form (广西 → 广西壮族自治区)."""
    places = gazetteer()
    for start in range(len(text)):
        tail = text[start:]
        if places.level(tail) is not None or tail in DISTRICTS:
            return tail
        full = places.province(tail)
        if full is not None:
            return full
    return None


def _year_from_headings(headings: list[str]) -> int | None:
    for heading in headings[:3]:
        m = _TITLE_YEAR.match(heading)
        if m:
            return int(m.group(1))
    for heading in headings:
        m = _PLAN_HEADING.match(heading)
        if m:
            return int(m.group(1))
        m = _REVIEW_HEADING.match(heading)
        if m:
            return int(m.group(1)) + 1
    return None


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
    meta_path = path.with_suffix(".json")
    meta = read_metadata(meta_path) if meta_path.exists() else {}
    inferred = {**infer_metadata(canonical), "source": None, "date": None}
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
