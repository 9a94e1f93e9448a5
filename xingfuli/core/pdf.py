"""Printable PDF documents with Chinese text (posters, notices, certificates, reports).

Built with reportlab's platypus. Chinese text uses the Adobe-GB1 CID font ``STSong-Light`` that
reportlab ships, so no font file is needed; PDF viewers draw it with their Song/Ming typeface.
Paragraphs wrap as Chinese text does (``wordWrap="CJK"``)::

    from xingfuli.core import pdf

    s = pdf.styles()
    story = [pdf.Paragraph("本周菜单", s["title"]), pdf.table([["周一", "红烧肉"]]),
             pdf.qr("https://example.org/b/1", size_mm=40)]
    return pdf.response(pdf.render(story, title="本周菜单"), "menu.pdf")
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = ["FONT", "PageBreak", "Paragraph", "Spacer", "qr", "render", "response", "styles",
           "table"]

FONT = "STSong-Light"


@cache
def _register_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles with the Chinese font: title, heading, body, small, big (posters)."""
    font = _register_font()

    def style(name: str, size: float, **extra: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.4,
                              wordWrap="CJK", **extra)

    return {
        "title": style("title", 22, alignment=1, spaceAfter=6 * mm),
        "heading": style("heading", 15, spaceBefore=4 * mm, spaceAfter=2 * mm),
        "body": style("body", 11.5, spaceAfter=1.5 * mm),
        "small": style("small", 9, textColor=colors.HexColor("#444444")),
        "big": style("big", 28, alignment=1, spaceAfter=4 * mm),
    }


def table(rows: Sequence[Sequence[Any]], *, col_widths: Sequence[float] | None = None,
          header: bool = True, font_size: float = 10.5) -> Table:
    """A ruled table; cells that are strings become wrapping paragraphs."""
    font = _register_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=font_size, leading=font_size * 1.35,
                          wordWrap="CJK")
    data = [[Paragraph(escape(c), cell) if isinstance(c, str) else c for c in row]
            for row in rows]
    t = Table(data, colWidths=col_widths, repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#666666")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), font),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")))
    t.setStyle(TableStyle(commands))
    return t


def escape(text: str) -> str:
    """Paragraph text is mini-markup: escape what a user typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def qr(data: str, *, size_mm: float = 35) -> Flowable:
    """A QR code of `data` (a URL), `size_mm` wide."""
    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    side = size_mm * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def render(story: Sequence[Flowable], *, title: str, wide: bool = False,
           footer: str = "") -> bytes:
    """The PDF bytes of `story` on A4 (landscape when `wide`), with page numbers."""
    font = _register_font()
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(buffer, pagesize=size, title=title, author="Xingfuli 幸福里",
                            leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm)

    def number(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        text = f"{footer}  ·  {document.page}" if footer else str(document.page)
        canvas.drawCentredString(size[0] / 2, 8 * mm, text)
        canvas.restoreState()

    doc.build(list(story), onFirstPage=number, onLaterPages=number)
    return buffer.getvalue()


def response(content: bytes, filename: str, *, download: bool = False) -> HttpResponse:
    """An HTTP response for the PDF; `filename` may be Chinese (RFC 6266 filename*)."""
    resp = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    ascii_name = filename.encode("ascii", "ignore").decode() or "document.pdf"
    resp["Content-Disposition"] = (
        f'{disposition}; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(filename)}'
    )
    return resp
