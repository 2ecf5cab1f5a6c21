"""Reports as files people have: a two-column PDF with a fake-bold headline, a Word file and a web page, each made here
from a seed's text, read back to the same canonical text; and every kind of bad file refused by name."""
from __future__ import annotations

import difflib
import io
import zipfile

import pytest

from conftest_app import ROOT
from qa.ingest.corpus import load_corpus
from qa.errors import CorpusError
from qa.ingest.formats import extract_text, page_text, Glyph, sniff
from qa.ingest.normalize import normalize_report
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
    ("bomb.docx", zip_bomb_docx, "bomb.docx: the Word file inflates to more than"),
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


# Each bomb is made and read in a process of its own, so its peak memory is its own: (maker, file name, size).
BOMBS = {
    "flate": ("pdf_bomb", "bomb.pdf", 400_000_000),
    "flate with a 16 KB window (0x68)": ("pdf_bomb_small_window", "bomb.pdf", 400_000_000),
    "flate inside ASCIIHex": ("pdf_bomb_hex_flate", "bomb.pdf", 400_000_000),
    "RunLength inside flate": ("pdf_bomb_run_length", "bomb.pdf", 1_000_000_000),
    "40 streams of 30 MB": ("pdf_bomb_many_streams", "bomb.pdf", None),
    "docx declaring 2 KB for 300 MB": ("docx_bomb_lying_header", "bomb.docx", 300_000_000),
}
PROBE = """
import json, sys, time
sys.path.insert(0, {tests!r})
import report_files
from qa.errors import CorpusError
from qa.ingest.formats import extract_text
import docx, pdfminer.high_level  # loaded before the baseline
maker = getattr(report_files, {maker!r})
data = maker() if {size!r} is None else maker({size!r})
def status(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field))
before = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # VmHWM starts again from now
started = time.perf_counter()
try:
    extract_text(data, {name!r})
    refused = None
except CorpusError as exc:
    refused = str(exc)
print(json.dumps({{"refused": refused, "peak_mb": (status("VmHWM:") - before) / 1024, "seconds": time.perf_counter() - started}}))
"""


@pytest.mark.parametrize("kind", list(BOMBS))
def test_a_decompression_bomb_is_refused_at_the_cap_with_little_memory(kind):
    import json
    import subprocess
    import sys
    from pathlib import Path

    maker, name, size = BOMBS[kind]
    script = PROBE.format(tests=str(Path(__file__).parent), maker=maker, size=size, name=name)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["refused"] is not None and outcome["refused"].startswith(name)
    assert "bomb?" in outcome["refused"] or "damaged" in outcome["refused"]
    assert outcome["peak_mb"] < 200, outcome
    assert outcome["seconds"] < 30
