"""Stock modes (issue 16, decision 1600): one availability rule, honoured by search, holds, pages and feeds.

counted (the default), toggle ("in stock / sold out", no count, holds of 1-2 units the shop confirms),
always (services, made to order) and next_day (orderable for the next opening day, pickup from then).
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from marketplace.exceptions import InsufficientStock, PickupDateNextDayOnly
from marketplace.models import Product, Reservation, StockMode, StockMovement
from marketplace.selectors.feeds import google_local_inventory_rows
from marketplace.selectors.pickup import pickup_board, pickup_board_clear
from marketplace.selectors.search import SearchParams, product_search_nearby, search_query
from marketplace.selectors.stock import availability_now, products_with_availability
from marketplace.services import reservations as svc
from marketplace.services.products import Actor, product_create, product_update
from tests.factories import TOWN_CENTER, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY = date(2026, 6, 5)
NOW = datetime.combine(FRIDAY, time(12), tzinfo=BERLIN)
STALE = NOW - timedelta(days=30)
LAT, LNG = TOWN_CENTER
ADMIN = Actor(source=StockMovement.Source.ADMIN)


def contact(email: str = "erika@example.org") -> svc.Contact:
    return svc.Contact(name="Erika Muster", email=email, phone="")


def reserve(
    product: Product, quantity: int = 1, *, now: datetime = NOW, **kwargs: Any
) -> svc.CreatedReservation:
    return svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=quantity)],
        contact=contact(),
        now=now,
        **kwargs,
    )


def state(product: Product) -> tuple[int, int, int, int]:
    row = Product.objects.values_list("quantity_on_hand", "quantity_held").get(pk=product.pk)
    return (*row, Reservation.objects.count(), StockMovement.objects.count())


def hits(**kwargs: Any) -> dict[str, tuple[str, int, str]]:
    pickup_board(now=NOW)
    result = product_search_nearby(params=SearchParams(lat=LAT, lng=LNG, **kwargs), now=NOW)
    return {hit.title: (hit.availability, hit.available_quantity, hit.stock_mode) for hit in result.hits}


@pytest.fixture
def shop() -> Any:
    return ShopFactory()


@pytest.fixture
def catalogue(shop: Any) -> dict[str, Product]:
    """One product per mode and state, all in one open shop."""
    return {
        "counted": ProductFactory(shop=shop, title="Kerze gezählt", quantity_on_hand=5),
        "counted_stale": ProductFactory(
            shop=shop, title="Kerze alt", quantity_on_hand=5, stock_updated_at=STALE
        ),
        "toggle_in": ProductFactory(
            shop=shop, title="Kerze vorrätig", quantity_on_hand=1, stock_mode=StockMode.TOGGLE
        ),
        "toggle_out": ProductFactory(
            shop=shop, title="Kerze ausverkauft", quantity_on_hand=0, stock_mode=StockMode.TOGGLE
        ),
        "always": ProductFactory(
            shop=shop,
            title="Kerzengravur",
            quantity_on_hand=0,
            stock_updated_at=STALE,
            stock_mode=StockMode.ALWAYS,
        ),
        "next_day": ProductFactory(
            shop=shop, title="Kerze bestellt", quantity_on_hand=0, stock_mode=StockMode.NEXT_DAY
        ),
    }


# --- the rule ------------------------------------------------------------------------------------------


def test_the_rule_gives_each_mode_its_figure(catalogue):
    # when the rule is read in its ORM form and its per-id form
    annotated = {
        p.title: (p.available, p.stock_fresh)
        for p in products_with_availability(
            Product.objects.filter(pk__in=[p.pk for p in catalogue.values()]), now=NOW
        )
    }
    by_id = availability_now([p.pk for p in catalogue.values()], now=NOW)
    # then counted is the count, toggle the most one hold may take (2) while in stock, always and next day the
    # line limit (10), and only stock figures can be stale
    assert annotated == {
        "Kerze gezählt": (5, True),
        "Kerze alt": (0, False),
        "Kerze vorrätig": (2, True),
        "Kerze ausverkauft": (0, True),
        "Kerzengravur": (10, True),
        "Kerze bestellt": (10, True),
    }
    assert {p.title: by_id[p.pk] for p in catalogue.values()} == {k: v[0] for k, v in annotated.items()}


# --- search --------------------------------------------------------------------------------------------


def test_search_today_lists_what_can_be_collected_today_by_each_mode(catalogue):
    # when searching for what can be picked up today (the default)
    found = hits(q="kerze")
    # then counted and toggle stock in stock, and the always-available service; not the sold-out toggle, the
    # stale figure or the next-day item
    assert found == {
        "Kerze gezählt": ("in_stock", 5, "counted"),
        "Kerze vorrätig": ("in_stock", 2, "toggle"),
        "Kerzengravur": ("always_available", 10, "always"),
    }


def test_search_beyond_today_adds_next_day_items_and_stale_stock(catalogue):
    # when searching without "available today"
    found = hits(q="kerze", available_today=False)
    # then the next-day item is listed with its own label, stale stock as out of stock; nothing on hand
    # ("sold out") stays unlisted as before
    assert found["Kerze bestellt"] == ("next_day", 10, "next_day")
    assert found["Kerze alt"] == ("out_of_stock", 0, "counted")
    assert "Kerze ausverkauft" not in found


def test_a_next_day_search_hit_is_collected_from_the_next_opening_day_not_today():
    # given a shop open today (a Friday) but closed at the weekend, with a next-day product
    weekdays = [(d, time(9), time(18)) for d in range(5)]
    shop = ShopFactory(hours=weekdays, pickup_later_days=False)
    ProductFactory(shop=shop, title="Kerze bestellt", quantity_on_hand=0, stock_mode=StockMode.NEXT_DAY)
    pickup_board_clear()
    # when found by a search that is not limited to today
    params = SearchParams(lat=LAT, lng=LNG, q="kerze", available_today=False)
    [hit] = product_search_nearby(params=params, now=NOW).hits
    # then it says no pickup today, and Monday from opening (also for a shop that takes no later days)
    assert hit.pickup_today_until is None
    assert hit.next_pickup_from == datetime.combine(FRIDAY + timedelta(days=3), time(9), tzinfo=BERLIN)


def test_search_without_text_honours_the_modes_too(catalogue):
    assert set(hits()) == {"Kerze gezählt", "Kerze vorrätig", "Kerzengravur"}


def _plan_town_with_modes() -> None:
    """The search tests' plan town (2,000 shops, 6,000 products), a third of them in the other modes."""
    from tests.marketplace.selectors.test_search import _plan_town

    _plan_town(random.Random(7))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_product SET stock_mode = (ARRAY['toggle', 'always', 'next_day'])[1 + id % 3] "
            "WHERE id % 3 = 0"
        )
        cursor.execute("ANALYZE")


