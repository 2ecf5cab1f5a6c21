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
