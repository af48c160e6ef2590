"""One reservation budget per client: reserving through the website and through the API count together."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import Product, Reservation
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
API_URL = "/api/v1/reservations/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def web_form(email: str) -> dict[str, Any]:
    return {
        "quantity": "1",
        "name": "Erika Muster",
        "email": email,
        "phone": "",
        "consent": "on",
        "form_key": str(uuid.uuid4()),
    }


def api_body(product: Product, email: str) -> dict[str, Any]:
    return {
        "items": [{"product_id": product.pk, "quantity": 1}],
        "customer": {"name": "Erika Muster", "email": email, "phone": ""},
    }


def test_website_and_api_reservations_share_one_budget(
    client: Client, api_client: APIClient, settings
) -> None:
    # given: two reservations an hour per client; one made on the website, one through the API
    settings.LADENKARTE_RESERVATION_RATE = "2/h"
    product = ProductFactory(quantity_on_hand=10)
    web = client.post(f"/produkt/{product.pk}/reservieren/", web_form("a@example.org"))
    api = api_client.post(API_URL, api_body(product, "b@example.org"), format="json")
    assert web.status_code == 302
    assert api.status_code == 201, api.json()
    # when: the same client tries once more, through either door
    api_again = api_client.post(API_URL, api_body(product, "c@example.org"), format="json")
    web_again = client.post(f"/produkt/{product.pk}/reservieren/", web_form("d@example.org"))
    # then: both are refused and nothing more is held
    assert api_again.status_code == 429
    assert api_again.json()["error"]["code"] == "rate_limited"
    assert web_again.status_code == 429
    assert Reservation.objects.count() == 2
    product.refresh_from_db()
    assert product.quantity_held == 2


def test_one_ipv6_64_is_one_client_behind_the_trusted_proxy(api_client: APIClient, settings) -> None:
    # given: two reservations an hour per client; requests arrive through our proxy (10.0.0.2)
    settings.LADENKARTE_RESERVATION_RATE = "2/h"
    settings.LADENKARTE_TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    product = ProductFactory(quantity_on_hand=10)

    def reserve(address: str, email: str) -> int:
        response = api_client.post(
            API_URL,
            api_body(product, email),
            format="json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=address,
        )
        return response.status_code

    # when: one household's /64 hands out a new address for every request
    first = reserve("2001:db8:1:2::1", "a@example.org")
    second = reserve("2001:db8:1:2::2", "b@example.org")
    third = reserve("2001:db8:1:2:ffff::3", "c@example.org")
    elsewhere = reserve("2001:db8:1:3::1", "d@example.org")
    # then: the third is refused; the next /64 is another client
    assert (first, second, third, elsewhere) == (201, 201, 429, 201)
    assert Reservation.objects.count() == 3
