"""Where stored files (product photos, post photos) are served from."""

from __future__ import annotations

from django.core.files.storage import default_storage


def media_url(name: str) -> str:
    """The public URL of a stored file ("" for none), from the default storage (local disk or S3)."""
    return default_storage.url(name) if name else ""
