"""The statements of a hold: prepared on their connection, and plans that do not depend on fresh statistics
(decision 1400, "Fourth round")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.infrastructure.prepared import prepared_cursor
from marketplace.models import Reservation
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.services import hoarding
from marketplace.services import reservations as svc
from tests.factories import ProductFactory, ShopFactory

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
            [[product.pk], 0, timezone.now()],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    units = hoarding.unconfirmed_units([product.pk], now=timezone.now())
    # then: the product's lines first, each one's reservation looked up for it (a subplan), never a join
    # that may start from every active reservation
    assert "SubPlan" in plan
    assert "Join" not in plan
    assert units == {product.pk: 3}
