"""The typo-correction word list is rebuilt hourly by Celery beat and soon after catalogue imports."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction

from marketplace import tasks
from marketplace.models import OutboxMessage, StockMovement
from marketplace.selectors.search import SEARCH_WORD_TABLE
from marketplace.services.csv_import import csv_import
from marketplace.services.inventory import MODE_SET, inventory_sync, row_from_item
from marketplace.services.products import Actor
from marketplace.services.search_index import search_words_refresh_schedule
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
CSV = Actor(source=StockMovement.Source.CSV)


def words() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT word FROM {SEARCH_WORD_TABLE}")  # noqa: S608 - fixed name
        return {row[0] for row in cursor.fetchall()}


def test_beat_refreshes_the_word_list_hourly():
    # given / when
    entry = settings.CELERY_BEAT_SCHEDULE["search-words-refresh"]
    # then
    assert entry == {"task": "marketplace.tasks.search_words_refresh", "schedule": 3600.0}
    assert entry["task"] == tasks.search_words_refresh.name


def test_the_task_adds_new_product_words():
    # given
    ProductFactory(title="Quietscheentchen gelb", brand="")
    assert "quietscheentchen" not in words()
    # when
    count = tasks.search_words_refresh.delay().get()
    # then
    assert "quietscheentchen" in words()
    assert count == len(words())


def test_a_csv_import_creating_products_refreshes_the_word_list_after_commit(
    django_capture_on_commit_callbacks,
):
    # given
    shop = ShopFactory()
    data = "sku;title;quantity;price\nK-1;Kuschelkrokodil grün;3;12,50\n".encode()
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = csv_import(shop=shop, data=data, actor=CSV)
    # then
    assert report["created"] == 1
    assert len(callbacks) >= 1
    assert "kuschelkrokodil" in words()
    assert OutboxMessage.objects.get(kind="search.words_refresh").state == "delivered"


def test_a_burst_of_catalogue_changes_queues_one_refresh_and_a_running_one_does_not_swallow_the_next(
    django_capture_on_commit_callbacks,
):
    # given: three changes commit while no refresh runs (no delivery on commit)
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(3):
            with transaction.atomic():
                search_words_refresh_schedule()
    waiting = OutboxMessage.objects.filter(kind="search.words_refresh")
    assert waiting.count() == 1
    # when: the refresh is claimed (running) and another change commits meanwhile
    OutboxMessage.objects.filter(pk=waiting.get().pk).update(claim=uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        search_words_refresh_schedule()
    # then: the new change waits for its own rebuild
    assert waiting.count() == 2


def test_a_stock_only_sync_does_not_rebuild_the_word_list(django_capture_on_commit_callbacks):
    # given
    product = ProductFactory(sku="A", title="Wollmütze", quantity_on_hand=1)
    row = row_from_item({"sku": "A", "quantity": 4}, index=0, mode=MODE_SET)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        inventory_sync(shop=product.shop, rows=[row], actor=CSV)
    # then: the stock changed, the word list was not rebuilt (its new word is still missing)
    product.refresh_from_db()
    assert product.quantity_on_hand == 4
    assert "wollmutze" not in words()