def _explain(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    return (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("Plans", []):
        found.extend(_nodes(child))
    return found


@pytest.mark.parametrize("available_today", [True, False])
def test_mixed_modes_keep_the_shops_first_plan_and_no_sub_query_per_row(available_today):
    # given a town whose products use every mode
    _plan_town_with_modes()
    params = SearchParams(lat=LAT, lng=LNG, radius_km=5, available_today=available_today)
    query = search_query(params, now=NOW, board=pickup_board(now=NOW))
    # when the statement is explained
    nodes = _nodes(_explain(query.sql, query.params))
    # then the shops come from their index in distance order, each shop's products from (shop, id), and no
    # product scan evaluates a sub-plan per row (the modes are plain row filters)
    assert query.plan == "shops-first"
    (shop_scan,) = [node for node in nodes if node.get("Alias") == "ns"]
    assert shop_scan["Node Type"] == "Index Scan"
    product_scans = [node for node in nodes if node.get("Alias") == "lp"]
    assert [node.get("Index Name") for node in product_scans] == ["product_shop_listed_idx"]
    for scan in [node for node in nodes if node.get("Relation Name") == "marketplace_product"]:
        assert [c for c in scan.get("Plans", []) if c.get("Parent Relationship") == "SubPlan"] == []


# --- holds ---------------------------------------------------------------------------------------------


def test_a_toggle_hold_of_two_waits_for_the_shop_and_never_touches_the_figure(catalogue):
    product = catalogue["toggle_in"]
    # when a resident holds 2 of an "in stock" product
    created = reserve(product, 2)
    reservation = created.reservation
    # then it is held for the shop to confirm: no e-mail link, a shop deadline that cuts the hold short
    assert created.confirm_token == ""
    assert reservation.shop_confirm_by is not None
    assert reservation.hold_until is not None
    assert reservation.expires_at == reservation.shop_confirm_by < reservation.hold_until
    assert svc.reservation_awaits_shop(reservation, now=NOW)
    # and the held counter counts it while the "in stock" figure stays what the shop said
    assert Product.objects.values_list("quantity_on_hand", "quantity_held").get(pk=product.pk) == (1, 2)
    # when the shop confirms (marks it ready)
    ready = svc.reservation_mark_ready(reservation=reservation, now=NOW + timedelta(minutes=5))
    # then it lasts its full time
    assert ready.expires_at == ready.hold_until
    # and collecting it leaves the product in stock (no count to lower)
    svc.reservation_collect(reservation=ready, now=NOW + timedelta(minutes=10))
    assert Product.objects.values_list("quantity_on_hand", "quantity_held").get(pk=product.pk) == (1, 0)


def test_a_toggle_hold_the_shop_does_not_confirm_lapses(catalogue):
    # given a toggle hold nobody confirmed
    reservation = reserve(catalogue["toggle_in"], 1).reservation
    # when the sweeper runs after the shop's deadline
    svc.reservations_sweep(now=reservation.shop_confirm_by + timedelta(seconds=1))
    # then it has expired and holds nothing
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.EXPIRED
    assert Product.objects.get(pk=catalogue["toggle_in"].pk).quantity_held == 0


@pytest.mark.parametrize(("key", "quantity"), [("toggle_in", 3), ("toggle_out", 1), ("counted_stale", 1)])
def test_toggle_holds_above_two_sold_out_or_stale_are_refused_and_nothing_changes(catalogue, key, quantity):
    product = catalogue[key]
    before = state(product)
    # when
    with pytest.raises(InsufficientStock):
        reserve(product, quantity)
    # then
    assert state(product) == before


def test_a_stale_toggle_cannot_be_held(shop):
    product = ProductFactory(
        shop=shop, quantity_on_hand=1, stock_mode=StockMode.TOGGLE, stock_updated_at=STALE
    )
    before = state(product)
    with pytest.raises(InsufficientStock):
        reserve(product, 1)
    assert state(product) == before


def test_an_always_available_item_is_held_without_stock_and_collected_without_a_count(catalogue):
    product = catalogue["always"]
    # when 5 are held (no stock figure at all, confirmed long ago)
    reservation = reserve(product, 5).reservation
    # then the hold needs no confirmation and lasts its full time; on hand stays 0
    assert reservation.shop_confirm_by is None
    assert reservation.confirm_by is None
    assert Product.objects.values_list("quantity_on_hand", "quantity_held").get(pk=product.pk) == (0, 5)
    svc.reservation_collect(reservation=reservation, now=NOW + timedelta(minutes=30))
    assert Product.objects.values_list("quantity_on_hand", "quantity_held").get(pk=product.pk) == (0, 0)


def test_a_next_day_item_is_held_for_the_next_opening_day(catalogue):
    # when held without a chosen day on a Friday (the shop is open every day)
    reservation = reserve(catalogue["next_day"], 2).reservation
    # then the pickup day is Saturday, from its opening
    assert reservation.pickup_date == FRIDAY + timedelta(days=1)
    assert reservation.pickup_from.astimezone(BERLIN).date() == FRIDAY + timedelta(days=1)


def test_a_next_day_item_cannot_be_picked_up_today_and_nothing_is_held(catalogue):
    product = catalogue["next_day"]
    before = state(product)
    with pytest.raises(PickupDateNextDayOnly) as caught:
        reserve(product, 1, pickup_date=FRIDAY)
    # (the shop offers its default two days ahead, both after today)
    assert caught.value.details["offered"] == [(FRIDAY + timedelta(days=n)).isoformat() for n in (1, 2)]
    assert state(product) == before


def test_a_next_day_item_skips_closed_days_even_when_later_days_are_off():
    # given a shop closed on Saturdays and Sundays that takes no reservations for later days
    weekdays = [(d, time(9), time(18)) for d in range(5)]
    shop = ShopFactory(hours=weekdays, pickup_later_days=False)
    product = ProductFactory(shop=shop, quantity_on_hand=0, stock_mode=StockMode.NEXT_DAY)
    # when held on a Friday
    reservation = reserve(product, 1).reservation
    # then the pickup is Monday, its next opening day
    assert reservation.pickup_date == FRIDAY + timedelta(days=3)


def test_a_mixed_reservation_follows_its_next_day_item(shop, catalogue):
    created = svc.reservation_create(
        items=[
            svc.LineRequest(product_id=catalogue["counted"].pk, quantity=1),
            svc.LineRequest(product_id=catalogue["next_day"].pk, quantity=1),
        ],
        contact=contact(),
        now=NOW,
    )
    assert created.reservation.pickup_date == FRIDAY + timedelta(days=1)


# --- writes: services, movements ----------------------------------------------------------------------


def test_a_mode_change_is_logged_as_a_movement_with_its_source_and_confirms_the_stock(shop):
    product = ProductFactory(shop=shop, quantity_on_hand=3, stock_updated_at=STALE)
    # when the shop switches it to "in stock / sold out"
    product_update(product=product, changes={"stock_mode": "toggle"}, actor=ADMIN, now=NOW)
    # then the mode is stored, the stock counts as confirmed, and a movement records who did it
    product.refresh_from_db()
    assert (product.stock_mode, product.stock_updated_at) == ("toggle", NOW)
    movement = StockMovement.objects.filter(product=product).latest("pk")
    assert (movement.source, movement.on_hand_delta, movement.note) == ("admin", 0, "mode toggle")


def test_an_unknown_mode_is_refused_and_nothing_changes(shop):
    from marketplace.exceptions import ValidationFailed

    product = ProductFactory(shop=shop, quantity_on_hand=3)
    before = state(product)
    with pytest.raises(ValidationFailed) as caught:
        product_update(product=product, changes={"stock_mode": "maybe"}, actor=ADMIN, now=NOW)
    assert "stock_mode" in caught.value.details
    assert state(product) == before
    assert Product.objects.get(pk=product.pk).stock_mode == "counted"
    with pytest.raises(ValidationFailed):
        product_create(shop=shop, sku="X", title="X", price=Decimal("1.00"), stock_mode="maybe", actor=ADMIN)
    assert not Product.objects.filter(sku="X").exists()


def test_a_toggle_switched_to_sold_out_flags_its_holds(catalogue):
    product = catalogue["toggle_in"]
    reservation = reserve(product, 1).reservation
    product_update(product=product, changes={"quantity_on_hand": 0}, actor=ADMIN, now=NOW)
    # (the product service flags at the real time; the test's holds are at NOW)
    svc.reservations_flag_stock_conflicts(product_ids=[product.pk], now=NOW)
    reservation.refresh_from_db()
    assert reservation.stock_conflict is True


def test_a_toggle_hold_of_two_with_one_in_stock_is_no_conflict(catalogue):
    product = catalogue["toggle_in"]
    reservation = reserve(product, 2).reservation
    # when the shop confirms the stock again (still "in stock")
    product_update(
        product=product, changes={"quantity_on_hand": 1, "price": Decimal("2.00")}, actor=ADMIN, now=NOW
    )
    svc.reservations_flag_stock_conflicts(product_ids=[product.pk], now=NOW)
    reservation.refresh_from_db()
    assert reservation.stock_conflict is False


# --- feed ----------------------------------------------------------------------------------------------


def test_google_feed_reports_each_mode(catalogue):
    rows = {row["id"]: row for row in google_local_inventory_rows(now=NOW)}
    sku = {key: product.sku for key, product in catalogue.items()}
    assert (rows[sku["counted"]]["availability"], rows[sku["counted"]]["quantity"]) == ("in_stock", "5")
    assert (rows[sku["toggle_in"]]["availability"], rows[sku["toggle_in"]]["quantity"]) == ("in_stock", "")
    assert rows[sku["toggle_out"]]["availability"] == "out_of_stock"
    assert rows[sku["always"]]["availability"] == "in_stock"
    assert (rows[sku["next_day"]]["availability"], rows[sku["next_day"]]["pickup_sla"]) == (
        "in_stock",
        "next day",
    )


@pytest.mark.django_db(transaction=True)
def test_a_mode_switch_and_a_photo_change_are_hot_updates():
    from tests.marketplace.test_stock_hot_updates import _full_page_of_products, _product_update_counts

    # given products filling their pages
    product = _full_page_of_products()[0]
    before_updates, before_hot = _product_update_counts()
    # when the shop switches the mode and a thumbnail name is written
    product_update(product=product, changes={"stock_mode": "toggle"}, actor=ADMIN, now=NOW)
    Product.objects.filter(pk=product.pk).update(image="products/x.webp", image_thumb="products/x-thumb.webp")
    # then every update of the row was HOT (the mode and photo columns are in no index)
    after_updates, after_hot = _product_update_counts()
    assert after_updates - before_updates >= 2
    assert after_hot - before_hot == after_updates - before_updates
