"""The PDF helper writes Chinese text that a PDF reader extracts and draws."""

import pypdfium2 as pdfium

from xingfuli.core import pdf


def test_chinese_text_is_written_drawn_and_wrapped():
    s = pdf.styles()
    long_line = "两荤两素一汤一饭，" * 30
    story = [
        pdf.Paragraph("万泉街社区长者食堂本周菜单", s["title"]),
        pdf.Paragraph(pdf.escape(long_line + "<script>"), s["body"]),
        pdf.table([["星期", "菜品"], ["周一", "红烧肉、清炒时蔬"]]),
        pdf.qr("http://127.0.0.1:8000/report/b/1", size_mm=30),
    ]
    content = pdf.render(story, title="菜单", footer="幸福里")
    assert content.startswith(b"%PDF")

    document = pdfium.PdfDocument(content)
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert "万泉街社区长者食堂本周菜单" in text
    assert "红烧肉" in text and "<script>" in text
    # The long line wrapped onto several lines instead of running off the page.
    assert text.replace("\r\n", "").count("两荤两素") == 30
    assert len([ln for ln in text.splitlines() if "两荤" in ln]) > 3

    # Drawn: the title's band of the rendered page is not blank.
    image = page.render(scale=1).to_pil().convert("L")
    width, _height = image.size
    band = image.crop((0, 40, width, 90))
    assert band.getextrema()[0] < 128


def test_response_names_the_file_in_chinese():
    resp = pdf.response(b"%PDF-1.4", "菜单.pdf", download=True)
    assert resp["Content-Type"] == "application/pdf"
    assert "attachment" in resp["Content-Disposition"]
    assert "filename*=UTF-8''%E8%8F%9C%E5%8D%95.pdf" in resp["Content-Disposition"]
