"""The region's vector basemap: one PMTiles file (BASEMAP_PMTILES), read by the browser with HTTP range
requests. In the compose deployment Caddy serves /basemap/ itself; this view serves the same file where
no proxy is in front (`make demo`, tests). Django's static view does not answer range requests, and the
file (often hundreds of MB) does not belong in collectstatic.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

CONTENT_TYPE = "application/vnd.pmtiles"
CHUNK = 64 * 1024
_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(start, end) inclusive for one `bytes=` range; None to ignore the header (malformed or several
    ranges: the whole file is sent, as RFC 9110 allows); False when it cannot be satisfied (416)."""
    match = _SINGLE_RANGE.match(header.strip())
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
        if match[2] and int(match[2]) < start:
            return None  # invalid range: ignore it
    else:
        suffix = int(match[2])
        if suffix == 0:
            return False
        start, end = max(size - suffix, 0), size - 1
    if start >= size:
        return False
    return start, end


def _read(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


@require_safe
def pmtiles(request: HttpRequest, name: str) -> HttpResponse | StreamingHttpResponse:
    configured = settings.LADENKARTE_BASEMAP_PMTILES
    if not configured or name != Path(configured).name:
        raise Http404
    try:
        handle = open(configured, "rb")  # noqa: SIM115 - closed by the response
    except FileNotFoundError:
        raise Http404 from None
    stat = os.fstat(handle.fileno())
    size = stat.st_size
    etag = f'"{int(stat.st_mtime)}-{size}"'
    wanted = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    span = byte_range(wanted, size) if wanted and (not if_range or if_range == etag) else None
    response: HttpResponse | StreamingHttpResponse
    if span is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif span:
        start, end = span
        response = StreamingHttpResponse(
            _read(handle, start, end - start + 1), status=206, content_type=CONTENT_TYPE
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(handle, content_type=CONTENT_TYPE)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = "public, max-age=86400"
    return response
