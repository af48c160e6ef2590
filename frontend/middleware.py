"""Security headers of the website: a Content-Security-Policy without inline script, and Permissions-Policy.

All JavaScript is served from our own static files; the only third-party origin is the tile server,
allowed for images. JSON-LD blocks are data, not script, so they need no exception.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def tile_origin(tile_url: str) -> str:
    """The scheme and host of the tile URL template, with `{s}` subdomains as a wildcard."""
    parts = urlsplit(tile_url)
    host = parts.netloc.replace("{s}.", "*.").replace("{s}", "*")
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def media_origin(media_url: str) -> str:
    """The origin of photos kept in an S3-compatible bucket (absolute `MEDIA_URL`, decision 1600), else ""."""
    parts = urlsplit(media_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def build_policy() -> str:
    # a self-hosted basemap is fetched from 'self' (connect-src): no third-party origin at all
    tiles = "" if settings.LADENKARTE_BASEMAP_URL else tile_origin(settings.LADENKARTE_TILE_URL)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: {tiles} {media_origin(settings.MEDIA_URL)}".strip().replace("  ", " "),
        "font-src": "'self'",
        "connect-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Adds CSP and Permissions-Policy to HTML pages (the API docs set their own needs and are skipped)."""

    skip_prefixes = ("/api/", "/admin/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = build_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(self.skip_prefixes):
            return response
        response.headers.setdefault("Content-Security-Policy", self.policy)
        # Geolocation only for our own pages ("use my location"); nothing else.
        response.headers.setdefault(
            "Permissions-Policy", "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
        )
        return response
