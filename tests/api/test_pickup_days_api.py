"""The API side of the pickup day (issue 21): `pickup_date`, its errors, the shop's days, settings, moving."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from marketplace.models import Reservation, Shop
from marketplace.selectors.pickup import pickup_board_clear
from tests.factories import ApiKeyFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY_EVENING = datetime(2026, 12, 8, 18, 34, tzinfo=BERLIN)
RAW = "lk_pickuptests_0123456789abcdef"


@pytest.fixture(autouse=True)
def _tuesday_evening() -> Iterator[None]:
    pickup_board_clear()
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        yield
    pickup_board_clear()


@pytest.fixture
def shop() -> Shop:
    hours = [(weekday, time(9, 30), time(19, 0)) for weekday in range(6)]
    return ShopFactory(slug="laden", hours=hours, email="laden@example.org")


def _body(product_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "items": [{"product_id": product_id, "quantity": 1}],
        "customer": {"name": "Erika Muster", "email": "erika@example.org"},
        **extra,
    }


def test_the_shop_lists_its_pickup_days(api_client: APIClient, shop: Shop) -> None:
    days = api_client.get("/api/v1/shops/laden/").json()["pickup_days"]
    assert [(d["date"], d["today"], d["short"], d["suggested"]) for d in days] == [
        ("2026-12-08", True, True, False),
        ("2026-12-09", False, False, True),
        ("2026-12-10", False, False, False),
    ]
    assert days[1]["starts"] == "2026-12-09T09:30:00+01:00"
    assert days[1]["ends"] == "2026-12-09T19:00:00+01:00"


@pytest.mark.parametrize("fast", [True, False])
def test_reserving_for_tomorrow(api_client: APIClient, shop: Shop, fast: bool) -> None:
    product = ProductFactory(shop=shop, quantity_on_hand=10)
    body = _body(product.pk, pickup_date="2026-12-09")
    if not fast:
        body["customer"]["name"] = " Erika Muster "  # not the fast path: the serializer validates
    response = api_client.post("/api/v1/reservations/", body, format="json")
    assert response.status_code == 201, response.content
    pickup = response.json()["pickup"]
    assert pickup == {
        "date": "2026-12-09",
        "from": "2026-12-09T09:30:00+01:00",
        "until": "2026-12-09T19:00:00+01:00",
        "moved": False,
    }


def test_without_pickup_date_the_first_possible_day(api_client: APIClient, shop: Shop) -> None:
    product = ProductFactory(shop=shop, quantity_on_hand=10)
    response = api_client.post("/api/v1/reservations/", _body(product.pk), format="json")
    assert response.json()["pickup"]["date"] == "2026-12-08"


@pytest.mark.parametrize(
    ("pickup_date", "status", "code"),
    [
        ("2026-12-07", 422, "pickup_date_in_past"),
        ("2026-12-13", 422, "pickup_date_closed"),
        ("2026-12-11", 422, "pickup_date_too_far"),
        ("09.12.2026", 400, "validation_error"),
        ("2026-02-30", 400, "validation_error"),
    ],
)
def test_a_pickup_date_not_offered_is_refused_with_a_clear_code(
    api_client: APIClient, shop: Shop, pickup_date: str, status: int, code: str
) -> None:
    product = ProductFactory(shop=shop, quantity_on_hand=10)
    response = api_client.post(
        "/api/v1/reservations/", _body(product.pk, pickup_date=pickup_date), format="json"
    )
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    if status == 422:
        assert error["details"]["offered"] == ["2026-12-08", "2026-12-09", "2026-12-10"]
    assert not Reservation.objects.exists()


def test_later_days_off(api_client: APIClient, shop: Shop) -> None:
    Shop.objects.filter(pk=shop.pk).update(pickup_later_days=False)
    product = ProductFactory(shop=shop, quantity_on_hand=10)
    response = api_client.post(
        "/api/v1/reservations/", _body(product.pk, pickup_date="2026-12-09"), format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "pickup_later_days_off")


def test_moving_by_api_once(api_client: APIClient, shop: Shop) -> None:
    product = ProductFactory(shop=shop, quantity_on_hand=10)
    created = api_client.post("/api/v1/reservations/", _body(product.pk), format="json").json()
    url = f"/api/v1/reservations/{created['code']}/move/"
    moved = api_client.post(url, HTTP_X_RESERVATION_TOKEN=created["token"])
    assert moved.status_code == 200, moved.content
    assert (moved.json()["pickup"]["date"], moved.json()["pickup"]["moved"]) == ("2026-12-09", True)
    again = api_client.post(url, HTTP_X_RESERVATION_TOKEN=created["token"])
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "reservation_move_not_possible",
        "message": again.json()["error"]["message"],
        "details": {"reason": "already_moved"},
    }
    assert api_client.post(url, HTTP_X_RESERVATION_TOKEN="wrong").status_code == 404


def test_merchant_pickup_settings(shop: Shop) -> None:
    ApiKeyFactory(shop=shop, raw_key=RAW)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    url = "/api/v1/merchant/shops/laden/pickup-settings/"
    assert client.get(url).json() == {
        "pickup_lead_minutes": 15,
        "pickup_min_window_minutes": 30,
        "pickup_days_ahead": 2,
        "pickup_later_days": True,
        "pickup_move_allowed": True,
        "hold_minutes": None,
    }
    bad = client.patch(url, {"pickup_days_ahead": 8, "pickup_later_days": False}, format="json")
    assert bad.status_code == 400
    assert "pickup_days_ahead" in bad.json()["error"]["details"]
    shop.refresh_from_db()
    assert (shop.pickup_days_ahead, shop.pickup_later_days) == (2, True)
    ok = client.patch(url, {"pickup_days_ahead": 7, "pickup_min_window_minutes": 45}, format="json")
    assert ok.status_code == 200, ok.content
    assert (ok.json()["pickup_days_ahead"], ok.json()["pickup_min_window_minutes"]) == (7, 45)
    other = ShopFactory(slug="anderer")
    assert client.get(f"/api/v1/merchant/shops/{other.slug}/pickup-settings/").status_code == 404


def test_merchant_list_by_pickup_day(shop: Shop) -> None:
    ApiKeyFactory(shop=shop, raw_key=RAW)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    product = ProductFactory(shop=shop, quantity_on_hand=10)
    for day in ("2026-12-10", "2026-12-08", "2026-12-09"):
        APIClient().post("/api/v1/reservations/", _body(product.pk, pickup_date=day), format="json")
    listed = client.get("/api/v1/merchant/shops/laden/reservations/").json()["results"]
    assert [r["pickup"]["date"] for r in listed] == ["2026-12-08", "2026-12-09", "2026-12-10"]
    one_day = client.get("/api/v1/merchant/shops/laden/reservations/?pickup_date=2026-12-09").json()
    assert [r["pickup"]["date"] for r in one_day["results"]] == ["2026-12-09"]
