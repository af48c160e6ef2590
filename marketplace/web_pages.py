"""Absolute addresses of the website's public pages (routes in `frontend/routes/public.py`).

The API's `url` fields and the e-mails point residents to these pages. Plain string formatting (no
`reverse()` per row: the search formats up to 100 of them per answer); `tests/api/test_web_urls.py` checks
they match the website's routes. German paths; English pages under `/en/`.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import get_language


def web_base(language: str | None = None) -> str:
    """`SITE_URL` plus the language prefix of `language` (default: the active language)."""
    language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
    codes = {code for code, _name in settings.LANGUAGES}
    if language == settings.LANGUAGE_CODE or language not in codes:
        return settings.SITE_URL
    return f"{settings.SITE_URL}/{language}"


@lru_cache(maxsize=8192)
def product_slug(title: str) -> str:
    """The readable part of a product page's address: /produkt/<id>-<slug>/."""
    return slugify(title)[:80].strip("-") or "artikel"


def product_page_url(*, pk: int, title: str, base: str) -> str:
    return f"{base}/produkt/{pk}-{product_slug(title)}/"


def shop_page_url(*, slug: str, base: str) -> str:
    return f"{base}/laden/{slug}/"


def collection_page_url(*, slug: str, base: str) -> str:
    return f"{base}/sammlungen/{slug}/"


def post_page_url(*, pk: int, base: str) -> str:
    return f"{base}/neu/{pk}/"


def job_page_url(*, pk: int, base: str) -> str:
    return f"{base}/jobs/{pk}/"
