"""Uploaded attachments: recognised by what they contain, never by their name; hashed; stored
under a generated name in private storage."""

import hashlib
import io
import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from filings.models import Attachment, Filing

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


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
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        logger.info("Unreadable PDF upload: %s", error)
        raise ValidationError(_("The PDF cannot be read; it may be damaged.")) from None


def _check_image(content: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()  # verify() does not decode; a cut-off image fails only here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("The image cannot be read; it may be damaged or incomplete.")
        ) from None


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
        _check_image(content)
    return content, content_type


def store(filing: Filing, actor, kind: str, uploaded) -> Attachment:
    from django.core.files.base import ContentFile

    content, content_type = validate_upload(uploaded)
    attachment = Attachment(
        filing=filing,
        kind=kind,
        original_name=(uploaded.name or "attachment")[-255:],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save("upload", ContentFile(content), save=False)
    attachment.save()
    return attachment
