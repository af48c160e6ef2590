"""Finding 3, the rest: the CSV import of my-shop and of the admin read the whole upload with no cap. Now a
cap is enforced while the body streams in (an upload handler first in the chain): 413 with a German
message, nothing read past the cap, nothing written."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler
from django.test import Client, RequestFactory
from django.test.client import encode_multipart

from marketplace.infrastructure.uploads import UploadTooLarge, upload_receive
from marketplace.models import ImportJob, Product, StockMovement
from marketplace.services.roles import MERCHANTS_GROUP, roles_setup
from tests.factories import MembershipFactory, ShopFactory

pytestmark = pytest.mark.django_db

CAP = 4096


def csv_of(size: int) -> bytes:
    lines = [b"sku;title;quantity;price"]
    n = 0
    while sum(len(line) + 1 for line in lines) < size:
        n += 1
        lines.append(f"A-{n};Artikel {n};1;1.00".encode())
    return b"\n".join(lines) + b"\n"


@pytest.fixture
def owner(settings: Any) -> Client:
    settings.LADENKARTE_CSV_MAX_BYTES = CAP
    roles_setup()
    shop = ShopFactory(slug="mein-laden")
    user = MembershipFactory(shop=shop, role="owner").user
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/mein-laden/mein-laden/")  # the CSRF cookie
    return client


def _state() -> list[Any]:
    return [
        ImportJob.objects.count(),
        Product.objects.count(),
        StockMovement.objects.count(),
    ]


def _token(client: Client) -> str:
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_my_shop_import_past_the_cap_is_413_with_a_german_message(owner: Client, htmx: bool) -> None:
    # given
    before = _state()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    # when: a little over the cap (the body is within the framing slack, so it is stopped while streaming)
    response = owner.post(
        "/mein-laden/mein-laden/import/",
        {"csrfmiddlewaretoken": _token(owner), "file": SimpleUploadedFile("a.csv", csv_of(CAP + 2000))},
        **headers,
    )
    # then
    assert response.status_code == 413
    assert "zu groß" in response.content.decode()
    assert _state() == before


def test_my_shop_import_under_the_cap_still_works(owner: Client) -> None:
    # when
    response = owner.post(
        "/mein-laden/mein-laden/import/",
        {"csrfmiddlewaretoken": _token(owner), "file": SimpleUploadedFile("a.csv", csv_of(CAP - 500))},
    )
    # then: checked (dry run), nothing written
    assert response.status_code == 200
    assert "zu groß" not in response.content.decode()


def test_my_shop_import_still_needs_the_csrf_token(owner: Client) -> None:
    # given
    before = _state()
    # when
    response = owner.post(
        "/mein-laden/mein-laden/import/", {"file": SimpleUploadedFile("a.csv", csv_of(100)), "apply": "1"}
    )
    # then
    assert response.status_code == 403
    assert _state() == before


def test_admin_import_past_the_cap_is_413_and_creates_no_job(owner: Client) -> None:
    # given
    shop_id = ShopFactory._meta.model.objects.get(slug="mein-laden").pk
    owner.get("/admin/marketplace/importjob/add/")
    before = _state()
    # when
    response = owner.post(
        "/admin/marketplace/importjob/add/",
        {
            "csrfmiddlewaretoken": _token(owner),
            "shop": str(shop_id),
            "dry_run": "on",
            "upload": SimpleUploadedFile("a.csv", csv_of(CAP + 2000)),
        },
    )
    # then
    assert response.status_code == 413
    assert "zu groß" in response.content.decode()
    assert _state() == before


def test_admin_import_under_the_cap_still_creates_the_job(owner: Client) -> None:
    # given
    shop_id = ShopFactory._meta.model.objects.get(slug="mein-laden").pk
    owner.get("/admin/marketplace/importjob/add/")
    # when
    response = owner.post(
        "/admin/marketplace/importjob/add/",
        {
            "csrfmiddlewaretoken": _token(owner),
            "shop": str(shop_id),
            "dry_run": "on",
            "upload": SimpleUploadedFile("a.csv", csv_of(CAP - 500)),
        },
    )
    # then
    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


class Spy(FileUploadHandler):
    """A handler after the cap: what reaches the handlers that keep the file."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _request(body: bytes) -> tuple[Any, CountingStream]:
    """A POST of `body` whose bytes read are counted (the stream Django parses the upload from)."""
    from django.core.handlers.wsgi import LimitedStream

    request = RequestFactory().generic(
        "POST", "/", data=body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )
    stream = CountingStream(body)
    request._stream = LimitedStream(stream, len(body))
    request._dont_enforce_csrf_checks = True
    return request, stream


def test_a_declared_length_over_the_cap_is_refused_before_reading_the_body() -> None:
    # given: 1 MB declared and sent, a 64 KB cap
    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile("a.csv", b"x" * 1_000_000)})
    request, stream = _request(body)
    # when / then
    with pytest.raises(UploadTooLarge) as refused:
        upload_receive(request, max_bytes=64 * 1024)
    assert refused.value.status == 413
    assert refused.value.code == "payload_too_large"
    assert stream.bytes_read == 0


def test_a_file_over_the_cap_stops_while_streaming_and_later_handlers_never_see_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: a 1 MB file, a 64 KB cap, a declared length the first check lets through (a large framing
    # slack), and a spy after the cap
    import marketplace.infrastructure.uploads as uploads

    monkeypatch.setattr(uploads, "MULTIPART_SLACK", 10_000_000)
    cap = 64 * 1024
    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile("a.csv", b"x" * 1_000_000)})
    request, stream = _request(body)
    spy = Spy(request)
    request.upload_handlers = [spy, MemoryFileUploadHandler(request)]
    # when / then
    with pytest.raises(UploadTooLarge):
        upload_receive(request, max_bytes=cap)
    assert spy.received <= cap
    assert stream.bytes_read < 4 * cap  # stopped after the chunk that passed the cap, not 1 MB
