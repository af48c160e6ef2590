"""The statements of a hold: prepared on their connection, and plans that do not depend on fresh statistics
(decision 1400, "Fourth round")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.infrastructure.prepared import prepared_cursor
from marketplace.models import Reservation, ReservationLine
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.services import hoarding
from marketplace.services import reservations as svc
from tests.factories import ProductFactory, ReservationFactory, ShopFactory

pytestmark = pytest.mark.django_db


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [" ".join(row[0].split()) for row in cursor.fetchall()]


def _hold(product, index: int) -> svc.CreatedReservation:
    return svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=1)],
        contact=svc.Contact(name="Erika", email=f"p{index}@example.org"),
    )


def test_the_statements_of_a_hold_are_prepared_on_their_connection() -> None:
    # given
    product = ProductFactory(quantity_on_hand=20)
    # when: three holds on this connection (a statement is prepared on its second run)
    for index in range(3):
        _hold(product, index)
    # then: the conditional update, the reservation, its lines and the e-mails' outbox rows are prepared
    prepared = _prepared()
    for fragment in (
        "UPDATE marketplace_product SET quantity_held = quantity_held + $1",
        "INSERT INTO marketplace_reservation (",
        "INSERT INTO marketplace_reservationline",
        "INSERT INTO marketplace_outboxmessage",
        "pg_advisory_xact_lock($1)",
    ):
        assert any(fragment in statement for statement in prepared), fragment
    assert Reservation.objects.count() == 3


def test_search_statements_stay_bound_on_the_client() -> None:
    # given: a shop with a product near the point
    shop = ShopFactory()
    ProductFactory(shop=shop, title="Kaffee", quantity_on_hand=3)
    point = shop.location
    # when: the same text search three times
    for _ in range(3):
        product_search_nearby(params=SearchParams(lat=point.y, lng=point.x, q="Kaffee"))
    # then: none of its statements is prepared (their plans depend on the values)
    assert not [s for s in _prepared() if "marketplace_product_search" in s or "<->" in s]


def test_a_prepared_cursor_is_seen_by_query_capture(django_assert_num_queries) -> None:
    # given / when / then: the statement counts like any other
    with django_assert_num_queries(1), prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int + 1", [41])
        assert cursor.fetchone() == (42,)


def test_the_unconfirmed_count_starts_from_the_products_lines() -> None:
    # given: many active reservations of another product, three of this one
    product, other = ProductFactory(quantity_on_hand=100), ProductFactory(quantity_on_hand=500)
    for index in range(3):
        _hold(product, index)
    for index in range(40):
        _hold(other, 100 + index)
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN " + hoarding.UNCONFIRMED_UNITS_SQL,
            {"product": product.pk, "besides": 0, "now": timezone.now()},
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    units = hoarding.unconfirmed_units([product.pk], now=timezone.now())
    # then: the product's lines first, each one's reservation looked up for it (a subplan), never a join
    # that may start from every active reservation
    assert "SubPlan" in plan
    assert "Join" not in plan
    assert units == {product.pk: 3}


def test_the_unconfirmed_count_keeps_one_generic_plan() -> None:
    # given: two products with holds
    products = [ProductFactory(quantity_on_hand=100) for _ in range(2)]
    for index in range(2):
        _hold(products[0], index)
    _hold(products[1], 10)
    # when: counted as often as a busy connection does (PostgreSQL weighs a generic plan after five runs)
    for _ in range(8):
        units = hoarding.unconfirmed_units([p.pk for p in products], now=timezone.now())
    # then: planned once, not on every run (an array parameter made it a custom plan each time)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%SUM(l.quantity)%"],
        )
        (generic, custom), *others = cursor.fetchall()
    assert others == []
    assert units == {products[0].pk: 2, products[1].pk: 1}
    assert generic > custom


def _lines_read(plan: list[dict]) -> int:
    """Rows the plan read from the reservation lines' index (EXPLAIN ANALYZE, JSON)."""

    def walk(node: dict) -> int:
        own = 0
        if node.get("Relation Name") == "marketplace_reservationline":  # rows kept + removed, every loop
            own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def _with_history(product, *, collected: int) -> None:
    """`collected` reservations of `product`, picked up long ago."""
    history = ReservationFactory.create_batch(
        collected, shop=product.shop, status=Reservation.Status.COLLECTED
    )
    ReservationLine.objects.bulk_create(
        ReservationLine(reservation=r, product=product, quantity=1, unit_price=1) for r in history
    )


