"""Uploaded photos: checked, re-encoded without metadata, resized, stored through Django's storage API.

Merchants are untrusted: the bytes must be a JPEG, PNG or WebP the size limits allow, are decoded once
under Pillow's decompression-bomb limit, turned upright by their EXIF orientation, and re-encoded as a
fresh JPEG (posts) or WebP with a WebP thumbnail (product photos). Nothing of the original file (EXIF
with GPS position, camera serial, ICC tricks) is kept.
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
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.exceptions import DomainError, ValidationFailed

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class StoredImage:
    name: str  # storage name, e.g. "posts/3f2a….jpg"
    width: int
    height: int


def photo_error(message: str, *, reason: str) -> ValidationFailed:
    return ValidationFailed(message, details={"photo": [message], "reason": reason})


class PhotoTooLarge(DomainError):
    """A product photo over `LADENKARTE_UPLOAD_MAX_BYTES`: 413, nothing stored."""

    code = "photo_too_large"
    status = 413
    default_message = gettext_lazy("The photo is too large.")


def _too_large_message() -> str:
    max_bytes = settings.LADENKARTE_UPLOAD_MAX_BYTES
    return _("The photo is too large (at most %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)}


def image_decode(data: bytes) -> Image.Image:
    """Check uploaded bytes (size, type, pixels, structure) and decode them upright by their EXIF
    orientation, as RGB on white; raises `ValidationFailed` with `details.reason`."""
    max_bytes = settings.LADENKARTE_UPLOAD_MAX_BYTES
    if len(data) > max_bytes:
        raise photo_error(_too_large_message(), reason="too_large")
    if not data:
        raise photo_error(_("The photo file is empty."), reason="empty")
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
    return upright


def _encode(image: Image.Image, *, max_side: int, kind: str, quality: int) -> tuple[bytes, int, int]:
    resized = image.copy()
    resized.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No `exif=` and no `icc_profile=`: the new file carries pixels only.
    if kind == "WEBP":
        resized.save(out, format="WEBP", quality=quality, method=4)
    else:
        resized.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue(), resized.width, resized.height


def image_clean(data: bytes, *, max_side: int | None = None) -> tuple[bytes, int, int]:
    """Check and re-encode uploaded image bytes; returns (JPEG bytes, width, height) or raises."""
    upright = image_decode(data)
    return _encode(upright, max_side=max_side or settings.LADENKARTE_PHOTO_MAX_SIDE, kind="JPEG", quality=85)


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


@dataclass(frozen=True)
class StoredPhoto:
    """A product photo as stored: the WebP (at most `LADENKARTE_PHOTO_MAX_SIDE`) and its thumbnail."""

    name: str  # e.g. "products/3f2a….webp"
    thumb: str  # e.g. "products/3f2a…-thumb.webp"
    width: int
    height: int


def product_photo_store(data: bytes) -> StoredPhoto:
    """Check, turn upright, strip and re-encode a product photo as WebP plus a WebP thumbnail of
    `LADENKARTE_PHOTO_THUMB_SIDE`, saved through the default storage (local disk or S3, decision 1600).

    Raises `PhotoTooLarge` (413) over the byte limit, `ValidationFailed` (400, `details.reason`) for anything
    that is not a JPEG, PNG or WebP we can read; nothing is stored then."""
    if len(data) > settings.LADENKARTE_UPLOAD_MAX_BYTES:
        raise PhotoTooLarge(
            _too_large_message(),
            details={"photo": [_too_large_message()], "max_bytes": settings.LADENKARTE_UPLOAD_MAX_BYTES},
        )
    upright = image_decode(data)
    full, width, height = _encode(
        upright, max_side=settings.LADENKARTE_PHOTO_MAX_SIDE, kind="WEBP", quality=82
    )
    thumb, _w, _h = _encode(upright, max_side=settings.LADENKARTE_PHOTO_THUMB_SIDE, kind="WEBP", quality=75)
    digest = hashlib.sha256(full).hexdigest()[:24]
    name = default_storage.save(f"products/{digest}.webp", ContentFile(full))
    thumb_name = default_storage.save(f"products/{digest}-thumb.webp", ContentFile(thumb))
    return StoredPhoto(name=name, thumb=thumb_name, width=width, height=height)
