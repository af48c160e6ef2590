"""Stock churn stays off the indexes: a stock change is a HOT update of the product row (issue 14).

A HOT update writes no index entry at all (not into the GIN text index, not into the GiST index), which
needs free room on the row's page (`fillfactor`) and no index whose key or predicate uses a changed column.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from marketplace.models import Product
from marketplace.services import reservations as reservation_services
from marketplace.services.products import Actor, product_update
from tests.factories import ProductFactory, ShopFactory
from tests.table_stats import table_stats

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_NOON = datetime.combine(date(2026, 6, 5), time(12), tzinfo=BERLIN)
STOCK_COLUMNS = ("quantity_on_hand", "quantity_held", "stock_updated_at", "updated_at", "stock_mode")


def _product_update_counts() -> tuple[int, int]:
    """(updates, HOT updates) of the product table, with this backend's pending statistics flushed."""
    updates, hot = table_stats("marketplace_product", "n_tup_upd", "n_tup_hot_upd")
    return updates, hot


def _full_page_of_products() -> list[Product]:
    """Enough products in one shop to fill heap pages (a lone row on a page would leave room anyway)."""
    shop = ShopFactory()
    return ProductFactory.create_batch(120, shop=shop, quantity_on_hand=5, description="x" * 200)


@pytest.mark.django_db(transaction=True)
def test_a_stock_change_through_the_services_is_a_hot_update():
    # given products filling their pages, the first one on the first (filled) page
    product = _full_page_of_products()[0]
    before_updates, before_hot = _product_update_counts()
    # when a merchant corrects the figure (on hand + stock confirmed) through the service
    product_update(
        product=product,
        changes={"quantity_on_hand": 7},
        actor=Actor(source="admin"),
        seen_on_hand=5,
        now=FRIDAY_NOON,
    )
    # and a resident holds one unit (the held counter)
    reservation_services.reservation_create(
        items=[reservation_services.LineRequest(product_id=product.pk, quantity=1)],
        contact=reservation_services.Contact(name="Erika Muster", email="erika@example.org", phone=""),
        now=FRIDAY_NOON,
    )
    # then every update of the product row was HOT
    after_updates, after_hot = _product_update_counts()
    assert after_updates - before_updates >= 2
    assert after_hot - before_hot == after_updates - before_updates
    assert Product.objects.values_list("quantity_on_hand", "quantity_held").get(pk=product.pk) == (7, 1)


@pytest.mark.django_db
def test_no_index_of_the_product_table_uses_a_stock_column():
    # given every index of the product table (key columns, expressions and partial-index predicates)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'marketplace_product'::regclass"
        )
        indexes = cursor.fetchall()
    # then none mentions a column a stock change writes
    assert indexes
    for name, definition in indexes:
        for column in STOCK_COLUMNS:
            assert column not in definition, f"{name}: {definition}"


@pytest.mark.django_db
def test_product_table_keeps_room_for_hot_updates_and_a_bounded_gin_pending_list():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c "
            "WHERE c.relname IN ('marketplace_product', 'product_search_gin', 'product_search_text_gin')"
        )
        options = {name: set(opts or []) for name, opts in cursor.fetchall()}
    assert "fillfactor=75" in options["marketplace_product"]
    assert "autovacuum_vacuum_scale_factor=0.02" in options["marketplace_product"]
    assert "gin_pending_list_limit=256" in options["product_search_gin"]
    assert "gin_pending_list_limit=256" in options["product_search_text_gin"]
