"""The text of a report file as people have it: PDF with a text layer, Word (.docx), a web page (.html) or plain text
(UTF-8, or GB18030/GBK, which covers GB2312). The result is raw text, one block a line, for ``normalize_report``.

The kind is checked by content, not trusted from the name: ``x.pdf`` holding a Word file is refused, naming both.
Every refusal is a ``CorpusError`` naming the file and saying what to do. Limits keep a hostile file from costing
more than a report would: bytes read, pages read, bytes a DOCX may inflate to, characters extracted.

Libraries (all permissive): pdfminer.six (MIT) for PDF, python-docx (MIT) for DOCX, the standard library's
``html.parser`` for HTML. No OCR: a scanned PDF without a text layer is refused as such.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from qa.errors import CorpusError
from qa.ingest.inflate import InflateLimit, pdf_budget, zip_inflated_size

# suffix -> kind; a corpus file with another suffix is not a report
KINDS = {".txt": "text", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
MAX_TEXT_BYTES = 5_000_000  # a plain-text or HTML report; the longest seed is 17 KB
MAX_FILE_BYTES = 50_000_000  # a PDF or DOCX, whose images and fonts make them larger
MAX_PDF_PAGES = 300
MAX_DOCX_INFLATED = 100_000_000  # what the DOCX's parts may decompress to, together
MAX_PDF_INFLATED = 100_000_000  # what a PDF's streams may decode to, together (pdfminer keeps them all in memory)
MAX_CHARS = 2_000_000  # characters of text one report may yield
_CJK = re.compile(r"[\u4e00-\u9fff]")


def sniff(data: bytes) -> str:
    """The kind of file ``data`` is, by its content: pdf, docx, zip (another zip), html, binary or text."""
    if data.startswith(b"%PDF-") or data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else "zip"
        except (zipfile.BadZipFile, OSError, ValueError):
            return "binary"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<body" in data[:65536].lower()):
        return "html"
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


class WrongKind(CorpusError):
    """The file is not a report format this system reads, by its name or by its content."""


class TooLarge(CorpusError):
    """The file is larger than a report can be."""


def base_name(name: str) -> str:
    """The last part of a file name as a client sent it (``../../x.pdf`` → ``x.pdf``, Windows folders too)."""
    return re.split(r"[\\/]", name)[-1]


def report_suffix(name: str) -> str:
    """The lower-cased suffix of a file name's last part (``.pdf``, ...) when it is a report kind; ``WrongKind``
    naming the file otherwise. A folder in the name never counts."""
    base = base_name(name)
    suffix = "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if suffix not in KINDS:
        raise WrongKind(f"{base or '(no name)'}: not a report format this system reads (.txt, .pdf, .docx, .html)")
    return suffix


def check_kind(data: bytes, name: str) -> str:
    """The kind of report file ``name`` is (text, html, pdf, docx), checked against its content and size without
    reading it; ``WrongKind`` or ``CorpusError`` (empty, too large) naming the file otherwise."""
    suffix = report_suffix(name)
    kind = KINDS[suffix]
    if not data:
        raise CorpusError(f"{name}: the file is empty")
    limit = MAX_TEXT_BYTES if kind in ("text", "html") else MAX_FILE_BYTES
    if len(data) > limit:
        raise TooLarge(f"{name}: {len(data)} bytes is more than a report can be ({limit} bytes)")
    found = sniff(data)
    if found != kind and not (kind == "text" and found == "html"):
        said = {"text": "plain text", "binary": "binary data", "zip": "a zip archive that is not a Word file"}.get(found, found.upper())
        raise WrongKind(f"{name}: its name says {suffix} but it holds {said}; rename it or export it again")
    return kind


def extract_text(data: bytes, name: str) -> str:
    """The text of the report file ``name`` whose bytes are ``data``; ``CorpusError`` naming the file otherwise."""
    kind = check_kind(data, name)
    text = {"text": decode_text, "html": html_text, "pdf": pdf_text, "docx": docx_text}[kind](data, name)
    if "\x00" in text:
        raise CorpusError(f"{name}: contains NUL characters; it is not a text report")
    if len(text) > MAX_CHARS:
        raise CorpusError(f"{name}: {len(text)} characters is more than a report can be ({MAX_CHARS})")
    if not _CJK.search(text):
        if kind == "pdf":
            raise CorpusError(f"{name}: the PDF has no text layer (a scan?); OCR is not supported, export it with text")
        raise CorpusError(f"{name}: holds no Chinese text")
    readable, chinese = text_shares(text)
    if readable < MIN_READABLE_SHARE or chinese < MIN_CJK_SHARE:
        raise CorpusError(
            f"{name}: does not read as a Chinese report ({readable:.0%} of its characters are Chinese, punctuation, "
            f"digits or letters, {chinese:.0%} Chinese); a wrong encoding, or not a text file?"
        )
    return text


def decode_text(data: bytes, name: str) -> str:
    """Plain text: UTF-8 (a BOM allowed), UTF-16 with a BOM, else GB18030 (a superset of GBK and GB2312) when that
    decodes it as mostly Chinese; anything else is refused naming the byte that fails UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise CorpusError(f"{name}: starts like UTF-16 but does not decode as it") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        failure = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _mostly_chinese(text):
        return text
    raise CorpusError(
        f"{name}: neither UTF-8 nor GB18030 text (byte {failure.start}: {data[failure.start:failure.start + 2]!r}); "
        "convert it first, for example: iconv -f BIG5 -t UTF-8"
    )


