"""Real report files made from a report's text, as the tests need them: a two-column PDF with a fake-bold headline
(drawn twice, a hair apart, as newspapers do), a Word file and a web page. Not fixtures on disk: each test makes its
own from the text it is given."""
from __future__ import annotations

import html
import io
from pathlib import Path

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _font() -> str:
    """A CJK font registered with reportlab: WenQuanYi (embedded, as a newspaper's PDF would have it) when the
    machine has it (the browser tests install it), else reportlab's built-in STSong-Light."""
    from reportlab.pdfbase import pdfmetrics

    if WQY.exists():
        from reportlab.pdfbase.ttfonts import TTFont

        if "WQY" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("WQY", str(WQY), subfontIndex=0))
        return "WQY"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def two_column_pdf(headline: str, paragraphs: list[str], *, size: float = 10.0) -> bytes:
    """An A4 PDF: the headline across the page in fake bold, then the paragraphs in two columns, page after page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    margin, gap = 50.0, 24.0
    column_width = (width - 2 * margin - gap) / 2
    per_line = int(column_width // size)
    leading = size * 1.5

    def headline_block() -> float:
        pdf.setFont(font, 20)
        for dx in (0.0, 0.35):  # printed twice, a hair apart: bold in the newspaper, doubled characters in the text
            pdf.drawString(margin + dx, height - margin - 20, headline)
        return height - margin - 20 - 2 * leading

    top = headline_block()
    column, y = 0, top
    pdf.setFont(font, size)
    for paragraph in paragraphs:
        lines = ["\u3000\u3000" + paragraph[: per_line - 2]]
        rest = paragraph[per_line - 2 :]
        lines += [rest[i : i + per_line] for i in range(0, len(rest), per_line)]
        for line in lines:
            if y < margin:  # the next column, or the next page's first
                column += 1
                if column == 2:
                    pdf.showPage()
                    pdf.setFont(font, size)
                    column, top = 0, height - margin
                y = top
            pdf.drawString(margin + column * (column_width + gap), y, line)
            y -= leading
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def word_file(headline: str, paragraphs: list[str]) -> bytes:
    """A .docx: the headline as a heading, each paragraph a paragraph, and one small table."""
    import docx

    document = docx.Document()
    document.add_heading(headline, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def web_page(headline: str, paragraphs: list[str], *, charset: str = "utf-8") -> bytes:
    """An HTML page as a news site serves it: head, script, navigation, the article, a footer."""
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    page = (
        f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{html.escape(headline)}</title>'
        "<script>var tracker = '不是正文';</script><style>p { margin: 0 }</style></head>\n"
        f"<body><nav><a href='/'>首页</a></nav><article><h1>{html.escape(headline)}</h1>\n{body}</article>"
        "<footer>版权所有</footer></body></html>"
    )
    return page.encode(charset)


# --- hostile files: decompression bombs ------------------------------------------------------------------------------


def _zlib_of_repeats(size: int, *, wbits: int = 15, byte: bytes = b" ") -> bytes:
    """``size`` copies of ``byte`` compressed with zlib using a window of ``2**wbits`` (the header's first byte is
    0x78 for 15, 0x68 for 14, ...), made a block at a time."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = byte * 10_000_000
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.compress(byte * (size % len(block))) + compressor.flush()


def pdf_with_streams(streams: list[tuple[bytes, str]]) -> bytes:
    """A one-page PDF whose content is the given streams, each ``(raw bytes, filter entry)``, e.g.
    ``(data, "/Filter /FlateDecode")``, with its cross-reference table."""
    kids = " ".join(f"{4 + i} 0 R" for i in range(len(streams)))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [" + kids.encode() + b"] >>"]
    objects += [f"<< /Length {len(raw)} {filters} >>\nstream\n".encode() + raw + b"\nendstream" for raw, filters in streams]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def pdf_bomb(size: int = 1_000_000_000) -> bytes:
    """One content stream inflating to ``size`` bytes of spaces, zlib with the usual window (header 0x78)."""
    return pdf_with_streams([(_zlib_of_repeats(size), "/Filter /FlateDecode")])


def pdf_bomb_small_window(size: int = 1_500_000_000) -> bytes:
    """The same with a 16 KB zlib window (header byte 0x68), which a check for 0x78 alone misses."""
    raw = _zlib_of_repeats(size, wbits=14)
    assert raw[:1] == b"\x68"
    return pdf_with_streams([(raw, "/Filter /FlateDecode")])


def pdf_bomb_hex_flate(size: int = 1_000_000_000) -> bytes:
    """Flate wrapped in ASCIIHex: ``[/ASCIIHexDecode /FlateDecode]``, so the stream does not start like zlib."""
    return pdf_with_streams([(_zlib_of_repeats(size).hex().encode() + b">", "/Filter [/ASCIIHexDecode /FlateDecode]")])


def pdf_bomb_run_length(size: int = 1_000_000_000) -> bytes:
    """RunLength inside Flate: each two-byte run stands for 128 spaces, and the runs compress to almost nothing."""
    import zlib

    runs = b"\x81 " * (size // 128)
    return pdf_with_streams([(zlib.compress(runs, 9), "/Filter [/FlateDecode /RunLengthDecode]")])


def pdf_bomb_many_streams(count: int = 40, size: int = 30_000_000) -> bytes:
    """Many streams, each of a size a page might have, together far more than a report's."""
    raw = _zlib_of_repeats(size)
    return pdf_with_streams([(raw, "/Filter /FlateDecode")] * count)


def docx_bomb_lying_header(size: int = 300_000_000) -> bytes:
    """A Word file whose zip directory declares 2 KB for a member that inflates to ``size`` bytes (the CRC is that
    of the first 2 KB, so a reader that trusts the header sees a consistent member)."""
    import struct
    import zipfile
    import zlib

    honest = io.BytesIO()
    with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * 10_000_000
    raw = b"".join(compressor.compress(block) for _ in range(size // len(block))) + compressor.flush()
    declared = 2048
    crc = zlib.crc32(b"\0" * declared)
    name = b"word/media/bomb.bin"
    offset = len(honest.getvalue()) - len(_central_directory(honest.getvalue()))
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), declared, len(name), 0) + name
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(raw), declared, len(name), 0, 0, 0, 0, 0, offset) + name
    head = honest.getvalue()[:offset]
    old_central = _central_directory(honest.getvalue())[:-22]
    entries = len(zipfile.ZipFile(honest).infolist()) + 1
    new_central = old_central + central
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries, len(new_central), offset + len(local) + len(raw), 0)
    return head + local + raw + new_central + end


def _central_directory(data: bytes) -> bytes:
    """The central directory and end record of a zip archive with no comment."""
    import struct

    end = data[-22:]
    size, start = struct.unpack("<2L", end[12:20])
    return data[start:]
