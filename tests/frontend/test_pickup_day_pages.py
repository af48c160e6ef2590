"""The pickup day on the website (issue 21): the choice on the product page, the confirmation, moving,
my-shop grouped by pickup day and its settings. Frozen at a Tuesday 18:34 (the shop closes at 19:00)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from marketplace.models import Product, Reservation, Shop
from marketplace.selectors.pickup import pickup_board_clear
from tests.factories import MembershipFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = date(2026, 12, 9)


@pytest.fixture(autouse=True)
def _tuesday_evening() -> Iterator[None]:
    cache.clear()
    pickup_board_clear()
    with time_machine.travel(datetime(2026, 12, 8, 18, 34, tzinfo=BERLIN), tick=False):
        yield
    pickup_board_clear()


@pytest.fixture
def product() -> Product:
    hours = [(weekday, time(9, 30), time(19, 0)) for weekday in range(6)]
    shop = ShopFactory(slug="laden", hours=hours, email="laden@example.org")
    return ProductFactory(shop=shop, title="Stadtplan", quantity_on_hand=10)


def _reserve(client: Client, product: Product, **extra: str) -> Any:
    data = {
        "quantity": "1",
        "name": "Erika Muster",
        "email": "erika@example.org",
        "consent": "on",
        "form_key": str(uuid.uuid4()),
        **extra,
    }
    return client.post(f"/produkt/{product.pk}/reservieren/", data)


def test_the_form_offers_today_short_and_preselects_tomorrow(client: Client, product: Product) -> None:
    page = client.get(f"/produkt/{product.pk}/", follow=True).content.decode()
    values = re.findall(r'name="pickup_date" value="([0-9-]+)"', page)
    assert values == ["2026-12-08", "2026-12-09", "2026-12-10"]
    checked = re.findall(r'<input[^>]*value="([0-9-]+)"[^>]*checked', page)
    assert checked == ["2026-12-09"]
    assert 'data-testid="today-short"' in page
    assert re.search("09:30[-\u2013]19:00", page)


def test_reserving_for_tomorrow_holds_until_tomorrows_closing(client: Client, product: Product) -> None:
    response = _reserve(client, product, pickup_date="2026-12-09")
    assert response.status_code == 302, response.content.decode()[:2000]
    reservation = Reservation.objects.get()
    assert reservation.pickup_date == WEDNESDAY
    assert reservation.expires_at == datetime(2026, 12, 9, 19, 0, tzinfo=BERLIN)
    confirmation = client.get(response.headers["Location"]).content.decode()
    assert 'data-testid="pickup-day"' in confirmation
    assert re.search("09:30[-\u2013]19:00", confirmation)


def test_a_day_that_is_not_offered_is_refused_and_nothing_is_held(client: Client, product: Product) -> None:
    response = _reserve(client, product, pickup_date="2026-12-13")  # a Sunday: not a choice
    assert response.status_code == 400
    assert not Reservation.objects.exists()
    product.refresh_from_db()
    assert product.quantity_held == 0


def test_moving_from_the_status_page_once(client: Client, product: Product) -> None:
    confirmation = client.get(_reserve(client, product, pickup_date="2026-12-08").headers["Location"])
    status_path = re.search(
        r'href="(/reservierung/[^"]+\?token=[^"]+)" data-testid="status-link"', confirmation.content.decode()
    )
    assert status_path is not None
    status_url = status_path.group(1).replace("&amp;", "&")
    page = client.get(status_url).content.decode()
    assert 'data-testid="move"' in page
    code = Reservation.objects.get().code
    token = status_url.split("token=")[1]
    moved = client.post(f"/reservierung/{code}/verschieben/", {"token": token}, follow=True)
    assert moved.status_code == 200
    reservation = Reservation.objects.get()
    assert reservation.pickup_date == WEDNESDAY
    assert reservation.moved_at is not None
    assert 'data-testid="move"' not in moved.content.decode()  # once only
    product.refresh_from_db()
    assert product.quantity_held == 1


def test_no_move_button_when_the_shop_disallows_it(client: Client, product: Product) -> None:
    Shop.objects.filter(pk=product.shop_id).update(pickup_move_allowed=False)
    confirmation = client.get(_reserve(client, product).headers["Location"]).content.decode()
    status_url = re.search(
        r'href="(/reservierung/[^"]+\?token=[^"]+)" data-testid="status-link"', confirmation
    ).group(1)  # type: ignore[union-attr]
    assert 'data-testid="move"' not in client.get(status_url.replace("&amp;", "&")).content.decode()


def test_my_shop_groups_reservations_by_pickup_day_and_saves_settings(
    client: Client, product: Product
) -> None:
    for day in ("2026-12-10", "2026-12-08", "2026-12-09"):
        assert _reserve(Client(), product, pickup_date=day).status_code == 302
    owner = MembershipFactory(shop=product.shop).user
    client.force_login(owner)
    page = client.get("/mein-laden/laden/").content.decode()
    groups = re.findall(r'id="day-([0-9-]+)" data-testid="pickup-day-group"', page)
    assert groups == ["2026-12-08", "2026-12-09", "2026-12-10"]
    # settings: bad input changes nothing, good input is saved
    bad = client.post(
        "/mein-laden/laden/abholung/",
        {"pickup_days_ahead": "9", "pickup_min_window_minutes": "30", "pickup_lead_minutes": "15"},
    )
    assert bad.status_code == 400
    shop = Shop.objects.get(pk=product.shop_id)
    assert shop.pickup_days_ahead == 2
    ok = client.post(
        "/mein-laden/laden/abholung/",
        {
            "pickup_days_ahead": "5",
            "pickup_min_window_minutes": "45",
            "pickup_lead_minutes": "20",
            "pickup_later_days": "on",
        },
    )
    assert ok.status_code == 302
    shop.refresh_from_db()
    assert (shop.pickup_days_ahead, shop.pickup_min_window_minutes, shop.pickup_lead_minutes) == (5, 45, 20)
    assert (shop.pickup_later_days, shop.pickup_move_allowed, shop.hold_minutes) == (True, False, None)


def test_after_closing_the_pages_say_from_tomorrow_unless_the_shop_takes_today_only(
    client: Client, api_client: Any, product: Product
) -> None:
    with time_machine.travel(datetime(2026, 12, 8, 19, 30, tzinfo=BERLIN), tick=False):
        pickup_board_clear()
        page = client.get(f"/produkt/{product.pk}/", follow=True).content.decode()
        assert "abholbar ab morgen 09:30" in page
        assert "heute abholbar" not in page
        api = api_client.get(f"/api/v1/products/{product.pk}/").json()
        assert (api["pickup_today_until"], api["next_pickup_from"]) == (None, "2026-12-09T09:30:00+01:00")
        Shop.objects.filter(pk=product.shop_id).update(pickup_later_days=False)
        pickup_board_clear()
        page = client.get(f"/produkt/{product.pk}/", follow=True).content.decode()
        assert "abholbar ab morgen" not in page
        assert 'data-testid="pickup-days"' not in page  # nothing to reserve for: no form
        assert api_client.get(f"/api/v1/products/{product.pk}/").json()["next_pickup_from"] is None
