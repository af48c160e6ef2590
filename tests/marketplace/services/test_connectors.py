"""Till connectors: every adapter against sample files or a fake till API on 127.0.0.1 (umlauts, decimal
commas, duplicate SKUs, missing GTINs, 10,000 rows); status, sealed credentials, signed pushes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from marketplace.exceptions import NotFound, ValidationFailed, WebhookUrlRefused
from marketplace.models import OutboxMessage, Product, StockMovement, TillConnector
from marketplace.services import connectors
from marketplace.services.connectors import (
    ConnectorError,
    connector_file_import,
    connector_pull_run,
    connector_push,
    connector_save,
    connectors_pull_due,
)
from marketplace.services.connectors.mapped_csv import mapping_preview
from marketplace.services.outbox import outbox_dispatch
from tests import till_samples as samples
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

TOKEN = "r2o-account-token-Öffnung"


def products(shop) -> dict[str, Product]:
    return {p.sku: p for p in Product.objects.filter(shop=shop)}


def connector(shop, kind, **kwargs):
    return connector_save(shop=shop, kind=kind, **kwargs)[0]


# --- Shopify ------------------------------------------------------------------------------------------------


def test_shopify_product_csv_builds_the_catalogue_and_reports_the_duplicate():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.SHOPIFY)
    # when
    report = connector_file_import(connector=till, data=samples.shopify_products(30, duplicate=True))
    # then: 30 products, image rows skipped, the duplicate SKU reported with its line
    found = products(shop)
    assert len(found) == 30
    assert report["created"] == 30
    assert [e["code"] for e in report["errors"]] == ["duplicate_sku"]
    assert "SKU-1" in report["errors"][0]["message"]
    assert found["SKU-2"].title == samples.name(2)  # umlauts kept
    assert found["SKU-2"].price == Decimal("3.02")
    assert found["SKU-7"].gtin == ""  # no GTIN in the file
    assert found["SKU-8"].gtin == samples.gtin(8)
    assert found["SKU-8"].quantity_on_hand == 8
    assert StockMovement.objects.filter(product__shop=shop, source="shopify").count() == sum(
        1 for p in found.values() if p.quantity_on_hand
    )
    till.refresh_from_db()
    assert till.state == TillConnector.State.OK
    assert till.last_success_at is not None
    assert "1" in till.last_error  # "1 rows skipped"


def test_shopify_inventory_csv_sums_locations_or_takes_the_chosen_one():
    # given: the catalogue is there; the inventory export has two locations
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.SHOPIFY)
    connector_file_import(connector=till, data=samples.shopify_products(5))
    inventory = samples.shopify_inventory(5, locations=("Laden", "Lager Süd"))
    # when
    connector_file_import(connector=till, data=inventory)
    # then
    assert products(shop)["SKU-3"].quantity_on_hand == 2 * 3
    # when: only the shop floor counts
    till = connector(shop, TillConnector.Kind.SHOPIFY, options={"location": "Laden"})
    connector_file_import(connector=till, data=inventory)
    # then
    assert products(shop)["SKU-3"].quantity_on_hand == 3


def test_shopify_inventory_for_unknown_skus_is_reported_not_invented():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.SHOPIFY)
    # when
    report = connector_file_import(connector=till, data=samples.shopify_inventory(3))
    # then: no price in an inventory export, so nothing is created
    assert products(shop) == {}
    assert {e["code"] for e in report["errors"]} == {"unknown_sku"}


def test_a_file_that_is_no_shopify_export_is_refused_and_recorded():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.SHOPIFY)
    # when
    with pytest.raises(ConnectorError):
        connector_file_import(connector=till, data=b"foo;bar\n1;2\n")
    # then
    till.refresh_from_db()
    assert till.state == TillConnector.State.ERROR
    assert "Shopify" in till.last_error
    assert products(shop) == {}


def test_shopify_10000_rows():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.SHOPIFY)
    # when
    report = connector_file_import(connector=till, data=samples.shopify_products(10_000))
    # then
    assert report["created"] == 10_000
    assert report["errors"] == []
    # when: the inventory export of the same 10,000
    report = connector_file_import(connector=till, data=samples.shopify_inventory(10_000))
    # then
    assert report["errors"] == []
    assert products(shop)["SKU-12"].quantity_on_hand == 12


# --- DSFinV-K -----------------------------------------------------------------------------------------------


def test_dsfinvk_builds_the_range_from_sales_with_the_newest_price_and_last_sale():
    # given: article 1 sold twice (the later one dearer), a deposit line, a cancelled line, an article with
    # only a GTIN and a line with neither
    shop = ShopFactory(time_zone="Europe/Berlin")
    counted = ProductFactory(shop=shop, sku="A3", quantity_on_hand=4, price=Decimal("1.00"))
    till = connector(shop, TillConnector.Kind.DSFINVK)
    data = (
        samples.DSFINVK_HEADER
        + samples.dsfinvk_line(1, article=1, day="2026-11-20", price_text="2,49")
        + samples.dsfinvk_line(2, article=1, day="2026-11-28", price_text="2,79")
        + samples.dsfinvk_line(3, article=2, day="2026-11-28", price_text="0,25", gv_typ="Pfand")
        + samples.dsfinvk_line(4, article=2, day="2026-11-28", price_text="9,99", storno="1")
        + samples.dsfinvk_line(5, article=3, day="2026-11-29", price_text="1,50")
        + samples.dsfinvk_line(6, article=8, day="2026-11-29", price_text="3,00", art_nr="")
        + samples.dsfinvk_line(7, article=14, day="2026-11-29", price_text="3,00", art_nr="", gtin_text="")
    ).encode()
    # when
    report = connector_file_import(connector=till, data=data)
    # then
    found = products(shop)
    assert set(found) == {"A1", "A3", samples.gtin(8)}
    assert found["A1"].price == Decimal("2.79")
    assert found["A1"].title == samples.name(1)
    assert found["A1"].quantity_on_hand == 0  # the export has no count
    assert found["A1"].last_sold_at == datetime(2026, 11, 28, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
    assert found["A3"].quantity_on_hand == 4  # a counted product keeps its count
    assert found["A3"].price == Decimal("1.50")
    assert found["A3"].last_sold_at is not None
    assert [e["code"] for e in report["errors"]] == ["invalid_sku"]
    assert report["sold_marked"] == 3
    assert counted.movements.count() == 0  # no stock change from a sales export


def test_dsfinvk_last_sale_only_moves_forward():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.DSFINVK)
    connector_file_import(connector=till, data=samples.dsfinvk_lines(4, day="2026-12-01"))
    # when: an older export comes later
    connector_file_import(connector=till, data=samples.dsfinvk_lines(4, day="2026-10-01"))
    # then
    assert products(shop)["A1"].last_sold_at.date().isoformat() == "2026-12-01"


def test_dsfinvk_10000_rows():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.DSFINVK)
    # when
    report = connector_file_import(connector=till, data=samples.dsfinvk_lines(10_000))
    # then: 10,000 sales lines of 5,000 articles
    assert report["lines"] == 10_000
    assert report["created"] == 5_000
    assert report["errors"] == []


# --- any CSV with a saved mapping ---------------------------------------------------------------------------


def test_mapping_preview_guesses_known_headers_and_shows_the_first_rows():
    # when
    preview = mapping_preview(samples.mapped_csv(20))
    # then
    assert preview["header"][0] == "Art.-Nr."
    assert preview["guess"] == {"sku": "Art.-Nr."}  # the others are not names we know
    assert len(preview["rows"]) == 5


def test_a_csv_without_a_saved_mapping_is_refused():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.MAPPED_CSV)
    # when
    with pytest.raises(ConnectorError):
        connector_file_import(connector=till, data=samples.mapped_csv(3))
    # then
    assert products(shop) == {}


def test_the_saved_mapping_is_reused_for_the_next_file():
    # given: the merchant saved the mapping once
    shop = ShopFactory()
    mapping = {
        "sku": "Art.-Nr.",
        "title": "Bezeichnung lang",
        "price": "VK brutto",
        "quantity": "Lager",
        "gtin": "EAN-Code",
    }
    connector(shop, TillConnector.Kind.MAPPED_CSV, column_mapping=mapping)
    till = TillConnector.objects.get(shop=shop, kind=TillConnector.Kind.MAPPED_CSV)
    # when: a later file
    data = samples.mapped_csv(10) + b"M3;Doppelt;1,00;1;;rot\nM99;Ohne Preis;abc;1;;rot\n"
    report = connector_file_import(connector=till, data=data)
    # then
    found = products(shop)
    assert len(found) == 10
    assert found["M4"].price == Decimal("5.04")
    assert found["M4"].quantity_on_hand == 4
    assert found["M7"].gtin == ""
    assert sorted(e["code"] for e in report["errors"]) == ["duplicate_sku", "invalid_price"]
    assert StockMovement.objects.filter(product__shop=shop, source="mapped_csv").exists()


def test_a_mapping_naming_a_column_the_file_lacks_is_refused():
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.MAPPED_CSV, column_mapping={"sku": "Nummer"})
    # when / then
    with pytest.raises(ConnectorError):
        connector_file_import(connector=till, data=samples.mapped_csv(3))
    assert products(shop) == {}


def test_mapped_csv_10000_rows():
    # given
    shop = ShopFactory()
    till = connector(
        shop,
        TillConnector.Kind.MAPPED_CSV,
        column_mapping={
            "sku": "Art.-Nr.",
            "title": "Bezeichnung lang",
            "price": "VK brutto",
            "quantity": "Lager",
        },
    )
    # when
    report = connector_file_import(connector=till, data=samples.mapped_csv(10_000))
    # then
    assert report["created"] == 10_000


# --- ready2order (pull and push) ----------------------------------------------------------------------------


@pytest.fixture
def allow(settings: Any) -> Any:
    settings.DEBUG = True  # plain http to the fake till

    def _allow(till: samples.FakeTill) -> None:
        settings.LADENKARTE_WEBHOOK_TEST_ALLOW = [f"127.0.0.1:{till.port}"]

    return _allow


@pytest.fixture
def r2o(allow: Any) -> Iterator[tuple[samples.FakeTill, list[dict[str, Any]]]]:
    items = [samples.r2o_product(n) for n in range(1, 601)]
    till = samples.FakeTill(samples.r2o_answer(items, TOKEN))
    allow(till)
    yield till, items
    till.close()


def test_ready2order_token_is_stored_sealed():
    # given / when
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.READY2ORDER, credentials=TOKEN)
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials_sealed FROM marketplace_tillconnector WHERE id = %s", [till.pk])
        stored = cursor.fetchone()[0]
    assert TOKEN not in stored
    assert connectors.credentials_unseal(till) == TOKEN


def test_ready2order_pull_pages_and_asks_only_for_changes_next_time(r2o):
    # given
    fake, items = r2o
    items[4]["product_soldOut"] = True
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.READY2ORDER, credentials=TOKEN, base_url=f"{fake.url}/v1")
    # when
    connector_pull_run(connector_id=till.pk, now=datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    # then: three pages of 250, every product, sold out as 0
    found = products(shop)
    assert len(found) == 600
    assert found["R5"].quantity_on_hand == 0
    assert found["R6"].quantity_on_hand == 6
    assert found["R6"].price == Decimal("7.06")
    assert [q["page"] for _, q, _ in fake.requests] == [["1"], ["2"], ["3"]]
    assert all("updatedAfter" not in q for _, q, _ in fake.requests)
    till.refresh_from_db()
    assert till.state == TillConnector.State.OK
    assert till.cursor == "2026-12-07T09:00:00+00:00"
    # when: the next pull
    fake.requests.clear()
    connector_pull_run(connector_id=till.pk, now=datetime(2026, 12, 7, 9, 15, tzinfo=UTC))
    # then
    assert fake.requests[0][1]["updatedAfter"] == ["2026-12-07T09:00:00+00:00"]
    assert StockMovement.objects.filter(product__shop=shop, source="ready2order").exists()


def test_ready2order_refusing_the_token_is_an_error_and_changes_nothing(r2o):
    # given
    fake, _ = r2o
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.READY2ORDER, credentials="wrong", base_url=f"{fake.url}/v1")
    # when
    connector_pull_run(connector_id=till.pk)
    # then
    till.refresh_from_db()
    assert till.state == TillConnector.State.ERROR
    assert "401" in till.last_error
    assert till.last_success_at is None
    assert till.cursor == ""
    assert products(shop) == {}


def test_a_till_address_inside_our_network_is_refused(settings):
    # given: no test seam for this port
    settings.DEBUG = True
    settings.LADENKARTE_WEBHOOK_TEST_ALLOW = []
    shop = ShopFactory()
    # when / then: refused when saved
    with pytest.raises(WebhookUrlRefused):
        connector_save(
            shop=shop,
            kind=TillConnector.Kind.READY2ORDER,
            credentials=TOKEN,
            base_url="http://127.0.0.1:9/v1",
        )
    assert not TillConnector.objects.filter(shop=shop).exists()


def test_pulls_run_in_the_background_through_the_outbox(r2o):
    # given: a connector that is due
    fake, _ = r2o
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.READY2ORDER, credentials=TOKEN, base_url=f"{fake.url}/v1")
    # when: the beat task queues it, the dispatcher runs it
    queued = connectors_pull_due()
    assert OutboxMessage.objects.filter(kind="connector.pull").count() == 1
    outbox_dispatch()
    # then
    assert queued == 1
    assert len(products(shop)) == 600
    till.refresh_from_db()
    assert till.next_pull_at > till.last_success_at
    # when: not due again yet
    assert connectors_pull_due() == 0


def test_ready2order_10000_products(allow):
    # given
    items = [samples.r2o_product(n) for n in range(1, 10_001)]
    fake = samples.FakeTill(samples.r2o_answer(items, TOKEN))
    allow(fake)
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.READY2ORDER, credentials=TOKEN, base_url=f"{fake.url}/v1")
    try:
        # when
        connector_pull_run(connector_id=till.pk)
    finally:
        fake.close()
    # then
    till.refresh_from_db()
    assert till.state == TillConnector.State.OK, till.last_error
    assert till.last_report["created"] == 10_000


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_ready2order_push_with_a_valid_signature_is_written():
    # given
    shop = ShopFactory()
    till, secret = connector_save(shop=shop, kind=TillConnector.Kind.READY2ORDER, credentials=TOKEN)
    body = json.dumps({"event": "product.updated", "data": samples.r2o_product(3)}).encode()
    # when
    report = connector_push(connector_id=till.pk, body=body, signature=sign(secret, body))
    # then
    assert report["created"] == 1
    assert products(shop)["R3"].quantity_on_hand == 3


@pytest.mark.parametrize("signature", ["", "sha256=00", "other"])
def test_ready2order_push_with_a_bad_signature_changes_nothing(signature):
    # given
    shop = ShopFactory()
    till, _secret = connector_save(shop=shop, kind=TillConnector.Kind.READY2ORDER, credentials=TOKEN)
    body = json.dumps(samples.r2o_product(3)).encode()
    # when
    with pytest.raises(NotFound):
        connector_push(connector_id=till.pk, body=body, signature=signature)
    # then
    assert products(shop) == {}
    till.refresh_from_db()
    assert till.state == TillConnector.State.NEW


def test_a_push_signed_for_another_shops_connector_is_refused():
    # given
    _mine, secret = connector_save(shop=ShopFactory(), kind=TillConnector.Kind.READY2ORDER, credentials=TOKEN)
    other, _ = connector_save(shop=ShopFactory(), kind=TillConnector.Kind.READY2ORDER, credentials=TOKEN)
    body = json.dumps(samples.r2o_product(3)).encode()
    # when / then
    with pytest.raises(NotFound):
        connector_push(connector_id=other.pk, body=body, signature=sign(secret, body))
    assert not Product.objects.filter(shop=other.shop).exists()


# --- Lightspeed ---------------------------------------------------------------------------------------------


def test_lightspeed_pull_reads_items_prices_and_qoh(allow):
    # given: 101 items (the last page holds one, sent as an object)
    items = [samples.lightspeed_item(n) for n in range(1, 102)]
    fake = samples.FakeTill(samples.lightspeed_answer(items, TOKEN, "4711"))
    allow(fake)
    shop = ShopFactory()
    till = connector(
        shop, TillConnector.Kind.LIGHTSPEED, credentials=TOKEN, account="4711", base_url=f"{fake.url}/API/V3"
    )
    try:
        # when
        connector_pull_run(connector_id=till.pk, now=datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
        fake.requests.clear()
        connector_pull_run(connector_id=till.pk, now=datetime(2026, 12, 7, 9, 15, tzinfo=UTC))
    finally:
        fake.close()
    # then
    found = products(shop)
    assert len(found) == 101
    assert found["L101"].title == samples.name(101)
    assert found["L5"].quantity_on_hand == 5
    assert found["L5"].price == Decimal("6.05")
    assert found["L14"].gtin == ""
    assert fake.requests[0][1]["modified_since"] == ["2026-12-07T09:00:00+00:00"]
    assert StockMovement.objects.filter(product__shop=shop, source="lightspeed").exists()


def test_lightspeed_without_account_is_an_error(allow):
    # given
    shop = ShopFactory()
    till = connector(shop, TillConnector.Kind.LIGHTSPEED, credentials=TOKEN)
    # when
    connector_pull_run(connector_id=till.pk)
    # then
    till.refresh_from_db()
    assert till.state == TillConnector.State.ERROR
    assert products(shop) == {}


def test_lightspeed_10000_items(allow):
    # given
    items = [samples.lightspeed_item(n) for n in range(1, 10_001)]
    fake = samples.FakeTill(samples.lightspeed_answer(items, TOKEN, "1"))
    allow(fake)
    shop = ShopFactory()
    till = connector(
        shop, TillConnector.Kind.LIGHTSPEED, credentials=TOKEN, account="1", base_url=f"{fake.url}/API/V3"
    )
    try:
        # when
        connector_pull_run(connector_id=till.pk)
    finally:
        fake.close()
    # then
    till.refresh_from_db()
    assert till.state == TillConnector.State.OK, till.last_error
    assert till.last_report["created"] == 10_000


def test_a_pull_connector_needs_a_token():
    # when / then
    shop = ShopFactory()
    with pytest.raises(ValidationFailed):
        connector_save(shop=shop, kind=TillConnector.Kind.READY2ORDER)
    assert not TillConnector.objects.filter(shop=shop).exists()


def test_next_pull_is_not_due_before_the_interval(settings):
    # given
    shop = ShopFactory()
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    connector_save(shop=shop, kind=TillConnector.Kind.READY2ORDER, credentials=TOKEN, now=now)
    assert connectors_pull_due(now=now) == 1
    # when / then
    assert (
        connectors_pull_due(now=now + timedelta(seconds=settings.LADENKARTE_CONNECTOR_PULL_SECONDS - 1)) == 0
    )
    assert connectors_pull_due(now=now + timedelta(seconds=settings.LADENKARTE_CONNECTOR_PULL_SECONDS)) == 1


def test_fetch_follows_no_redirect_and_caps_what_it_reads(allow):
    # given: a till answering with a redirect to an inside address, and one with a huge answer
    from marketplace.services import webhook_transport

    def answer(path, query, headers):
        if path == "/redirect":
            return 302, b""
        return 200, b"x" * 5000

    fake = samples.FakeTill(answer)
    allow(fake)
    try:
        # when
        redirected = webhook_transport.fetch(f"{fake.url}/redirect", {})
        capped = webhook_transport.fetch(f"{fake.url}/big", {}, max_bytes=1000)
        whole = webhook_transport.fetch(f"{fake.url}/big", {})
    finally:
        fake.close()
    # then
    assert (redirected.status_code, redirected.error) == (302, "HTTP 302")
    assert (capped.error, capped.body) == ("response too large", b"")
    assert (whole.error, len(whole.body)) == ("", 5000)
