"""Reports as files people have: a two-column PDF with a fake-bold headline, a Word file and a web page, each made here
from a seed's text, read back to the same canonical text; and every kind of bad file refused by name."""
from __future__ import annotations

import difflib
import io
import zipfile

import pytest

from conftest_app import ROOT
from qa.corpus import load_corpus
from qa.errors import CorpusError
from qa.formats import extract_text, page_text, Glyph, sniff
from qa.normalize import normalize_report
from report_files import two_column_pdf, web_page, word_file

SEED = ROOT / "corpus" / "lixia-2024-interview.txt"


@pytest.fixture(scope="module")
def seed():
    """The seed's canonical text, its headline and paragraphs."""
    canonical = normalize_report(SEED.read_text(encoding="utf-8")).text
    lines = canonical.split("\n")
    return canonical, lines[0], lines[1:]


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@pytest.mark.parametrize("name, make", [
    ("report.pdf", two_column_pdf), ("report.docx", word_file), ("report.html", web_page),
])
def test_each_format_reads_back_to_the_seeds_canonical_text(seed, name, make):
    canonical, headline, paragraphs = seed
    text = normalize_report(extract_text(make(headline, paragraphs), name)).text
    assert similarity(canonical, text) > 0.995
    assert text.split("\n")[0] == headline  # the headline is its own paragraph, printed once
    assert "新增学位7000余个" in text and "14.9万户" in text


def test_a_two_column_page_is_read_column_by_column(seed):
    _, headline, paragraphs = seed
    text = extract_text(two_column_pdf(headline, paragraphs), "report.pdf").replace("\n", "")
    # each paragraph, which the layout broke over lines and may have carried to the next column, reads whole
    whole = [p for p in paragraphs if len(p) > 60]
    assert sum(p in text for p in whole) >= len(whole) - 2
    positions = [text.find(p) for p in whole if p in text]
    assert positions == sorted(positions)


def test_fake_bold_prints_once_and_real_repetition_stays():
    glyphs = []
    for dx in (0.0, 0.3):  # the headline drawn twice
        glyphs += [Glyph(c, 100 + 20 * i + dx, 118 + 20 * i + dx, 700, 20) for i, c in enumerate("人人都是历下人")]
    assert page_text(glyphs) == "人人都是历下人"


def test_gbk_web_page_and_its_declared_charset(seed):
    _, headline, paragraphs = seed
    text = extract_text(web_page(headline, paragraphs[:3], charset="gbk"), "page.htm")
    assert headline in text and paragraphs[0][:20] in text
    assert "不是正文" not in text and "首页" not in text  # scripts and navigation are not the report


def test_a_corpus_of_mixed_formats_indexes_every_report(tmp_path, seed):
    canonical, headline, paragraphs = seed
    (tmp_path / "a.pdf").write_bytes(two_column_pdf(headline, paragraphs))
    (tmp_path / "b.docx").write_bytes(word_file(headline, paragraphs))
    (tmp_path / "c.html").write_bytes(web_page(headline, paragraphs))
    (tmp_path / "d.txt").write_bytes(SEED.read_text(encoding="utf-8").encode("gb18030"))
    documents = load_corpus(tmp_path)
    assert [d.doc_id for d in documents] == ["a", "b", "c", "d"]
    assert all(d.district == "历下区" and d.year == 2024 for d in documents)
    assert documents[3].text == canonical
    assert documents[0].source_file == "a.pdf"


def test_two_files_with_one_id_are_refused(tmp_path, seed):
    _, headline, paragraphs = seed
    (tmp_path / "a.txt").write_text("历下区" * 10, encoding="utf-8")
    (tmp_path / "a.html").write_bytes(web_page(headline, paragraphs))
    with pytest.raises(CorpusError, match="a.html, a.txt"):
        load_corpus(tmp_path)


def encrypted_pdf(seed_paragraphs: list[str]) -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    pdf.drawString(100, 700, "locked")
    pdf.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A page with only an image on it, as a scanner makes."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from PIL import Image

    image = io.BytesIO()
    Image.new("L", (200, 100), 128).save(image, format="PNG")
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawImage(ImageReader(io.BytesIO(image.getvalue())), 50, 500, 400, 200)
    pdf.save()
    return buffer.getvalue()


def zip_bomb_docx(seed_paragraphs: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "")
        archive.writestr("word/media/bomb.bin", b"\0" * 120_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize("name, make, message", [
    ("empty.pdf", lambda p: b"", "empty.pdf: the file is empty"),
    ("scan.pdf", lambda p: scanned_pdf(), "scan.pdf: the PDF has no text layer"),
    ("locked.pdf", encrypted_pdf, "locked.pdf: the PDF is encrypted"),
    ("cut.pdf", lambda p: two_column_pdf("标题", p)[:3000], "cut.pdf: the PDF is damaged"),
    ("word.pdf", lambda p: word_file("标题", p), r"word.pdf: its name says .pdf but it holds DOCX"),
    ("text.docx", lambda p: "\n".join(p).encode(), r"text.docx: its name says .docx but it holds plain text"),
    ("broken.docx", lambda p: word_file("标题", p)[:2000], r"broken.docx: its name says .docx but it holds binary"),
    ("bomb.docx", zip_bomb_docx, "bomb.docx: the Word file would inflate"),
    ("x.exe", lambda p: b"MZ\x90\x00", "x.exe: not a report format"),
    ("big.txt", lambda p: "历".encode() * 2_000_000, "big.txt: 6000000 bytes is more than a report can be"),
])
def test_bad_files_are_refused_naming_the_file(seed, name, make, message):
    with pytest.raises(CorpusError, match=message):
        extract_text(make(seed[2]), name)


def test_sniff_tells_kinds_by_content(seed):
    _, headline, paragraphs = seed
    assert sniff(two_column_pdf(headline, paragraphs[:2])) == "pdf"
    assert sniff(word_file(headline, paragraphs[:2])) == "docx"
    assert sniff(web_page(headline, paragraphs[:2])) == "html"
    assert sniff("历下区".encode()) == "text"
    assert sniff(b"\x00\x01\x02") == "binary"


def pdf_bomb() -> bytes:
    """A small PDF whose one content stream inflates to 1 GB of spaces."""
    import zlib

    inflater = zlib.compressobj(9)
    stream = b"".join(inflater.compress(b" " * 10_000_000) for _ in range(100)) + inflater.flush()
    body = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
            b"4 0 obj << /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n") + stream + b"\nendstream endobj\n%%EOF\n"
    return body


def test_a_pdf_bomb_is_refused_before_it_is_inflated():
    import resource
    import time

    bomb = pdf_bomb()
    assert len(bomb) < 2_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(CorpusError, match="bomb.pdf: the PDF's streams would inflate to more than"):
        extract_text(bomb, "bomb.pdf")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: no gigabyte in memory
    assert time.perf_counter() - started < 30
