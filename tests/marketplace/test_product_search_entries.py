"""The narrow text copy of the products (`marketplace_product_search`) is kept by the database (decision 1400,
"Third round", "Sixth round"): every way a product is written, renamed, moved (to another shop or with its
shop to another point) or removed shows in it, and a stock change does not touch it (nor stop being HOT)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Category, Product, ProductSearchEntry
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.services.products import (
    Actor,
    category_names_refresh,
    product_create,
    product_update,
    shop_location_changed,
)
from marketplace.services.search_index import search_words_refresh
from tests.factories import ProductFactory, ShopFactory
from tests.table_stats import table_stats

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_NOON = datetime.combine(date(2026, 6, 5), time(12), tzinfo=BERLIN)


def _entries() -> dict[int, tuple[int, str, str]]:
    """product id -> (shop id, text, point) of the copy, next to what the product rows say it should be."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT product_id, shop_id, search_vector::text, ST_AsEWKT(location) "
            "FROM marketplace_product_search"
        )
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}


def _expected() -> dict[int, tuple[int, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, shop_id, strip(search_vector)::text, ST_AsEWKT(location) FROM marketplace_product"
        )
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}


def _entry_writes() -> int:
    """Inserted + updated + deleted rows of the copy so far (this backend's statistics flushed)."""
    return sum(table_stats("marketplace_product_search", "n_tup_ins", "n_tup_upd", "n_tup_del"))


@pytest.mark.django_db
def test_created_products_get_their_entry_one_by_one_and_in_bulk():
    # given a shop
    shop = ShopFactory()
    # when one product is created through the service and three in one bulk insert
    one = product_create(
        shop=shop,
        sku="A-1",
        title="Taschenlampe Alu",
        price=Decimal("12.00"),
        brand="Licht",
        actor=Actor(source="admin"),
    )
    Product.objects.bulk_create(
        [
            Product(
                shop=shop,
                sku=f"B-{n}",
                title=f"Kerze Nummer {n}",
                price=Decimal("3.00"),
                location=shop.location,
            )
            for n in range(3)
        ]
    )
    # then every product has exactly its shop and its text without positions
    entries = _entries()
    assert entries == _expected()
    assert len(entries) == 4
    assert entries[one.pk][0] == shop.pk
    assert ":" not in entries[one.pk][1]  # stripped: no positions or weights
    assert "'taschenlamp'" in entries[one.pk][1]


@pytest.mark.django_db
def test_a_renamed_product_is_found_by_its_new_name_only():
    # given a listed product in a collectable shop, found by its title
    product = ProductFactory(title="Gießkanne verzinkt", quantity_on_hand=3, stock_updated_at=FRIDAY_NOON)
    shop = product.shop
    params = {"lat": shop.location.y, "lng": shop.location.x, "available_today": False}
    assert [
        h.product_id
        for h in product_search_nearby(params=SearchParams(q="Gießkanne", **params), now=FRIDAY_NOON).hits
    ] == [product.pk]
    # when the merchant renames it
    product_update(
        product=product, changes={"title": "Regentonne grün"}, actor=Actor(source="admin"), now=FRIDAY_NOON
    )
    # then the copy follows, and the search finds the new name, not the old one
    assert _entries() == _expected()
    assert product_search_nearby(params=SearchParams(q="Gießkanne", **params), now=FRIDAY_NOON).hits == []
    hits = product_search_nearby(params=SearchParams(q="Regentonne", **params), now=FRIDAY_NOON).hits
    assert [h.product_id for h in hits] == [product.pk]


@pytest.mark.django_db
def test_a_bulk_update_of_the_text_and_a_move_to_another_shop_are_copied():
    # given products of a category
    category = Category.objects.create(name="Werkzeug", slug="werkzeug-test")
    products = ProductFactory.create_batch(3, category=category, category_names="Werkzeug")
    other_shop = ShopFactory()
    # when the category is renamed (one UPDATE of all its products) and one product moves shop (raw SQL,
    # as a data repair would)
    category.name = "Gartengeräte"
    category.save()
    assert category_names_refresh(category=category) == 3
    Product.objects.filter(pk=products[0].pk).update(shop=other_shop)
    # then the copy has the new text and the new shop
    entries = _entries()
    assert entries == _expected()
    assert all("'gartengerat'" in entries[p.pk][1] for p in products)
    assert entries[products[0].pk][0] == other_shop.pk


@pytest.mark.django_db
def test_a_shop_that_moves_moves_its_entries_and_is_found_at_its_new_place():
    # given a shop with a product found by a rare word, read text index first
    shop = ShopFactory()
    product = ProductFactory(
        shop=shop, title="Schneeschaufel", quantity_on_hand=2, stock_updated_at=FRIDAY_NOON
    )
    old = shop.location
    # when the shop moves 20 km east (the shop service copies the point to its products)
    shop.location = Point(old.x + 0.3, old.y, srid=4326)
    shop.save(update_fields=["location"])
    assert shop_location_changed(shop=shop) == 1
    search_words_refresh(concurrently=False)
    # then the entry has the new point, and the search finds the product there and not at the old place
    assert _entries() == _expected()
    assert _entries()[product.pk][2] == f"SRID=4326;POINT({old.x + 0.3} {old.y})"
    search = {"q": "Schneeschaufel", "available_today": False, "radius_km": 2}
    new_place = SearchParams(lat=shop.location.y, lng=shop.location.x, **search)
    old_place = SearchParams(lat=old.y, lng=old.x, **search)
    with CaptureQueriesContext(connection) as queries:
        hits = product_search_nearby(params=new_place, now=FRIDAY_NOON).hits
    assert [h.product_id for h in hits] == [product.pk]
    assert any("matches AS MATERIALIZED" in q["sql"] for q in queries.captured_queries)  # text index first
    assert product_search_nearby(params=old_place, now=FRIDAY_NOON).hits == []


@pytest.mark.django_db
def test_deleted_products_and_shops_leave_no_entry():
    # given two shops with products
    kept = ProductFactory.create_batch(2)
    gone_shop = ShopFactory()
    ProductFactory.create_batch(3, shop=gone_shop)
    lone = ProductFactory()
    # when one product and one whole shop are deleted
    lone.delete()
    gone_shop.delete()
    # then only the kept products have entries
    assert set(_entries()) == {p.pk for p in kept}
    assert _entries() == _expected()


@pytest.mark.django_db(transaction=True)
def test_stock_changes_do_not_write_the_copy():
    # given a product and its entry
    product = ProductFactory(quantity_on_hand=5)
    before = _entry_writes()
    # when its stock changes through the service, and by a plain update of the stock columns
    product_update(
        product=product,
        changes={"quantity_on_hand": 9},
        actor=Actor(source="admin"),
        seen_on_hand=5,
        now=FRIDAY_NOON,
    )
    Product.objects.filter(pk=product.pk).update(quantity_held=1)
    # then the copy was not written at all (the row trigger's WHEN is false)
    assert _entry_writes() == before
    assert ProductSearchEntry.objects.filter(product_id=product.pk).count() == 1
