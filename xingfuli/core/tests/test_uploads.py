"""Uploads: photos decoded and written again without EXIF; documents accepted by content."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xingfuli.core import uploads
from xingfuli.core.errors import DomainError
from xingfuli.core.testing import image_bytes


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (29.0, 30.0, 0.0), 3: "E", 4: (106.0, 33.0, 0.0)}  # GPS IFD
    exif[0x010F] = "PhoneMaker"
    return exif.tobytes()


def test_photo_is_reencoded_without_exif_and_bounded():
    raw = image_bytes("JPEG", size=(4000, 300), exif=gps_exif())
    assert b"PhoneMaker" in raw
    out = uploads.reencode_image(SimpleUploadedFile("p.jpg", raw))
    data = out.read()
    assert data.startswith(b"\xff\xd8\xff") and b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and max(image.size) == uploads.MAX_IMAGE_SIDE
        assert not image.getexif()
    assert out.name is not None and out.name.endswith(".jpg") and "p.jpg" not in out.name


@pytest.mark.parametrize("content", [b"<svg onload=alert(1)>", b"GIF89a broken", b"%PDF-1.4"])
def test_what_is_not_a_photo_is_refused_naming_the_field(content):
    with pytest.raises(DomainError) as e:
        uploads.reencode_image(SimpleUploadedFile("x.png", content), field="after_photo")
    assert e.value.field == "after_photo"


def test_gif_and_png_become_jpeg_and_limits_hold(monkeypatch):
    for fmt in ("GIF", "PNG", "WEBP"):
        out = uploads.reencode_image(SimpleUploadedFile("x", image_bytes(fmt)))
        assert out.read().startswith(b"\xff\xd8\xff"), fmt
    big = SimpleUploadedFile("x.png", image_bytes("PNG"))
    big.size = uploads.MAX_IMAGE_BYTES + 1
    with pytest.raises(DomainError, match="5 MB"):
        uploads.reencode_image(big)
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(DomainError, match="too many pixels"):
        uploads.reencode_image(SimpleUploadedFile("x.png", image_bytes("PNG", size=(20, 20))))


def test_documents_by_content_not_name():
    assert uploads.check_document(SimpleUploadedFile("a.txt", b"%PDF-1.7 ...")) == (
        "pdf", "application/pdf")
    assert uploads.check_document(SimpleUploadedFile("plan.xlsx", b"PK\x03\x04rest"))[0] == "xlsx"
    for name, content in [("a.pdf", b"<html>"), ("macro.xlsm", b"PK\x03\x04"),
                          ("a.exe", b"MZ\x90\x00")]:
        with pytest.raises(DomainError) as e:
            uploads.check_document(SimpleUploadedFile(name, content))
        assert e.value.field == "file"


def test_served_files_are_sandboxed_and_office_files_downloaded():
    pdf = uploads.file_response(io.BytesIO(b"%PDF"), filename="公示.pdf",
                                content_type="application/pdf")
    assert pdf["X-Content-Type-Options"] == "nosniff" and "sandbox" in pdf[
        "Content-Security-Policy"]
    assert pdf["Content-Disposition"].startswith("inline")
    sheet = uploads.file_response(io.BytesIO(b"PK"), filename="a.xlsx",
                                  content_type=uploads.content_type_of("a.xlsx"))
    assert sheet["Content-Disposition"].startswith("attachment")
