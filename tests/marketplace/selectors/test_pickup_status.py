"""`pickup_status`: the one value the shop and product pages of the API and the website show (issue 10)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import Shop
from marketplace.selectors.pickup import PickupStatus, shop_pickup_status
from marketplace.selectors.shops import shop_week
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_18 = [(d, time(9), time(18)) for d in range(5)]
FRIDAY_NOON = datetime(2026, 6, 5, 12, 0, tzinfo=BERLIN)
FRIDAY_EVENING = datetime(2026, 6, 5, 17, 55, tzinfo=BERLIN)


def test_an_open_shop_hands_over_until_closing():
    # given
    shop = ShopFactory(hours=WEEKDAYS_9_TO_18)

    # when
    status = shop_pickup_status(shop=shop, now=FRIDAY_NOON)

    # then
    assert status.open_now is True
    assert status.pickup_today_until == datetime(2026, 6, 5, 18, 0, tzinfo=BERLIN)
    assert status.next_pickup_from is None
    assert status.options.first is not None
    assert status.options.first.today
    with pytest.raises(dataclasses.FrozenInstanceError):
        status.open_now = False  # type: ignore[misc]


def test_too_close_to_closing_means_next_opening_day_unless_the_shop_takes_today_only():
    # given
    later = ShopFactory(hours=WEEKDAYS_9_TO_18, pickup_lead_minutes=15)
    today_only = ShopFactory(hours=WEEKDAYS_9_TO_18, pickup_lead_minutes=15, pickup_later_days=False)

    # when
    status = shop_pickup_status(shop=later, now=FRIDAY_EVENING)
    none = shop_pickup_status(shop=today_only, now=FRIDAY_EVENING)

    # then: Monday 09:00 (the weekend is closed)
    assert status.pickup_today_until is None
    assert status.next_pickup_from == datetime(2026, 6, 8, 9, 0, tzinfo=BERLIN)
    assert (none.open_now, none.pickup_today_until, none.next_pickup_from) == (True, None, None)
    assert none.options.days == ()


def test_a_listing_shows_whether_it_is_open_and_nothing_to_collect():
    # given
    listing = ShopFactory(hours=WEEKDAYS_9_TO_18, status=Shop.Status.LISTED)

    # when
    status = shop_pickup_status(shop=listing, now=FRIDAY_NOON)

    # then
    assert status == PickupStatus(
        open_now=True, pickup_today_until=None, next_pickup_from=None, options=status.options
    )
    assert status.options.days == ()


def test_the_shop_week_carries_the_same_status():
    # given
    shop = ShopFactory(hours=WEEKDAYS_9_TO_18)

    # when
    week = shop_week(shop=shop, now=FRIDAY_NOON)

    # then
    assert week.status == shop_pickup_status(shop=shop, now=FRIDAY_NOON)
    assert (week.open_now, week.pickup_today_until, week.next_pickup_from) == (
        True,
        datetime(2026, 6, 5, 18, 0, tzinfo=BERLIN),
        None,
    )


def test_api_shop_detail_product_detail_and_the_website_say_the_same(client: Client):
    # given: open around the clock, so the answer does not depend on the hour the test runs
    always = [(d, time(0), time(6, 30)) for d in range(7)] + [(d, time(6, 30), time(2, 0)) for d in range(7)]
    shop = ShopFactory(slug="eck", hours=always)
    product = ProductFactory(shop=shop, quantity_on_hand=3)
    api = APIClient()

    # when
    detail = api.get("/api/v1/shops/eck/").json()
    product_detail = api.get(f"/api/v1/products/{product.pk}/").json()
    page = client.get("/laden/eck/")

    # then
    assert detail["open_now"] is product_detail["open_now"] is True
    assert detail["pickup_today_until"] is not None
    assert detail["pickup_today_until"] == product_detail["pickup_today_until"]
    assert detail["next_pickup_from"] is None
    assert product_detail["next_pickup_from"] is None
    assert page.context["hours"].status.open_now is True
    assert page.context["hours"].status.pickup_today_until is not None
