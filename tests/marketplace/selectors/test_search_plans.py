"""The search's statements on a real test town: no JIT, no sub-query per scanned row (issue 14).

Every statement a search runs is captured and EXPLAINed (ANALYZE, BUFFERS) on the same connection the
project uses, so these tests see what a request would run.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Product, ReservationLine
from marketplace.selectors.pickup import pickup_board
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.services.search_index import search_words_refresh
from tests.factories import TOWN_CENTER, ReservationFactory, ShopFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_NOON = datetime.combine(date(2026, 6, 5), time(12), tzinfo=BERLIN)
LAT, LNG = TOWN_CENTER
WORDS = ["Kerze", "Tasse", "Buch", "Schal", "Brot", "Lampe", "Vase", "Seife"]


@pytest.fixture
def town() -> None:
    """60 shops over 10 km with 100 products each (a quarter out of stock), a few held, fresh statistics."""
    rng = random.Random(7)
    shops = [
        ShopFactory(
            location=Point(LNG + rng.uniform(-0.07, 0.07), LAT + rng.uniform(-0.045, 0.045), srid=4326)
        )
        for _ in range(60)
    ]
    products = Product.objects.bulk_create(
        Product(
            shop=shop,
            sku=f"B{shop.pk}-{index}",
            title=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {index}",
            price=Decimal("5.00"),
            quantity_on_hand=rng.choice([0, 1, 3, 8]),
            location=shop.location,
            shop_active=True,
        )
        for shop in shops
        for index in range(100)
    )
    reservation = ReservationFactory(
        shop=shops[0],
        created_at=FRIDAY_NOON - timedelta(hours=1),
        pickup_from=FRIDAY_NOON - timedelta(hours=1),
        expires_at=FRIDAY_NOON - timedelta(minutes=5),
    )
    for product in products[:3]:
        ReservationLine.objects.create(reservation=reservation, product=product, quantity=1, unit_price=1)
        Product.objects.filter(pk=product.pk).update(quantity_held=1)
    search_words_refresh(concurrently=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _statements(params: SearchParams) -> list[str]:
    pickup_board(now=FRIDAY_NOON)
    with CaptureQueriesContext(connection) as captured:
        product_search_nearby(params=params, now=FRIDAY_NOON)
    return [query["sql"] for query in captured.captured_queries]


def _explain(sql: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return plan[0]


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("Plans", []):
        found.extend(_nodes(child))
    return found


SEARCHES = [
    pytest.param({}, id="plain"),
    pytest.param({"q": "kerze"}, id="text-relevance"),
    pytest.param({"q": "kerze", "ordering": "distance"}, id="text-distance"),
    pytest.param({"q": "lampe vase", "ordering": "price"}, id="text-price"),
]


def test_project_connections_switch_jit_off():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.parametrize("kwargs", SEARCHES)
def test_no_search_plan_uses_jit(town, kwargs):
    # given the statements of a search on the test town
    statements = _statements(SearchParams(lat=LAT, lng=LNG, **kwargs))
    assert statements
    for sql in statements:
        # when each is explained with ANALYZE on the project's connection
        explained = _explain(sql)
        # then no JIT was used
        assert "JIT" not in explained, sql


@pytest.mark.parametrize("kwargs", SEARCHES)
def test_no_correlated_sub_query_on_the_scanned_product_rows(town, kwargs):
    # given the search statement (the last one on products; text runs the typo correction first, the shops'
    # stock confidence follows)
    sql = [
        sql for sql in _statements(SearchParams(lat=LAT, lng=LNG, **kwargs)) if "marketplace_product" in sql
    ][-1]
    # when explained
    plan = _explain(sql)["Plan"]
    # then no product scan evaluates a sub-plan per row (the held counter with lazy expiry is used instead;
    # one-time InitPlans are fine)
    scans = [node for node in _nodes(plan) if node.get("Relation Name") == "marketplace_product"]
    assert scans
    for scan in scans:
        per_row = [child for child in scan.get("Plans", []) if child.get("Parent Relationship") == "SubPlan"]
        assert per_row == [], json.dumps(scan)[:2000]
