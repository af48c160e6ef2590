"""Upload size caps enforced while the request body streams in (decision 1200, finding 3).

Django reads a multipart body through its upload handlers chunk by chunk (64 KB); `CappedUploadHandler`
sits first in that chain and stops the upload as soon as the files pass the cap (or before reading
anything when the declared `Content-Length` is already larger), so no later handler (memory, temporary
file) ever sees more than the cap and the rest of the body is not read. Views call `upload_receive`
before anything touches `request.POST`/`request.FILES`; it answers `UploadTooLarge` (413,
`payload_too_large`). The CSRF check reads the body too, so those views are `csrf_exempt` and
`upload_receive` runs the check after installing the cap.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext_lazy

from marketplace.exceptions import DomainError

MULTIPART_SLACK = 64 * 1024  # boundaries, part headers and the small form fields around the file


class UploadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    default_message = gettext_lazy("The file is too large.")


def upload_too_large(max_bytes: int) -> UploadTooLarge:
    megabytes = max_bytes / (1024 * 1024)
    return UploadTooLarge(
        gettext_lazy("The file is too large: at most %(size)s MB are accepted.")
        % {"size": f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"},
        details={"max_bytes": max_bytes},
    )


class CappedUploadHandler(FileUploadHandler):
    """Counts the bytes of the uploaded files and stops reading the body past `max_bytes` (all files
    together), before the chunk reaches the handlers that keep it. A declared `Content-Length` above the cap
    (plus the multipart framing) is refused before anything is read."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length and content_length > self.max_bytes + MULTIPART_SLACK:
            self.exceeded = True
            raise upload_too_large(self.max_bytes)
        return

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            # Django closes the files begun so far and reads no further (connection_reset: the rest of
            # the body is not drained either)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _no_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError


def upload_receive(request: HttpRequest, *, max_bytes: int) -> HttpResponse | None:
    """For a `csrf_exempt` upload view: put the cap in front of the upload handlers, run the CSRF check
    (it parses the body) and read the files. Returns Django's CSRF 403 response, or `None` when the upload
    may be used; raises `UploadTooLarge` (413) when it passed the cap. Call before anything touches
    `request.POST` or `request.FILES`."""
    cap = CappedUploadHandler(request, max_bytes=max_bytes)
    request.upload_handlers = [cap, *request.upload_handlers]  # AttributeError once the body was read
    rejected = CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {})
    if rejected is not None and not cap.exceeded:
        return rejected
    request.FILES  # noqa: B018 - parse now (a GET or a CSRF-exempt test client has not yet)
    if cap.exceeded:
        raise upload_too_large(max_bytes)
    return None
