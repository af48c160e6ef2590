"""Bugs schemathesis found: each answered 500 (or the wrong code) before it was fixed."""

from __future__ import annotations

import pytest

from tests.factories import ApiKeyFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

KEY = "lk_finding00_secretsecretsecret"


def test_a_post_whose_body_is_not_an_object_is_a_400(api_client):
    # given
    shop = ShopFactory()
    ApiKeyFactory(shop=shop, raw_key=KEY)
    # when: the body is a JSON string (it answered 500)
    response = api_client.post(
        f"/api/v1/merchant/shops/{shop.slug}/posts/",
        data='"AAA"',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {KEY}",
    )
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_reservation_with_a_language_that_is_not_a_string_is_a_400(api_client):
    # given
    product = ProductFactory(quantity_on_hand=5)
    body = {
        "items": [{"product_id": product.pk, "quantity": 1}],
        "customer": {"name": "Erika", "email": "erika@example.org"},
        "language": {},
    }
    # when (it answered 500: an unhashable dict looked up in the language set)
    response = api_client.post("/api/v1/reservations/", body, format="json")
    # then
    assert response.status_code == 400
    assert "language" in response.json()["error"]["details"]


def test_an_empty_page_size_is_a_400(api_client):
    response = api_client.get("/api/v1/shops/", {"page_size": ""})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"page_size"}
