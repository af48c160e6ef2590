"""Logs: one JSON line per request with route, status, duration and user kind - never a person's data.

The flow test runs what a town sees every day (a till syncs with its API key, a resident reserves on the
website and through the API, opens the status page with the token, the shop collects) and greps what the
production log configuration wrote for the e-mail address, the reservation token and the API key.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import Reservation
from marketplace.services.api_keys import api_key_create
from ops.logs import RedactingConsoleFormatter, RedactingJsonFormatter, redact
from tests.factories import ProductFactory, ShopFactory

EMAIL = "erika.muster@example.org"


@pytest.fixture
def captured_logs() -> Iterator[dict[str, io.StringIO]]:
    """What the production (JSON) and the development (console) formatters write, for every logger."""
    streams = {"json": io.StringIO(), "console": io.StringIO()}
    handlers = [logging.StreamHandler(streams["json"]), logging.StreamHandler(streams["console"])]
    handlers[0].setFormatter(RedactingJsonFormatter())
    handlers[1].setFormatter(RedactingConsoleFormatter())
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)  # everything any library says, SQL included
    for handler in handlers:
        root.addHandler(handler)
    yield streams
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.django_db
def test_a_full_reserve_flow_logs_no_email_token_or_key(captured_logs: dict[str, io.StringIO]) -> None:
    # given a shop whose till has a real API key
    shop = ShopFactory()
    product = ProductFactory(shop=shop, sku="SCHLAUCH-28", quantity_on_hand=5)
    _, raw_key = api_key_create(shop=shop, name="Kasse")
    till = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    resident = Client()
    merchant_url = f"/api/v1/merchant/shops/{shop.slug}"

    # when the till syncs, a resident reserves on the website and through the API, looks at the status
    # with the token, and the shop marks the reservation ready and collected
    synced = till.post(
        f"{merchant_url}/inventory/", {"items": [{"sku": "SCHLAUCH-28", "quantity": 6}]}, "json"
    )
    website = resident.post(
        f"/produkt/{product.pk}/reservieren/",
        {
            "quantity": "1",
            "name": "Erika Muster",
            "email": EMAIL,
            "phone": "",
            "consent": "on",
            "form_key": str(uuid.uuid4()),
        },
    )
    created = APIClient().post(
        "/api/v1/reservations/",
        {"items": [{"product_id": product.pk, "quantity": 1}], "customer": {"name": "Erika", "email": EMAIL}},
        "json",
    )
    code, token = created.json()["code"], created.json()["token"]
    status_api = APIClient().get(f"/api/v1/reservations/{code}/", HTTP_X_RESERVATION_TOKEN=token)
    status_page = Client().get(f"/reservierung/{code}/?token={token}", follow=True)
    wrong_token = Client().get(f"/reservierung/{code}/?token=not-{token}")
    ready = till.post(f"{merchant_url}/reservations/{code}/ready/", {}, "json", HTTP_IDEMPOTENCY_KEY="r1")
    collected = till.post(
        f"{merchant_url}/reservations/{code}/collect/", {}, "json", HTTP_IDEMPOTENCY_KEY="c1"
    )

    # then the flow happened
    assert synced.status_code == 200, synced.content
    assert website.status_code == 302
    assert created.status_code == 201
    assert status_api.status_code == 200
    assert status_page.status_code == 200
    assert wrong_token.status_code == 404
    assert ready.status_code == 200, ready.content
    assert collected.status_code == 200, collected.content
    assert Reservation.objects.filter(customer_email=EMAIL).count() == 2
    # and was logged, one line per request, in both formats
    lines = [json.loads(line) for line in captured_logs["json"].getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "ladenkarte.request"]
    assert len(requests) >= 8
    assert {"merchant-inventory", "public:reserve", "reservation-create", "public:reservation"} <= {
        line["route"] for line in requests
    }
    assert all({"route", "status", "duration_ms", "user_kind", "method"} <= set(line) for line in requests)
    assert {line["user_kind"] for line in requests} >= {"api_key", "anonymous"}
    assert any(line["route"] == "public:reservation" and line["status"] == 404 for line in requests)
    # but nowhere the resident's e-mail address, the token or the till's key
    for text in (captured_logs["json"].getvalue(), captured_logs["console"].getvalue()):
        assert "GET public:reservation 200" in text or '"route": "public:reservation"' in text
        for secret in (EMAIL, EMAIL.replace("@", "%40"), token, raw_key, raw_key[:20]):
            assert secret not in text


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("mail to erika.muster@example.org failed", "mail to", "erika.muster@example.org"),
        ("GET /reservierung/ABC-123/?token=s3cr3t-t0ken&lang=de", "lang=de", "s3cr3t-t0ken"),
        ("Authorization: Api-Key lk_abcdefghj_0123456789abcdefghij", "Authorization", "lk_abcdefghj_0123"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "Authorization", "eyJhbGciOiJIUzI1NiJ9"),
        ('{"email": "x@y.de", "name": "Erika"}', '"name": "Erika"', "x@y.de"),
        ("next=%2F%3Femail%3Derika%40example.org", "next=", "erika%40example.org"),
        ("{'token': 'abcDEF123', 'code': 'ABC-123'}", "'code': 'ABC-123'", "abcDEF123"),
        (
            '"GET /laden-anmelden/code/?code=SHRB-EF69-MQZ4 HTTP/1.1" 404',
            "/laden-anmelden/code/",
            "SHRB-EF69",
        ),
    ],
)
def test_redact_removes_addresses_keys_and_tokens(text: str, kept: str, gone: str) -> None:
    # when
    redacted = redact(text)
    # then
    assert kept in redacted
    assert gone not in redacted


def test_json_lines_carry_the_extra_fields_and_console_lines_read_well() -> None:
    # given
    record = logging.LogRecord("ladenkarte.request", logging.INFO, __file__, 1, "%s %s", ("GET", "x"), None)
    extra: dict[str, Any] = {
        "route": "public:search",
        "status": 200,
        "duration_ms": 12.5,
        "user_kind": "anonymous",
    }
    record.__dict__.update(extra)
    # when
    as_json = json.loads(RedactingJsonFormatter().format(record))
    as_text = RedactingConsoleFormatter().format(record)
    # then
    assert as_json["level"] == "INFO"
    assert as_json["logger"] == "ladenkarte.request"
    assert as_json["message"] == "GET x"
    assert {key: as_json[key] for key in extra} == extra
    assert as_text.endswith("INFO ladenkarte.request GET x")
