"""Uploaded attachments: recognised by what they contain, never by their name; hashed; stored
under a generated name in private storage."""

import hashlib
import io
import logging
import struct
import zlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image

from filings.models import Attachment, AuditEntry, Filing
from filings.models.filings import name_for_type
from filings.registry import audit

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


# A page scanned at 600 dpi is about 35 million pixels (A4 at 300 dpi: about 9 million).
MAX_PIXELS = 40_000_000
# Pillow's own guard, for any other code that opens an image: it warns above this and refuses
# above twice this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# The objects of a PDF that are looked through for scripts; a scanned report has a few thousand.
MAX_PDF_OBJECTS = 200_000
# Action types that run something when the PDF is opened or clicked.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/Rendition"}
# Keys that hold scripts or actions run on events (opening, closing, showing a page, a field).
ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA"}


def _check_pdf(content: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%%EOF" not in content[-2048:]:
        raise ValidationError(_("The PDF is incomplete (it may have been cut off while copying)."))
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("The PDF is password-protected; upload it without a password."))
        if len(reader.pages) == 0:
            raise ValidationError(_("The PDF has no pages."))
        active = _active_content(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        logger.info("Unreadable PDF upload: %s", error)
        raise ValidationError(_("The PDF cannot be read; it may be damaged.")) from None
    if active:
        logger.info("PDF upload refused: it carries %s", active)
        raise ValidationError(
            _(
                "The PDF contains scripts or actions that run when it is opened (JavaScript, "
                "launching programs). Save or print it again as a plain PDF and upload that."
            )
        )


def _active_content(reader) -> str | None:
    """The first script or automatic action found in the PDF (its key), or None.

    Walks every object reachable from the trailer, those inside object streams included, as
    pypdf resolves them; the raw bytes are not searched, as compressed content would give both
    misses and false alarms.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return "too many objects to check"
        if isinstance(item, DictionaryObject):
            for name, value in item.items():
                if name in ACTIVE_KEYS:
                    return name
                if name == "/S" and value in ACTIVE_ACTIONS:
                    return f"/S {value}"
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


def _check_image(content: bytes, content_type: str) -> None:
    """Reads the header for the size, refuses what is too large before decoding anything, then
    checks the image is complete with as little decoding as that needs: a JPEG at an eighth of
    its size, a PNG's compressed data streamed through zlib without keeping a pixel."""
    from PIL import JpegImagePlugin, PngImagePlugin

    # The format's own reader, not Image.open: it reads the header only and leaves the size to
    # the check below, which names it (Image.open would refuse a bomb without saying its size).
    reader = {
        "image/png": PngImagePlugin.PngImageFile,
        "image/jpeg": JpegImagePlugin.JpegImageFile,
    }[content_type]
    unreadable = ValidationError(_("The image cannot be read; it may be damaged or incomplete."))
    try:
        image = reader(io.BytesIO(content))
    except (OSError, SyntaxError, ValueError, struct.error):
        raise unreadable from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValidationError(
                _(
                    "The image is %(width)s × %(height)s pixels, more than the limit of "
                    "%(limit)s million pixels; scan it at 300 dpi."
                )
                % {"width": width, "height": height, "limit": MAX_PIXELS // 1_000_000}
            )
        try:
            image.verify()
        except (OSError, SyntaxError, ValueError, struct.error):
            raise unreadable from None
    try:
        if content_type == "image/png":
            _check_png_data(content)
        else:
            # Pillow pads a cut-off JPEG when anything in the process (WeasyPrint does, on import)
            # set ImageFile.LOAD_TRUNCATED_IMAGES: the end marker is looked for, after the last
            # scan, where compressed data cannot hold it.
            last_scan = content.rfind(b"\xff\xda")
            if last_scan == -1 or content.find(b"\xff\xd9", last_scan) == -1:
                raise ValueError("JPEG cut off")
            with reader(io.BytesIO(content)) as image:
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except (OSError, SyntaxError, ValueError, zlib.error, struct.error):
        raise unreadable from None


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
_ADAM7 += ((0, 1, 1, 2),)


def _png_data_length(width, height, depth, colour, interlaced) -> int:
    """The bytes a PNG's image data decompresses to (scanlines with their filter bytes)."""
    bits = depth * _PNG_CHANNELS[colour]

    def rows(w, h):
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits + 7) // 8)

    if not interlaced:
        return rows(width, height)
    return sum(
        rows((width - x + dx - 1) // dx, (height - y + dy - 1) // dy) for x, y, dx, dy in _ADAM7
    )


def _check_png_data(content: bytes) -> None:
    """Every chunk whole with its checksum, and the image data decompressing to exactly the size
    the header announces, counted a megabyte at a time: nothing of the image is kept."""
    position = 8
    expected = 0
    inflater = zlib.decompressobj()
    produced = 0
    while True:
        length, kind = struct.unpack(">I4s", content[position : position + 8])
        data = content[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", content[position + 8 + length : position + 12 + length])
        if len(data) != length or zlib.crc32(kind + data) != crc:
            raise ValueError("damaged chunk")
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _compression, _filter, interlace = struct.unpack(
                ">IIBBBBB", data
            )
            expected = _png_data_length(width, height, depth, colour, interlace == 1)
        elif kind == b"IDAT":
            chunk = data
            while True:
                out = len(inflater.decompress(chunk, 1 << 20))
                produced += out
                if produced > expected:
                    raise ValueError("more image data than the header says")
                chunk = inflater.unconsumed_tail
                if not chunk and out < 1 << 20:
                    break
        elif kind == b"IEND":
            break
    if not inflater.eof or produced != expected:
        raise ValueError("image data cut off")


def validate_upload(uploaded) -> tuple[bytes, str]:
    """The file's bytes and its real type, or a ValidationError saying what is wrong."""
    if uploaded.size > MAX_BYTES:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is 20 MB.") % {"size": uploaded.size / 2**20}
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."))
    content = uploaded.read()
    content_type = sniff(content[:16])
    if content_type is None:
        raise ValidationError(
            _("Only PDF, JPEG and PNG files are accepted, and this file is none of them.")
        )
    if content_type == "application/pdf":
        _check_pdf(content)
    else:
        _check_image(content, content_type)
    return content, content_type


def store(filing: Filing, actor, kind: str, uploaded) -> Attachment:
    from django.core.files.base import ContentFile

    content, content_type = validate_upload(uploaded)
    attachment = Attachment(
        filing=filing,
        kind=kind,
        original_name=name_for_type((uploaded.name or "attachment")[-255:], content_type),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save("upload", ContentFile(content), save=False)
    with transaction.atomic():
        attachment.save()
        audit.record(
            AuditEntry.Action.ATTACHMENT_UPLOADED,
            actor=actor,
            obj=attachment,
            organization=filing.organization,
            after=attachment_facts(attachment),
        )
    return attachment


def attachment_facts(attachment: Attachment) -> dict:
    return {
        "filing": attachment.filing.receipt_number or f"#{attachment.filing_id}",
        "kind": attachment.kind,
        "file": attachment.original_name,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def remove_files(names) -> None:
    """Remove stored files no row refers to any more (a deleted draft's uploads). Called after
    commit: a file that cannot be removed now (the bucket unreachable) is logged and left, never
    a failure of what was already done."""
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("Could not remove %s from storage; it is no longer referred to", name)
