"""Curation (publish windows), demand insights (aggregated, no personal data) and the feeds."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from marketplace.exceptions import NotFound, ValidationFailed
from marketplace.models import Reservation, SearchEvent, Shop
from marketplace.selectors.curation import collection_get_live, collections_live, featured_shops_live
from marketplace.selectors.feeds import (
    GOOGLE_LOCAL_INVENTORY_COLUMNS,
    google_local_inventory_rows,
    osm_opening_hours_rows,
    shop_osm_opening_hours,
)
from marketplace.selectors.insights import (
    OUTSIDE,
    Period,
    insights_by_district,
    insights_by_week,
    insights_reservations_by_shop,
    insights_stale_stock_shops,
    insights_top_searches,
    insights_zero_result_searches,
)
from marketplace.services.curation import collection_create, collection_item_add, featured_shop_create
from tests.factories import ProductFactory, ReservationFactory, ShopFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 11, 11, 0, tzinfo=BERLIN)  # Wednesday
HOUR = timedelta(hours=1)


# --- curation ------------------------------------------------------------------------------------------


def test_featured_shop_shows_only_within_window_and_while_active() -> None:
    # given
    shop = ShopFactory()
    pending = ShopFactory(status=Shop.Status.PENDING)
    featured = featured_shop_create(
        shop=shop, title="Neu am Markt", publish_from=NOW, publish_until=NOW + 24 * HOUR
    )
    featured_shop_create(shop=pending, title="Noch nicht freigegeben")

    # when / then
    assert list(featured_shops_live(now=NOW - HOUR)) == []
    assert list(featured_shops_live(now=NOW)) == [featured]
    assert list(featured_shops_live(now=NOW + 24 * HOUR)) == []


def test_publish_window_must_end_after_it_starts() -> None:
    # given
    shop = ShopFactory()

    # when
    with pytest.raises(ValidationFailed):
        featured_shop_create(shop=shop, publish_from=NOW, publish_until=NOW)

    # then
    assert not shop.featurings.exists()


def test_collection_shows_live_items_only() -> None:
    # given
    visible_shop = ShopFactory()
    suspended = ShopFactory(status=Shop.Status.SUSPENDED)
    product = ProductFactory(shop=visible_shop, title="Lüneburger Salz")
    hidden_product = ProductFactory(shop=suspended)
    collection = collection_create(
        title="Ostern in Lüneburg", publish_from=NOW, publish_until=NOW + 7 * 24 * HOUR
    )
    collection_item_add(collection=collection, shop=visible_shop)
    collection_item_add(collection=collection, product=product, note="Aus der Saline")
    collection_item_add(collection=collection, shop=suspended)
    collection_item_add(collection=collection, product=hidden_product)

    # when
    live = collection_get_live(slug="ostern-in-lueneburg", now=NOW + HOUR)

    # then
    assert [(i.shop_id, i.product_id) for i in live.visible_items] == [
        (visible_shop.pk, None),
        (None, product.pk),
    ]
    assert live.visible_items[1].product.available == 5
    assert [c.item_count for c in collections_live(now=NOW + HOUR)] == [2]
    with pytest.raises(NotFound):
        collection_get_live(slug="ostern-in-lueneburg", now=NOW - HOUR)
    assert list(collections_live(now=NOW + 8 * 24 * HOUR)) == []


def test_collection_item_is_a_shop_or_a_product_once() -> None:
    # given
    shop = ShopFactory()
    collection = collection_create(title="Handgemacht")
    collection_item_add(collection=collection, shop=shop)

    # when / then
    with pytest.raises(ValidationFailed):
        collection_item_add(collection=collection, shop=shop)
    with pytest.raises(ValidationFailed):
        collection_item_add(collection=collection)
    assert collection.items.count() == 1


# --- insights ------------------------------------------------------------------------------------------


def _search(
    query: str, results: int, *, at: datetime, lat: str | None = "53.25", lng: str | None = "10.41"
) -> None:
    SearchEvent.objects.create(
        query=query,
        result_count=results,
        lat=Decimal(lat) if lat else None,
        lng=Decimal(lng) if lng else None,
        created_at=at,
    )


def test_top_and_zero_result_searches_are_aggregated() -> None:
    # given
    period = Period(start=NOW - 7 * 24 * HOUR, end=NOW)
    for _ in range(3):
        _search("Fahrradschlauch", 0, at=NOW - HOUR)
    _search("fahrradschlauch ", 0, at=NOW - 2 * HOUR)
    _search("Kaffee", 12, at=NOW - HOUR)
    _search("Kaffee", 0, at=NOW - HOUR)
    _search("Einmalig Maxi Mustermann", 0, at=NOW - HOUR)
    _search("Zu alt", 0, at=NOW - 30 * 24 * HOUR)

    # when
    top = insights_top_searches(period=period, min_count=2)
    zero = insights_zero_result_searches(period=period, min_count=1)

    # then
    assert [(r.query, r.searches, r.zero_results) for r in top] == [
        ("fahrradschlauch", 4, 4),
        ("kaffee", 2, 1),
    ]
    assert [r.query for r in zero] == ["fahrradschlauch", "kaffee", "einmalig maxi mustermann"]
    assert "zu alt" not in [r.query for r in zero]


def test_searches_by_iso_week_and_district() -> None:
    # given
    ShopFactory(district="Altstadt", location=Point(10.4077, 53.2489, srid=4326))
    ShopFactory(district="Kaltenmoor", location=Point(10.4400, 53.2370, srid=4326))
    _search("a", 0, at=datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN))  # Monday of week 10
    _search("b", 3, at=datetime(2026, 3, 8, 23, 30, tzinfo=BERLIN))  # Sunday of week 10, late
    _search("c", 0, at=datetime(2026, 3, 9, 0, 30, tzinfo=BERLIN), lat="53.24", lng="10.44")  # week 11
    _search("d", 1, at=datetime(2026, 3, 9, 8, 0, tzinfo=BERLIN), lat=None, lng=None)
    _search("e", 1, at=datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN), lat="52.52", lng="13.40")  # Berlin
    period = Period(start=datetime(2026, 3, 1, tzinfo=BERLIN), end=datetime(2026, 3, 16, tzinfo=BERLIN))

    # when
    weeks = insights_by_week(period=period)
    districts = insights_by_district(period=period)

    # then
    assert [(w.week, w.searches, w.zero_results) for w in weeks] == [(10, 2, 1), (11, 3, 1)]
    assert {(d.district, d.searches, d.zero_results) for d in districts} == {
        ("Altstadt", 2, 1),
        ("Kaltenmoor", 1, 1),
        ("", 1, 0),
        (OUTSIDE, 1, 0),
    }


def test_reservations_and_no_show_rate_per_shop() -> None:
    # given
    shop = ShopFactory(name="Buchhandlung")
    for status in ["collected", "collected", "collected", "no_show", "cancelled", "held"]:
        ReservationFactory(shop=shop, status=status)
    period = Period.last_days(1)

    # when
    rows = insights_reservations_by_shop(period=period)

    # then
    assert len(rows) == 1
    row = rows[0]
    assert (row.total, row.collected, row.no_show, row.cancelled, row.active) == (6, 3, 1, 1, 1)
    assert row.no_show_rate == 0.25


def test_stale_stock_shops() -> None:
    # given
    fresh = ShopFactory(name="Frisch")
    stale = ShopFactory(name="Verstaubt")
    ProductFactory(shop=fresh, stock_updated_at=NOW - 24 * HOUR)
    ProductFactory(shop=stale, stock_updated_at=NOW - 40 * 24 * HOUR)
    ProductFactory(shop=stale, stock_updated_at=NOW - 24 * HOUR)

    # when
    rows = insights_stale_stock_shops(now=NOW)

    # then
    assert [(r.shop_name, r.products, r.stale_products) for r in rows] == [("Verstaubt", 2, 1)]


def test_search_event_holds_no_personal_data() -> None:
    # then: the model has no field that could name a person or a device
    names = {f.name for f in SearchEvent._meta.get_fields()}
    assert not names & {"ip", "ip_address", "user", "user_agent", "session", "email"}


# --- feeds ---------------------------------------------------------------------------------------------


def test_google_local_inventory_rows() -> None:
    # given: open Mon-Fri 9-18; Wednesday 11:00
    shop = ShopFactory(slug="buchladen", hours=[(d, time(9, 0), time(18, 0)) for d in range(5)])
    ProductFactory(
        shop=shop,
        sku="B-1",
        gtin="9783161484100",
        title="Roman",
        price=Decimal("12.9"),
        quantity_on_hand=7,
        stock_updated_at=NOW - HOUR,
    )
    ProductFactory(shop=shop, sku="B-2", quantity_on_hand=1, stock_updated_at=NOW - HOUR)
    ProductFactory(shop=shop, sku="B-3", quantity_on_hand=9, stock_updated_at=NOW - 60 * 24 * HOUR)
    ProductFactory(shop=shop, sku="B-4", active=False)
    ProductFactory(shop=ShopFactory(status=Shop.Status.PENDING), sku="P-1")

    # when
    rows = list(google_local_inventory_rows(now=NOW))
    saturday = list(google_local_inventory_rows(shop=shop, now=datetime(2026, 3, 14, 11, 0, tzinfo=BERLIN)))

    # then
    assert set(rows[0]) == set(GOOGLE_LOCAL_INVENTORY_COLUMNS)
    assert [(r["id"], r["quantity"], r["availability"]) for r in rows] == [
        ("B-1", "7", "in_stock"),
        ("B-2", "1", "limited_availability"),
        ("B-3", "0", "out_of_stock"),
    ]
    assert rows[0] | {} == {
        "store_code": "buchladen",
        "id": "B-1",
        "gtin": "9783161484100",
        "title": "Roman",
        "price": "12.90 EUR",
        "quantity": "7",
        "availability": "in_stock",
        "pickup_method": "reserve",
        "pickup_sla": "same day",
        "image_link": "",  # no photo (decision 1600)
    }
    assert {r["pickup_sla"] for r in saturday} == {"2-day"}  # Saturday -> Monday


def test_google_feed_reserved_units_are_not_offered() -> None:
    # given
    shop = ShopFactory()
    product = ProductFactory(shop=shop, quantity_on_hand=3, quantity_held=3, stock_updated_at=NOW - HOUR)
    reservation = ReservationFactory(
        shop=shop, expires_at=NOW + HOUR, pickup_from=NOW - HOUR, created_at=NOW - HOUR
    )
    reservation.lines.create(product=product, quantity=3, unit_price=product.price)
    Reservation.objects.filter(pk=reservation.pk).update(status="held")

    # when
    rows = list(google_local_inventory_rows(now=NOW))

    # then
    assert [(r["quantity"], r["availability"]) for r in rows] == [("0", "out_of_stock")]


def test_osm_opening_hours() -> None:
    # given
    shop = ShopFactory(
        name="Café",
        hours=[(d, time(9, 0), time(18, 0)) for d in range(5)] + [(5, time(9, 0), time(14, 0))],
    )
    ShopFactory(status=Shop.Status.PENDING)

    # when
    rows = osm_opening_hours_rows()

    # then
    assert [r.store_code for r in rows] == [shop.slug]
    assert rows[0].opening_hours == "Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off"
    assert shop_osm_opening_hours(shop=ShopFactory(hours=[])) == "off"
