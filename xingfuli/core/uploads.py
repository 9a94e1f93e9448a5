"""Files people upload: checked by their content, images re-encoded, served safely.

Photos are decoded and written again as JPEG (at most 2,560 px on the long side, without EXIF:
no GPS position of a resident's home leaves with a photo, and nothing but pixels survives).
Documents are accepted by their first bytes (PDF, JPEG, PNG, Office files), not their names.
Both are served by access-checked views through `file_response`, never from MEDIA_URL: with
`nosniff`, a sandboxing Content-Security-Policy, and as a download unless the type is shown inline.
"""

from __future__ import annotations

import io
import uuid
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from xingfuli.core.errors import DomainError, ErrorCode

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 2560
MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs long before memory runs out
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

# (first bytes, extension, content type) of the documents we take.
_DOCUMENTS = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"PK\x03\x04", "zip-office", ""),  # .docx/.xlsx: decided by the name below
)
_OFFICE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def _size(upload: File[Any]) -> int:
    return int(getattr(upload, "size", 0) or 0)


def reencode_image(upload: File[Any], *, field: str = "photo") -> ContentFile[bytes]:
    """The upload as a fresh JPEG, or a DomainError naming `field`."""
    size = _size(upload)
    if size <= 0:
        raise DomainError(ErrorCode.INVALID, _("Choose a photo."), field=field)
    if size > MAX_IMAGE_BYTES:
        raise DomainError(ErrorCode.INVALID, _("A photo may be at most 5 MB."), field=field)
    not_image = DomainError(
        ErrorCode.INVALID, _("Only photos (PNG, JPEG, GIF or WebP) can be added."), field=field
    )
    upload.seek(0)
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in {"JPEG", "PNG", "GIF", "WEBP", "MPO"}:
                raise not_image
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise DomainError(ErrorCode.INVALID, _("This photo has too many pixels."),
                                  field=field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)  # the first frame of a GIF
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise not_image from None
    picture.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def check_document(upload: File[Any], *, field: str = "file") -> tuple[str, str]:
    """(extension, content type) of an accepted document, or a DomainError naming `field`."""
    size = _size(upload)
    if size <= 0:
        raise DomainError(ErrorCode.INVALID, _("Choose a file."), field=field)
    if size > MAX_DOCUMENT_BYTES:
        raise DomainError(ErrorCode.INVALID, _("A file is at most 10 MB."), field=field)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    name = (getattr(upload, "name", "") or "").lower()
    for magic, extension, content_type in _DOCUMENTS:
        if head.startswith(magic):
            if extension != "zip-office":
                return extension, content_type
            office = name.rsplit(".", 1)[-1]
            if office in _OFFICE:
                return office, _OFFICE[office]
    raise DomainError(
        ErrorCode.INVALID,
        _("Only PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) files can be added."),
        field=field,
    )


def content_type_of(name: str) -> str:
    """The content type we serve a stored file with, from the extension we gave it."""
    extension = name.lower().rsplit(".", 1)[-1]
    known = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg",
             "png": "image/png", **_OFFICE}
    return known.get(extension, "application/octet-stream")


def file_response(handle: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """Serve a stored upload: never sniffed, sandboxed, inline only for PDF and images."""
    inline = content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=filename,
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
