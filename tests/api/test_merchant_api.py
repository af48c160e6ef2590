"""Merchant API behaviour: products by SKU, sync over HTTP, limits, hours, special days, webhooks."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from marketplace.models import OpeningHours, Product, SpecialDay, StockMovement, Webhook
from tests.factories import ApiKeyFactory, CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

RAW = "lk_apitests_0123456789abcdef"
URL = "/api/v1/merchant/shops/laden/"


@pytest.fixture
def shop() -> Any:
    return ShopFactory(slug="laden")


@pytest.fixture
def key(shop: Any) -> Any:
    return ApiKeyFactory(shop=shop, raw_key=RAW)


@pytest.fixture
def client(key: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    return client


def test_product_crud_by_sku(client, shop, key):
    # given
    category = CategoryFactory(slug="buecher", name="Bücher", name_en="Books")
    # when: create
    created = client.post(
        URL + "products/",
        {"sku": "B-1", "title": "Roman", "price": "19.90", "quantity_on_hand": 4, "category": "buecher"},
        format="json",
    )
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["sku"], body["price"], body["currency"], body["quantity_on_hand"], body["category"]) == (
        "B-1",
        "19.90",
        "EUR",
        4,
        "buecher",
    )
    product = Product.objects.get(shop=shop, sku="B-1")
    assert (product.location, product.shop_active, product.category_names) == (
        shop.location,
        True,
        "Bücher Books",
    )
    assert product.category == category
    # when: change stock and price
    patched = client.patch(URL + "products/B-1/", {"quantity_on_hand": 1, "price": "17.50"}, format="json")
    # then
    assert patched.status_code == 200
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.price) == (1, Decimal("17.50"))
    assert list(
        StockMovement.objects.filter(product=product).values_list("on_hand_delta", "source", "actor_api_key")
    ) == [
        (-3, "api", key.pk),
        (4, "api", key.pk),
    ]
    # when: delete delists
    deleted = client.delete(URL + "products/B-1/")
    # then
    assert deleted.status_code == 204
    product.refresh_from_db()
    assert product.active is False
    assert client.get(URL + "products/B-1/").json()["active"] is False


def test_duplicate_sku_is_a_conflict_and_writes_nothing(client, shop):
    # given
    ProductFactory(shop=shop, sku="A", title="Alt")
    # when
    response = client.post(URL + "products/", {"sku": "A", "title": "Neu", "price": "1.00"}, format="json")
    # then
    assert (response.status_code, response.json()["error"]["code"]) == (409, "sku_taken")
    assert list(Product.objects.filter(shop=shop).values_list("title", flat=True)) == ["Alt"]


@pytest.mark.parametrize(
    "payload",
    [
        {"quantity_held": 0},
        {"shop": 99},
        {"location": "POINT(0 0)"},
        {"shop_active": True},
        {"sku": "OTHER"},
        {"stock_updated_at": "2020-01-01T00:00:00Z"},
        {"quantity_on_hand": -1},
        {"price": "-1.00"},
        {"title": ""},
    ],
)
def test_patch_refuses_read_only_unknown_and_invalid_fields(client, shop, payload):
    # given
    product = ProductFactory(shop=shop, sku="A", quantity_on_hand=5)
    before = list(Product.objects.filter(pk=product.pk).values())
    # when
    response = client.patch(URL + "products/A/", payload, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["details"]) == set(payload)
    assert list(Product.objects.filter(pk=product.pk).values()) == before


def test_create_refuses_mass_assignment(client, shop):
    # when
    response = client.post(
        URL + "products/",
        {"sku": "X", "title": "X", "price": "1.00", "quantity_held": 3, "shop": 1},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"quantity_held", "shop"}
    assert not Product.objects.filter(sku="X").exists()


def test_product_list_is_paginated_with_a_fixed_number_of_queries(
    client, shop, django_assert_max_num_queries
):
    # given
    for i in range(25):
        ProductFactory(shop=shop, sku=f"S{i:02d}", title=f"Artikel {i:02d}", category=CategoryFactory())
    ProductFactory(sku="ELSEWHERE")
    # when
    with django_assert_max_num_queries(5):  # key, last-used, shop, count, page
        response = client.get(URL + "products/?page_size=20")
    # then
    body = response.json()
    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert "ELSEWHERE" not in {item["sku"] for item in body["results"]}


def test_product_search_by_sku_or_title(client, shop):
    # given
    ProductFactory(shop=shop, sku="TEA-1", title="Grüner Tee")
    ProductFactory(shop=shop, sku="MUG-1", title="Becher")
    # when
    response = client.get(URL + "products/?q=tee")
    # then
    assert [item["sku"] for item in response.json()["results"]] == ["TEA-1"]


def test_sync_over_http_answers_counts_and_422_on_error(client, shop):
    # given
    ProductFactory(shop=shop, sku="A", quantity_on_hand=5)
    ProductFactory(shop=shop, sku="B", quantity_on_hand=5)
    # when
    ok = client.post(
        URL + "inventory/",
        {"mode": "set", "items": [{"sku": "A", "quantity": 4}, {"sku": "B", "quantity": 5}]},
        format="json",
    )
    bad = client.post(
        URL + "inventory/",
        {"items": [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 2, "expected_quantity": 9}]},
        format="json",
    )
    # then
    assert ok.status_code == 200
    assert ok.json() == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "sync_rejected"
    assert error["details"]["errors"] == [
        {
            "index": 1,
            "sku": "B",
            "code": "stale_quantity",
            "message": "Erwarteter Bestand 9, aber 5 vorrätig.",
        }
    ]
    assert dict(Product.objects.filter(shop=shop).values_list("sku", "quantity_on_hand")) == {"A": 4, "B": 5}


def test_sync_partial_writes_the_good_rows(client, shop):
    # given
    ProductFactory(shop=shop, sku="A", quantity_on_hand=5)
    # when
    response = client.post(
        URL + "inventory/",
        {"partial": True, "items": [{"sku": "A", "quantity": 1}, {"sku": "NOPE", "quantity": 2}]},
        format="json",
    )
    # then
    assert response.status_code == 200
    assert response.json()["updated"] == 1
    assert [e["code"] for e in response.json()["errors"]] == ["unknown_sku"]
    assert Product.objects.get(shop=shop, sku="A").quantity_on_hand == 1


def test_sync_of_10001_rows_is_refused(client, shop):
    # given
    items = [{"sku": f"S{i}", "quantity": 1, "title": "T", "price": "1"} for i in range(10_001)]
    # when
    response = client.post(URL + "inventory/", {"items": items}, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_rows"
    assert not Product.objects.filter(shop=shop).exists()


def test_sync_refuses_unknown_top_level_fields_and_bad_mode(client, shop):
    # when
    unknown = client.post(URL + "inventory/", {"items": [], "shop": 2}, format="json")
    mode = client.post(URL + "inventory/", {"items": [], "mode": "replace"}, format="json")
    # then
    assert (unknown.status_code, mode.status_code) == (400, 400)
    assert set(unknown.json()["error"]["details"]) == {"shop"}


def test_oversized_body_is_refused_with_a_clear_error(client, shop, settings):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    # when
    response = client.post(URL + "products/", {"sku": "A", "title": "x" * 2000, "price": "1"}, format="json")
    # then
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not Product.objects.exists()


def test_adjust_mode_with_an_api_key_requires_an_idempotency_key_and_replays(client, shop):
    # given
    ProductFactory(shop=shop, sku="A", quantity_on_hand=5)
    payload = {"mode": "adjust", "items": [{"sku": "A", "quantity": -1}]}
    # when
    without = client.post(URL + "inventory/", payload, format="json")
    first = client.post(URL + "inventory/", payload, format="json", HTTP_IDEMPOTENCY_KEY="sale-1")
    again = client.post(URL + "inventory/", payload, format="json", HTTP_IDEMPOTENCY_KEY="sale-1")
    # then
    assert (without.status_code, without.json()["error"]["code"]) == (400, "idempotency_key_required")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert Product.objects.get(shop=shop, sku="A").quantity_on_hand == 4


def test_csv_upload_dry_run_then_import(client, shop):
    # given
    ProductFactory(shop=shop, sku="A", quantity_on_hand=1, price=Decimal("1.00"))
    data = "\ufeffArtikelnummer;Bezeichnung;Bestand;Preis\nA;Alt;3;2,50\nB;Neu;4;19,90\n".encode()
    # when
    dry = client.post(
        URL + "inventory/import/?dry_run=true",
        {"file": SimpleUploadedFile("s.csv", data, content_type="text/csv")},
        format="multipart",
    )
    # then
    assert dry.status_code == 200, dry.content
    assert (dry.json()["created"], dry.json()["updated"], dry.json()["dry_run"]) == (1, 1, True)
    assert not Product.objects.filter(sku="B").exists()
    # when
    real = client.post(
        URL + "inventory/import/", {"file": SimpleUploadedFile("s.csv", data)}, format="multipart"
    )
    # then
    assert real.status_code == 200
    assert dict(Product.objects.filter(shop=shop).values_list("sku", "price")) == {
        "A": Decimal("2.50"),
        "B": Decimal("19.90"),
    }
    assert set(StockMovement.objects.values_list("source", flat=True)) == {"csv"}


def test_csv_upload_with_a_bad_line_names_it_and_writes_nothing(client, shop):
    # given
    ProductFactory(shop=shop, sku="A", quantity_on_hand=1)
    data = b"sku,quantity\nA,5\nB,viele\n"
    # when
    response = client.post(
        URL + "inventory/import/", {"file": SimpleUploadedFile("s.csv", data)}, format="multipart"
    )
    # then
    assert response.status_code == 422
    [error] = response.json()["error"]["details"]["errors"]
    assert (error["line"], error["code"]) == (3, "invalid_quantity")
    assert error["message"].startswith("Zeile 3:")
    assert Product.objects.get(shop=shop, sku="A").quantity_on_hand == 1


def test_csv_upload_too_large(client, shop, settings):
    # given
    settings.LADENKARTE_CSV_MAX_BYTES = 100
    # when
    response = client.post(
        URL + "inventory/import/",
        {"file": SimpleUploadedFile("s.csv", b"sku;quantity\n" + b"A;1\n" * 50)},
        format="multipart",
    )
    # then
    assert response.status_code == 413
    assert response.json()["error"]["code"] in {"csv_too_large", "payload_too_large"}
    assert not Product.objects.exists()


def test_large_csv_runs_as_a_job_with_progress(
    client, shop, settings, tmp_path, django_capture_on_commit_callbacks
):
    # given: a threshold of 5 rows (Celery runs eagerly without Redis)
    settings.MEDIA_ROOT = tmp_path
    settings.LADENKARTE_CSV_ASYNC_ROWS = 5
    data = b"sku;title;quantity;price\n" + b"".join(f"S{i};T{i};{i};1,00\n".encode() for i in range(8))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL + "inventory/import/", {"file": SimpleUploadedFile("s.csv", data)}, format="multipart"
        )
    # then
    assert response.status_code == 202
    job_url = response.json()["url"]
    job = client.get(job_url.replace("http://testserver", "")).json()
    assert (job["state"], job["rows_total"], job["rows_done"], job["report"]["created"]) == ("done", 8, 8, 8)
    assert Product.objects.filter(shop=shop).count() == 8


def test_hours_put_replaces_the_week_and_rejects_overlaps(client, shop):
    # when
    ok = client.put(
        URL + "hours/",
        {
            "weekly": [
                {"weekday": 0, "opens": "09:00", "closes": "13:00"},
                {"weekday": 0, "opens": "14:00", "closes": "18:00"},
                {"weekday": 5, "opens": "20:00", "closes": "02:00"},
            ]
        },
        format="json",
    )
    # then
    assert ok.status_code == 200, ok.content
    assert ok.json()["osm"] == "Mo 09:00-13:00,14:00-18:00; Sa 20:00-02:00; PH off"
    assert sorted(OpeningHours.objects.filter(shop=shop).values_list("weekday", "opens")) == [
        (0, time(9)),
        (0, time(14)),
        (5, time(20)),
    ]
    # when: an overlapping week
    bad = client.put(
        URL + "hours/",
        {
            "weekly": [
                {"weekday": 1, "opens": "09:00", "closes": "13:00"},
                {"weekday": 1, "opens": "12:00", "closes": "15:00"},
            ]
        },
        format="json",
    )
    # then: nothing changed
    assert bad.status_code == 400
    assert OpeningHours.objects.filter(shop=shop).count() == 3


def test_special_days_add_list_delete(client, shop):
    # when
    added = client.post(
        URL + "special-days/",
        {
            "date": "2031-12-24",
            "closed": False,
            "intervals": [{"opens": "09:00", "closes": "13:00"}],
            "name": "Heiligabend",
        },
        format="json",
    )
    listed = client.get(URL + "special-days/")
    invalid = client.post(URL + "special-days/", {"date": "2031-12-25", "closed": False}, format="json")
    deleted = client.delete(URL + "special-days/2031-12-24/")
    missing = client.delete(URL + "special-days/2031-12-24/")
    # then
    assert added.status_code == 201
    assert listed.json() == [
        {
            "date": "2031-12-24",
            "closed": False,
            "intervals": [{"opens": "09:00", "closes": "13:00"}],
            "name": "Heiligabend",
        }
    ]
    assert invalid.status_code == 400
    assert (deleted.status_code, missing.status_code) == (204, 404)
    assert not SpecialDay.objects.exists()


def test_webhook_secret_is_shown_once_and_not_stored(client, shop, settings):
    # given: http needs DEBUG; the test seam allows the loopback address (nothing connects here)
    settings.DEBUG = True
    settings.LADENKARTE_WEBHOOK_TEST_ALLOW = ["127.0.0.1:9"]
    # when
    created = client.post(URL + "webhooks/", {"url": "http://127.0.0.1:9/hook"}, format="json")
    listed = client.get(URL + "webhooks/")
    bad_event = client.post(URL + "webhooks/", {"url": "http://127.0.0.1:9/", "events": ["x"]}, format="json")
    # then
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in listed.json()[0]
    webhook = Webhook.objects.get()
    assert secret not in str(list(Webhook.objects.values()))
    assert webhook.secret_salt
    assert webhook.secret_salt not in secret
    assert bad_event.status_code == 400


def test_webhook_to_a_private_address_is_refused_in_production(client, shop, settings):
    # given
    settings.DEBUG = False
    # when
    response = client.post(URL + "webhooks/", {"url": "https://127.0.0.1/hook"}, format="json")
    # then
    assert response.status_code == 400
    assert not Webhook.objects.exists()