# What the text of a Chinese report is made of: ASCII, Latin, Greek and Cyrillic letters, general punctuation and
# symbols (numbers, arrows, enclosed ①, box drawing, ★), CJK radicals, symbols, kana, bopomofo, ideographs (and
# extension A, compatibility forms), full-width forms. Random bytes decoded as UTF-16 land mostly elsewhere (Hangul,
# Yi, private use, unassigned).
_READABLE = ((0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x4FF), (0x2000, 0x20CF), (0x2100, 0x23FF), (0x2460, 0x27BF),
             (0x2E80, 0x2FDF), (0x3000, 0x312F), (0x31C0, 0x31EF), (0x3200, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
             (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
_READABLE_CHARS = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _READABLE) + "]")
MIN_READABLE_SHARE = 0.9  # every report read so far: 1.000; random bytes as UTF-16: 0.40-0.51
MIN_CJK_SHARE = 0.2  # every report read so far: 0.83-0.89; a wrongly guessed encoding gives about 0.3 at most


def text_shares(text: str) -> tuple[float, float]:
    """(readable, Chinese): the shares of the non-space characters of ``text`` that a Chinese report is made of
    (``_READABLE``) and that are CJK ideographs; (0, 0) for no such characters."""
    visible = "".join(text.split())
    if not visible:
        return 0.0, 0.0
    readable = sum(len(run) for run in _READABLE_CHARS.findall(visible))
    return readable / len(visible), len(_CJK.findall(visible)) / len(visible)


def _mostly_chinese(text: str) -> bool:
    """Whether ``text`` reads as a Chinese report: what a wrongly guessed encoding (random bytes read as GB18030 or
    UTF-16) does not give."""
    readable, chinese = text_shares(text)
    return readable >= MIN_READABLE_SHARE and chinese >= 0.3


class _HTMLText(HTMLParser):
    """The visible text of a page, a line per block element; scripts, styles, navigation and the head left out."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header",
              "footer", "blockquote", "pre", "table", "ul", "ol", "dd", "dt", "title"}
    HIDDEN = {"script", "style", "noscript", "template", "head", "svg", "iframe", "nav", "aside"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.IGNORECASE)


def html_text(data: bytes, name: str) -> str:
    """A web page's visible text, a line per block; its charset from ``<meta charset>``, else as plain text."""
    declared = _META_CHARSET.search(data[:4096])
    text = None
    if declared:
        charset = declared.group(1).decode("ascii").lower()
        charset = "gb18030" if charset in ("gb2312", "gbk", "gb18030") else charset
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode_text(data, name)
    parser = _HTMLText()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:
        raise CorpusError(f"{name}: the page cannot be parsed ({exc})") from None
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n\n".join(line for line in lines if line)  # a blank line between blocks, as the normaliser reads them


def pdf_text(data: bytes, name: str) -> str:
    """The text layer of a PDF in reading order (see ``page_text``), pages one after the other. Every stream pdfminer
    decodes counts against ``MAX_PDF_INFLATED`` for the whole file (``qa.ingest.inflate``)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.pdfdocument import PDFEncryptionError

    failure: CorpusError | None = None
    with pdf_budget(MAX_PDF_INFLATED) as budget:
        try:
            pages = [page_text(_characters(page)) for page in extract_pages(io.BytesIO(data), maxpages=MAX_PDF_PAGES)]
        except InflateLimit:
            pass
        except PDFEncryptionError:  # PDFPasswordIncorrect included
            failure = CorpusError(f"{name}: the PDF is encrypted; save an unprotected copy")
        except Exception as exc:  # a broken file makes pdfminer raise anything from its own errors to KeyError
            failure = CorpusError(f"{name}: the PDF is damaged or cannot be read ({type(exc).__name__})")
    if budget.exceeded:  # raised here, or caught by pdfminer itself, which went on without the stream
        failure = CorpusError(f"{name}: the PDF's streams inflate to more than {MAX_PDF_INFLATED} bytes (a PDF bomb?)")
    if failure is not None:
        raise failure  # outside the handler: the decoded streams held by the traceback are freed now
    return "\n\n".join(page for page in pages if page)


@dataclass(frozen=True)
class Glyph:
    """One printed character: its text, left and right edge, baseline, and font size (PDF points)."""

    text: str
    x0: float
    x1: float
    y: float
    size: float


def _characters(layout: Any) -> list[Glyph]:
    """Every character of a pdfminer layout object, depth first, in the order the page draws them."""
    from pdfminer.layout import LTChar

    glyphs: list[Glyph] = []
    stack = [layout]
    while stack:
        item = stack.pop()
        if isinstance(item, LTChar):
            glyphs.append(Glyph(item.get_text(), item.x0, item.x1, item.y0, max(item.size, 1.0)))
        elif hasattr(item, "__iter__"):
            stack.extend(reversed(list(item)))
    return glyphs


def page_text(glyphs: list[Glyph]) -> str:
    """A page's text in reading order, a blank line between blocks.

    1. A character printed again on itself (fake bold: the same glyph a hair to the side) is kept once.
    2. Characters on one baseline that follow each other closely form a segment; a gap wider than two characters
       (between columns) starts another.
    3. The page is read in bands, top to bottom: a segment wider than half the text area (a headline across the
       columns) is a band of its own; the segments between such lines are read column by column, left to right.
    4. Within a column a new block starts at a change of font size, an indented first line or a wider gap than the
       line spacing.
    """
    kept: list[Glyph] = []
    seen: dict[tuple[str, int, int], Glyph] = {}
    for g in glyphs:
        key = (g.text, round(g.x0 / (g.size * 0.25)), round(g.y / (g.size * 0.25)))
        if g.text.strip() and key in seen:
            continue
        seen[key] = g
        kept.append(g)
    segments = _segments(kept)
    if not segments:
        return ""
    left = min(s.x0 for s in segments)
    right = max(s.x1 for s in segments)
    wide = (right - left) / 2
    ordered: list[Segment] = []
    band: list[Segment] = []
    for segment in sorted(segments, key=lambda s: -s.y):
        if segment.x1 - segment.x0 > wide:
            ordered += _by_columns(band) + [segment]
            band = []
        else:
            band.append(segment)
    ordered += _by_columns(band)
    return _blocks(ordered)


@dataclass(frozen=True)
class Segment:
    """Characters on one baseline, read left to right, with no column gap between them."""

    text: str
    x0: float
    x1: float
    y: float
    size: float


def _segments(glyphs: list[Glyph]) -> list[Segment]:
    lines: dict[int, list[Glyph]] = {}
    for g in sorted(glyphs, key=lambda g: (-g.y, g.x0)):
        # one baseline: within a third of the size of a line already started
        key = next((k for k in lines if abs(lines[k][0].y - g.y) < g.size / 3), None)
        lines.setdefault(len(lines) if key is None else key, []).append(g)
    segments: list[Segment] = []
    for line in lines.values():
        line.sort(key=lambda g: g.x0)
        run = [line[0]]
        for g in line[1:]:
            if g.x0 - run[-1].x1 > 2 * g.size:
                segments.append(_segment(run))
                run = []
            run.append(g)
        segments.append(_segment(run))
    return [s for s in segments if s.text.strip()]


def _segment(run: list[Glyph]) -> Segment:
    while len(run) > 1 and not run[0].text.strip():  # a first line indented with spaces starts at its first character
        run = run[1:]
    text = "".join(g.text for g in run)
    return Segment(text, run[0].x0, run[-1].x1, min(g.y for g in run), max(g.size for g in run))


def _by_columns(band: list[Segment]) -> list[Segment]:
    """The segments of a band column by column: a column is the segments starting within a few characters of one
    another's left edges."""
    columns: list[list[Segment]] = []
    for segment in sorted(band, key=lambda s: s.x0):
        if columns and segment.x0 - columns[-1][0].x0 < 4 * segment.size and not any(
            abs(segment.y - other.y) < segment.size / 3 for other in columns[-1]
        ):
            columns[-1].append(segment)
        else:
            columns.append([segment])
    # columns whose left edges differ only by an indentation belong together: merge them back
    merged: list[list[Segment]] = []
    for column in columns:
        if merged and column[0].x0 - merged[-1][0].x0 < 4 * column[0].size and _no_overlap(merged[-1], column):
            merged[-1].extend(column)
        else:
            merged.append(column)
    return [s for column in merged for s in sorted(column, key=lambda s: -s.y)]


def _no_overlap(a: list[Segment], b: list[Segment]) -> bool:
    return not any(abs(x.y - y.y) < x.size / 3 for x in a for y in b)


def _blocks(segments: list[Segment]) -> str:
    out: list[str] = []
    previous: Segment | None = None
    column_left = segments[0].x0
    for segment in segments:
        new_block = previous is None
        if previous is not None:
            step = previous.y - segment.y
            same_column = 0 < step < 3 * segment.size and abs(segment.x0 - column_left) < 4 * segment.size
            if not same_column:
                column_left = segment.x0
            new_block = (
                not same_column
                or abs(segment.size - previous.size) > 0.5
                or step > 2.0 * segment.size
                or segment.x0 - column_left > 1.5 * segment.size  # an indented first line
            )
            if same_column:
                column_left = min(column_left, segment.x0)
        out.append(("\n\n" if new_block and out else "\n" if out else "") + segment.text.strip())
        previous = segment
    return "".join(out)


def docx_text(data: bytes, name: str) -> str:
    """The paragraphs of a Word file, then its tables a row a line (cells joined by spaces)."""
    import docx  # python-docx

    bomb = CorpusError(f"{name}: the Word file inflates to more than {MAX_DOCX_INFLATED} bytes (a zip bomb?)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_INFLATED:
            raise bomb
    try:  # what the members really inflate to, whatever their headers say, before python-docx inflates them whole
        zip_inflated_size(data, MAX_DOCX_INFLATED)
    except InflateLimit:
        raise bomb from None
    except zipfile.BadZipFile as exc:
        raise CorpusError(f"{name}: the Word file is damaged ({exc})") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx and lxml raise many kinds for a broken package
        raise CorpusError(f"{name}: the Word file is damaged ({type(exc).__name__})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n\n".join(line for line in lines if line.strip())
