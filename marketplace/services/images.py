"""Uploaded photos: checked, re-encoded without metadata, resized, stored through Django's storage API.

Merchants are untrusted: the bytes must be a JPEG, PNG or WebP the size limits allow, are decoded once
under Pillow's decompression-bomb limit, turned upright by their EXIF orientation, and re-encoded as a
fresh JPEG. Nothing of the original file (EXIF with GPS position, camera serial, ICC tricks) is kept.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.exceptions import ValidationFailed

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class StoredImage:
    name: str  # storage name, e.g. "posts/3f2a….jpg"
    width: int
    height: int


def photo_error(message: str, *, reason: str) -> ValidationFailed:
    return ValidationFailed(message, details={"photo": [message], "reason": reason})


def image_clean(data: bytes, *, max_side: int | None = None) -> tuple[bytes, int, int]:
    """Check and re-encode uploaded image bytes; returns (JPEG bytes, width, height) or raises."""
    max_bytes = settings.LADENKARTE_UPLOAD_MAX_BYTES
    if len(data) > max_bytes:
        raise photo_error(
            _("The photo is too large (at most %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)},
            reason="too_large",
        )
    if not data:
        raise photo_error(_("The photo file is empty."), reason="empty")
    max_side = max_side or settings.LADENKARTE_PHOTO_MAX_SIDE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if kind not in ACCEPTED_FORMATS:
                    raise photo_error(_("Please upload a JPEG, PNG or WebP photo."), reason="type")
                if width * height > settings.LADENKARTE_UPLOAD_MAX_PIXELS:
                    raise photo_error(_("The photo has too many pixels."), reason="too_many_pixels")
                probe.verify()  # structural check; `verify` leaves the image unusable, so open again
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning):
        raise photo_error(_("The file is not a photo we can read."), reason="unreadable") from None
    except Image.DecompressionBombError:
        raise photo_error(_("The photo has too many pixels."), reason="too_many_pixels") from None
    if upright.mode in ("RGBA", "LA", "P"):
        rgba = upright.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        upright = canvas
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No `exif=` and no `icc_profile=`: the new file carries pixels only.
    upright.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue(), upright.width, upright.height


def image_store(data: bytes, *, folder: str) -> StoredImage:
    """Clean the bytes and save them under `folder/` with a content-derived name (storage API)."""
    clean, width, height = image_clean(data)
    digest = hashlib.sha256(clean).hexdigest()[:24]
    name = default_storage.save(f"{folder}/{digest}.jpg", ContentFile(clean))
    return StoredImage(name=name, width=width, height=height)


def image_delete(name: str) -> None:
    """Remove a stored image (after the row that pointed to it is gone or changed)."""
    if name:
        default_storage.delete(name)