def _count_plan(product) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE marketplace_reservation")
        cursor.execute("ANALYZE marketplace_reservationline")
        cursor.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + hoarding.UNCONFIRMED_UNITS_SQL,
            {"product": product.pk, "besides": 0, "now": timezone.now()},
        )
        return cursor.fetchone()[0]


def test_the_unconfirmed_count_skips_the_products_history() -> None:
    # given: a product with 300 collected reservations behind it, then three new holds, one confirmed
    product = ProductFactory(quantity_on_hand=100)
    _with_history(product, collected=300)
    new = [_hold(product, index).reservation for index in range(3)]
    Reservation.objects.filter(pk=new[0].pk).update(confirmed_at=timezone.now())
    # when
    plan = _count_plan(product)
    units = hoarding.unconfirmed_units([product.pk], now=timezone.now())
    # then: counted right, and only the lines from the oldest unconfirmed hold on were read (all 303 before)
    assert units == {product.pk: 2}
    assert _lines_read(plan) == 2


def test_an_old_unconfirmed_hold_is_counted_with_everything_after_it() -> None:
    # given: a hold for a pickup day three days ahead, made before the product's history, and a new hold
    product = ProductFactory(quantity_on_hand=100)
    kept = ReservationFactory(shop=product.shop, expires_at=timezone.now() + timedelta(days=3))
    ReservationLine.objects.create(reservation=kept, product=product, quantity=2, unit_price=1)
    _with_history(product, collected=50)
    _hold(product, 1)
    # when
    plan = _count_plan(product)
    units = hoarding.unconfirmed_units([product.pk], now=timezone.now())
    # then: both holds count (the limit: from the oldest unconfirmed hold on, every line is read)
    assert units == {product.pk: 3}
    assert _lines_read(plan) == 52


def test_reservations_are_vacuumed_before_ended_holds_pile_up_in_the_active_indexes() -> None:
    # the oldest unconfirmed hold is found by stepping over the entries of ended holds until a vacuum
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'marketplace_reservation'")
        options = set(cursor.fetchone()[0] or [])
    assert {"autovacuum_vacuum_scale_factor=0.02", "autovacuum_vacuum_threshold=1000"} <= options


HOLD_TABLES = [
    "marketplace_reservation",
    "marketplace_reservationline",
    "marketplace_stockmovement",
    "marketplace_outboxmessage",
    "marketplace_idempotencyrecord",
]


# an index's columns with their operator classes (a `_like` index for LIKE serves other queries)
COLUMNS_AND_OPERATOR_CLASSES = (
    "ARRAY(SELECT k || ':' || o FROM unnest(string_to_array(i.indkey::text, ' '), "
    "string_to_array(i.indclass::text, ' ')) AS t(k, o))"
)


def test_no_index_of_the_tables_a_hold_writes_is_the_start_of_another() -> None:
    # every index is one more entry to write per hold; one whose columns begin another serves no query
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indexrelid::regclass::text, " + COLUMNS_AND_OPERATOR_CLASSES + ", "
            "NOT i.indisunique AND i.indexprs IS NULL "  # a unique or expression index has its own purpose
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
            "WHERE c.relname = ANY(%s) AND am.amname = 'btree' AND i.indpred IS NULL",
            [HOLD_TABLES],
        )
        indexes = cursor.fetchall()
    assert any(plain for *_, plain in indexes)
    redundant = [
        (name, other)
        for table, name, columns, plain in indexes
        if plain
        for other_table, other, other_columns, _ in indexes
        if table == other_table and name != other and other_columns[: len(columns)] == columns
    ]
    assert redundant == []
