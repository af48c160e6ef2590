"""Text the database cannot store (NUL, lone surrogates) and empty query parameters: always a clear 4xx in the
API's error format, never a 500 (found by schemathesis against the live server; docs/API.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Post, Product
from tests.factories import ApiKeyFactory, CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

RAW = "lk_textinput_0123456789abcdef"
URL = "/api/v1/merchant/shops/laden/"


@pytest.fixture
def shop() -> Any:
    shop = ShopFactory(slug="laden")
    ApiKeyFactory(shop=shop, raw_key=RAW)
    return shop


@pytest.fixture
def client(shop: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    return client


def _product_state() -> list[Any]:
    return list(Product.objects.order_by("pk").values_list("sku", "title", "category_id", "active", "price"))


# The bodies are raw JSON text: DRF's test renderer cannot even encode a lone surrogate (which is why the
# in-process test of the first report did not reproduce the live server's 500).
@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"category": "\\u0000"}', "category"),  # a slug looked up in the database: was a 500
        ('{"category": "kat\\u0000"}', "category"),
        ('{"category": "a\\udfffb"}', "category"),
        ('{"\\ud800": 1}', "non_field_errors"),  # a lone surrogate in a key: its "unknown field" was a 500
        ('{"title": "ok", "brand": ["a", {"b\\u0000": 1}]}', "brand.1"),
        ('"\\u0000"', "non_field_errors"),
    ],
)
def test_nul_or_lone_surrogate_anywhere_in_a_json_body_is_400(client, shop, body, where):
    # given
    category = CategoryFactory(slug="kat")
    ProductFactory(shop=shop, sku="P-1", title="Tee", category=category)
    before = _product_state()
    # when
    response = client.generic("PATCH", URL + "products/P-1/", body, content_type="application/json")
    # then
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["details"]) == [where]
    assert _product_state() == before


def test_nul_in_a_form_field_is_400(client, shop):
    # given
    ends = (timezone.now() + timedelta(days=2)).isoformat()
    # when: multipart and urlencoded, in a choice and in a text field
    answers = [
        client.post(
            URL + "posts/", {"title": "Tee", "kind": "news\x00", "ends_at": ends}, format="multipart"
        ),
        client.generic(
            "POST",
            URL + "posts/",
            f"title=Tee%00&ends_at={ends.replace('+', '%2B')}",
            content_type="application/x-www-form-urlencoded",
        ),
    ]
    # then
    assert [a.status_code for a in answers] == [400, 400]
    assert [list(a.json()["error"]["details"]) for a in answers] == [["kind"], ["title"]]
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("products/", {"q": "\x00"}),  # read straight from the query string: was a 500
        ("special-days/", {"from": "2026-12-01\x00"}),
    ],
)
def test_nul_in_a_merchant_query_parameter_is_400(client, shop, path, query):
    # when
    response = client.get(URL + path, query)
    # then
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["details"]) == list(query)


def test_nul_in_a_public_query_parameter_is_400(api_client, shop):
    # when
    response = api_client.get("/api/v1/feeds/google-local-inventory/", {"shop": "laden\x00"})
    # then: was a 500
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"shop": ["Nullzeichen sind nicht erlaubt."]}


def test_nul_in_a_path_names_nothing(client, shop):
    # given
    ProductFactory(shop=shop, sku="P-1")
    # when: the SKU path segment takes any text
    response = client.get(URL + "products/P-1%00/")
    # then: was a 500
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/jobs/?kind=",  # was accepted as "no filter" though the schema's enum has no empty value
        "/api/v1/jobs/?category=",
        "/api/v1/posts/?shop=",
        "/api/v1/posts/?lat=&lng=",
        "/api/v1/shops/laden/hours/?days=",
        "/api/v1/shops/laden/hours/?from=",
        "/api/v1/search/?lat=53.25&lng=10.41&page=",
        "/api/v1/search/?lat=53.25&lng=10.41&available_today=",
    ],
)
def test_an_empty_query_parameter_is_a_value_not_a_missing_one(api_client, shop, url):
    # when
    response = api_client.get(url)
    # then
    assert response.status_code == 400, (url, response.content)
    assert response.json()["error"]["code"] == "validation_error"
    name = url.rsplit("&", 1)[-1].rsplit("?", 1)[-1].rstrip("=")
    assert name in response.json()["error"]["details"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search/?lat=53.25&lng=10.41&q=&category=&shop=&ordering=",
        "/api/v1/shops/?q=&in_bbox=",
        "/api/v1/feeds/google-local-inventory/?shop=",
    ],
)
def test_the_documented_empty_filters_mean_no_filter(api_client, shop, url):
    assert api_client.get(url).status_code == 200


def test_a_csv_file_with_a_nul_is_refused_naming_the_line(client, shop):
    # given
    data = b"sku;title;quantity;price\nA-1;Tee;3;1,00\nA-2;Te\x00e;3;1,00\n"
    upload = SimpleUploadedFile("bestand.csv", data, content_type="text/csv")
    # when
    response = client.post(URL + "inventory/import/", {"file": upload}, format="multipart")
    # then: was a 500
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "csv_invalid"
    assert response.json()["error"]["details"] == {"line": 3}
    assert not Product.objects.exists()
