"""Open product data: streamed import of JSONL/CSV dumps (gzip), GTIN lookup, and scan to list."""

from __future__ import annotations

import gzip
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from marketplace.exceptions import ValidationFailed
from marketplace.models import GtinProduct, Product, StockMovement
from marketplace.services.product_data import (
    gtin_lookup,
    gtin_normal,
    product_data_import,
    product_list_scanned,
    sample_gtin,
    sample_write,
)
from marketplace.services.products import Actor
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

SCAN = Actor(source=StockMovement.Source.SCAN)


def sample(rows: int, *, gz: bool = True) -> io.BytesIO:
    buffer = io.BytesIO()
    sample_write(buffer, rows=rows, gz=gz)
    buffer.seek(0)
    return buffer


def test_gtin_check_digits_and_upc():
    assert gtin_normal(sample_gtin(1)) == sample_gtin(1)
    assert gtin_normal("4006381333932") is None  # wrong check digit
    assert gtin_normal("036000291452") == "0036000291452"  # UPC-A as EAN-13
    assert gtin_normal("96385074") == "96385074"  # EAN-8
    assert gtin_normal("12ab") is None


@pytest.mark.parametrize("gz", [True, False], ids=["jsonl-gz", "jsonl"])
def test_a_jsonl_dump_is_imported_and_bad_records_skipped(gz):
    # when
    count = product_data_import(handle=sample(25, gz=gz), source="off", batch=10)
    # then
    assert (count.read, count.stored, count.skipped) == (27, 25, 2)
    record = GtinProduct.objects.get(pk=sample_gtin(2))
    assert record.name == "Dinkel-Vollkornbrötchen"
    assert record.brand == "Bäckerei Müller"
    assert record.source == "off"


def test_a_tsv_dump_like_open_food_facts_csv_is_imported_and_reimport_updates():
    # given: OFF's "CSV" export is tab-separated
    rows = [
        "code\tproduct_name\tbrands\tquantity\timage_url",
        f"{sample_gtin(1)}\tHafermilch\tOatly,Foo\t1 l\thttps://images.example/1.jpg",
        f"{sample_gtin(2)}\tSpätzle\t\t500 g\t",
    ]
    data = gzip.compress(("\n".join(rows) + "\n").encode())
    product_data_import(handle=io.BytesIO(data), source="opf")
    # when: a newer dump renames one
    data = gzip.compress(f"code\tproduct_name\n{sample_gtin(1)}\tHafer-Drink\n".encode())
    product_data_import(handle=io.BytesIO(data), source="opf")
    # then
    assert GtinProduct.objects.get(pk=sample_gtin(1)).name == "Hafer-Drink"
    assert GtinProduct.objects.get(pk=sample_gtin(2)).quantity == "500 g"
    assert GtinProduct.objects.count() == 2


def test_an_unknown_source_is_refused():
    with pytest.raises(ValidationFailed):
        product_data_import(handle=sample(2), source="xyz")
    assert GtinProduct.objects.count() == 0


def test_the_command_imports_the_generated_sample(tmp_path):
    # given
    path = tmp_path / "openfoodfacts-sample.jsonl.gz"
    call_command("make_product_sample", str(path), rows=40)
    out = io.StringIO()
    # when
    call_command("import_product_data", str(path), stdout=out)
    # then
    assert "40 stored" in out.getvalue()
    assert GtinProduct.objects.count() == 40


def test_import_10000_rows():
    count = product_data_import(handle=sample(10_000), source="off")
    assert count.stored == 10_000
    assert GtinProduct.objects.count() == 10_000


def test_lookup_finds_a_upc_stored_as_ean13():
    GtinProduct.objects.create(gtin="0036000291452", name="Tissues")
    assert gtin_lookup("036000291452").name == "Tissues"
    assert gtin_lookup("123") is None


def test_scanning_lists_a_new_product_through_the_product_service():
    # given
    shop = ShopFactory()
    # when
    product = product_list_scanned(
        shop=shop,
        gtin=sample_gtin(5),
        title="Haselnuss-Nougat-Creme 400 g",
        brand="Nussknacker",
        price=Decimal("3.49"),
        quantity=6,
        actor=SCAN,
    )
    # then
    assert (product.sku, product.gtin, product.quantity_on_hand) == (sample_gtin(5), sample_gtin(5), 6)
    assert product.movements.get().source == "scan"


def test_scanning_a_product_the_shop_has_updates_price_and_stock():
    # given
    shop = ShopFactory()
    existing = ProductFactory(shop=shop, sku="X1", gtin=sample_gtin(5), quantity_on_hand=1)
    # when
    product = product_list_scanned(
        shop=shop, gtin=sample_gtin(5), title="egal", brand="", price=Decimal("2.00"), quantity=9, actor=SCAN
    )
    # then
    assert product.pk == existing.pk
    assert (product.price, product.quantity_on_hand) == (Decimal("2.00"), 9)
    assert Product.objects.filter(shop=shop).count() == 1


@pytest.mark.parametrize(("gtin", "title"), [("4006381333932", "Stift"), (sample_gtin(1), "")])
def test_scanning_with_a_bad_code_or_no_name_lists_nothing(gtin, title):
    shop = ShopFactory()
    with pytest.raises(ValidationFailed):
        product_list_scanned(
            shop=shop, gtin=gtin, title=title, brand="", price=Decimal("1"), quantity=1, actor=SCAN
        )
    assert not Product.objects.filter(shop=shop).exists()
