"""Bulk inventory sync: set/adjust, compare-and-set, all-or-nothing vs partial, freshness, movements."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.models import Product, Reservation, StockMovement
from marketplace.services.inventory import (
    MODE_ADJUST,
    SyncRejected,
    TooManyRows,
    inventory_sync,
    rows_from_payload,
)
from marketplace.services.products import Actor
from tests.factories import ApiKeyFactory, ProductFactory, ReservationFactory, ShopFactory

pytestmark = pytest.mark.django_db

API = Actor(source=StockMovement.Source.API)


def sync(shop, items, *, mode="set", partial=False, dry_run=False, now=None, actor=API):
    rows, errors = rows_from_payload(items, mode=mode)
    return inventory_sync(
        shop=shop,
        rows=rows,
        row_errors=errors,
        mode=mode,
        partial=partial,
        dry_run=dry_run,
        actor=actor,
        now=now,
    )


def snapshot(shop):
    return sorted(
        Product.objects.filter(shop=shop).values_list(
            "sku", "quantity_on_hand", "price", "stock_updated_at", "updated_at"
        )
    )


def test_set_mode_updates_creates_and_counts_unchanged():
    # given
    shop = ShopFactory()
    key = ApiKeyFactory(shop=shop)
    a = ProductFactory(shop=shop, sku="A", quantity_on_hand=5, price=Decimal("9.90"))
    ProductFactory(shop=shop, sku="B", quantity_on_hand=2, price=Decimal("1.00"))
    # when
    result = sync(
        shop,
        [
            {"sku": "A", "quantity": 7, "price": "12.50"},
            {"sku": "B", "quantity": 2},
            {"sku": "NEW", "quantity": 3, "price": "4.00", "title": "Neu"},
        ],
        actor=Actor(source=StockMovement.Source.API, api_key=key),
    )
    # then
    assert (result.created, result.updated, result.unchanged, result.errors) == (1, 1, 1, [])
    a.refresh_from_db()
    assert (a.quantity_on_hand, a.price) == (7, Decimal("12.50"))
    new = Product.objects.get(shop=shop, sku="NEW")
    assert (new.quantity_on_hand, new.title, new.shop_active, new.location) == (3, "Neu", True, shop.location)
    movements = {m.product.sku: m for m in StockMovement.objects.select_related("product")}
    assert set(movements) == {"A", "NEW"}
    assert (movements["A"].on_hand_delta, movements["A"].on_hand_after, movements["A"].actor_api_key_id) == (
        2,
        7,
        key.pk,
    )
    assert movements["A"].source == "api"
    assert (movements["NEW"].on_hand_delta, movements["NEW"].on_hand_after) == (3, 3)


def test_adjust_mode_adds_and_rejects_going_negative():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=5)
    ProductFactory(shop=shop, sku="B", quantity_on_hand=1)
    before = snapshot(shop)
    # when
    with pytest.raises(SyncRejected) as rejected:
        sync(shop, [{"sku": "A", "quantity": -2}, {"sku": "B", "quantity": -3}], mode=MODE_ADJUST)
    # then: all-or-nothing, nothing written
    assert [e["code"] for e in rejected.value.details["errors"]] == ["negative_quantity"]
    assert rejected.value.details["errors"][0]["index"] == 1
    assert snapshot(shop) == before
    assert StockMovement.objects.count() == 0
    # when: the same with partial
    result = sync(
        shop, [{"sku": "A", "quantity": -2}, {"sku": "B", "quantity": -3}], mode=MODE_ADJUST, partial=True
    )
    # then
    assert (result.updated, [e.code for e in result.errors]) == (1, ["negative_quantity"])
    assert Product.objects.get(shop=shop, sku="A").quantity_on_hand == 3
    assert Product.objects.get(shop=shop, sku="B").quantity_on_hand == 1


def test_expected_quantity_mismatch_is_stale_and_writes_nothing():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=5)
    ProductFactory(shop=shop, sku="B", quantity_on_hand=5)
    before = snapshot(shop)
    # when
    with pytest.raises(SyncRejected) as rejected:
        sync(
            shop,
            [
                {"sku": "A", "quantity": 4, "expected_quantity": 5},
                {"sku": "B", "quantity": 4, "expected_quantity": 6},
            ],
        )
    # then
    assert rejected.value.status == 422
    assert rejected.value.details["errors"] == [
        {
            "index": 1,
            "sku": "B",
            "code": "stale_quantity",
            "message": "Erwarteter Bestand 6, aber 5 vorrätig.",
        }
    ]
    assert snapshot(shop) == before
    # when: the matching row alone goes through
    result = sync(shop, [{"sku": "A", "quantity": 4, "expected_quantity": 5}])
    # then
    assert result.updated == 1
    assert Product.objects.get(shop=shop, sku="A").quantity_on_hand == 4


def test_bad_rows_are_row_errors_and_read_only_fields_are_refused():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=5)
    before = snapshot(shop)
    items = [
        {"sku": "A", "quantity": 1, "quantity_held": 0},
        {"sku": "A", "quantity": "x"},
        {"sku": "", "quantity": 1},
        {"sku": "UNKNOWN", "quantity": 1},
        {"sku": "A", "quantity": 1, "price": "-1"},
        "not an object",
        {"sku": "A", "quantity": 2},
        {"sku": "A", "quantity": 3},
    ]
    # when
    with pytest.raises(SyncRejected) as rejected:
        sync(shop, items)
    # then
    codes = [(e["index"], e["code"]) for e in rejected.value.details["errors"]]
    assert codes == [
        (0, "unknown_field"),
        (1, "invalid_quantity"),
        (2, "invalid_sku"),
        (3, "unknown_sku"),
        (4, "invalid_price"),
        (5, "invalid_row"),
        (7, "duplicate_sku"),
    ]
    assert snapshot(shop) == before


def test_unchanged_rows_are_not_rewritten_but_confirmed_as_fresh():
    # given: one product confirmed two days ago, one a minute ago
    now = timezone.now()
    shop = ShopFactory()
    old = ProductFactory(shop=shop, sku="OLD", quantity_on_hand=5, stock_updated_at=now - timedelta(days=2))
    recent = ProductFactory(
        shop=shop, sku="RECENT", quantity_on_hand=5, stock_updated_at=now - timedelta(minutes=1)
    )
    Product.objects.filter(pk__in=[old.pk, recent.pk]).update(updated_at=now - timedelta(days=2))
    # when
    with CaptureQueriesContext(connection) as queries:
        result = sync(shop, [{"sku": "OLD", "quantity": 5}, {"sku": "RECENT", "quantity": 5}], now=now)
    # then: the stale confirmation is refreshed with a one-column update; nothing else is written
    assert (result.updated, result.unchanged) == (0, 2)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.stock_updated_at == now
    assert old.updated_at == now - timedelta(days=2)
    assert recent.stock_updated_at == now - timedelta(minutes=1)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert len(writes) == 1
    assert "SET stock_updated_at" in writes[0]
    assert StockMovement.objects.count() == 0


def test_sync_is_set_based_whatever_the_row_count():
    # given
    shop = ShopFactory()
    for i in range(30):
        ProductFactory(shop=shop, sku=f"S{i}", quantity_on_hand=1)
    items = [{"sku": f"S{i}", "quantity": 2} for i in range(30)] + [
        {"sku": f"N{i}", "quantity": 1, "title": f"Neu {i}", "price": "1,50"} for i in range(30)
    ]
    # when
    with CaptureQueriesContext(connection) as queries:
        result = sync(shop, items)
    # then: lock, read, update, insert, movements, the outbox rows of the word-list refresh and of the
    # stock-alert matching (decision 1700) (+ savepoint bookkeeping), not one query per row
    assert (result.created, result.updated) == (30, 30)
    assert len(queries.captured_queries) <= 10
    assert StockMovement.objects.count() == 60
    assert Product.objects.get(shop=shop, sku="N3").price == Decimal("1.50")


def test_read_lock_comes_before_the_write():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=1)
    # when
    with CaptureQueriesContext(connection) as queries:
        sync(shop, [{"sku": "A", "quantity": 2}])
    # then
    sqls = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, sql in enumerate(sqls) if "FOR NO KEY UPDATE" in sql)
    update = next(i for i, sql in enumerate(sqls) if sql.lstrip().startswith("UPDATE"))
    advisory = next(i for i, sql in enumerate(sqls) if "pg_advisory_xact_lock" in sql)
    assert advisory < lock < update


def test_too_many_rows_are_refused_before_anything_happens():
    # given
    shop = ShopFactory()
    items = [{"sku": f"S{i}", "quantity": 1} for i in range(10_001)]
    # when / then
    with pytest.raises(TooManyRows):
        sync(shop, items)
    assert Product.objects.filter(shop=shop).count() == 0


def test_dry_run_reports_changes_and_writes_nothing():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=5, price=Decimal("2.00"))
    before = snapshot(shop)
    # when
    result = sync(
        shop,
        [{"sku": "A", "quantity": 6}, {"sku": "B", "quantity": 1, "title": "B", "price": "1"}],
        dry_run=True,
    )
    # then
    data = result.as_dict()
    assert (data["created"], data["updated"], data["would_write"]) == (1, 1, True)
    assert {c["sku"]: c["action"] for c in data["changes"]} == {"A": "update", "B": "create"}
    assert data["changes"][0]["quantity"] == [5, 6]
    assert snapshot(shop) == before
    assert not Product.objects.filter(sku="B").exists()


def test_on_hand_below_held_is_accepted_and_the_reservation_flagged():
    # given: 3 on hand, 2 held by an active reservation
    shop = ShopFactory()
    product = ProductFactory(shop=shop, sku="A", quantity_on_hand=3)
    reservation = ReservationFactory(shop=shop)
    reservation.lines.create(product=product, quantity=2, unit_price=product.price)
    Product.objects.filter(pk=product.pk).update(quantity_held=2)
    # when: the till says only 1 is left
    result = sync(shop, [{"sku": "A", "quantity": 1}])
    # then
    assert result.updated == 1
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.quantity_held) == (1, 2)
    assert Reservation.objects.get(pk=reservation.pk).stock_conflict is True
    # when: stock is back
    sync(shop, [{"sku": "A", "quantity": 4}])
    # then: the flag is cleared
    assert Reservation.objects.get(pk=reservation.pk).stock_conflict is False


def test_sync_touches_only_the_given_shop():
    # given: two shops with the same SKU
    mine, other = ShopFactory(), ShopFactory()
    ProductFactory(shop=mine, sku="A", quantity_on_hand=1)
    theirs = ProductFactory(shop=other, sku="A", quantity_on_hand=1)
    # when
    sync(mine, [{"sku": "A", "quantity": 9}])
    # then
    theirs.refresh_from_db()
    assert theirs.quantity_on_hand == 1
    assert Product.objects.get(shop=mine, sku="A").quantity_on_hand == 9
