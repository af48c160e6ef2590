"""CSV stock import: delimiters, BOM, decimal comma, German headers, dry run, line-numbered errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.models import Product, StockMovement
from marketplace.services.csv_import import CsvInvalid, csv_import, parse_csv
from marketplace.services.inventory import SyncRejected
from marketplace.services.products import Actor
from tests.factories import CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

CSV = Actor(source=StockMovement.Source.CSV)


def stock(shop):
    return dict(Product.objects.filter(shop=shop).values_list("sku", "quantity_on_hand"))


@pytest.mark.parametrize(
    "data",
    [
        b"sku;title;quantity;price\nA;Tee;3;19,90\n",
        b"sku,title,quantity,price\nA,Tee,3,19.90\n",
        b'sku,title,quantity,price\nA,Tee,3,"19,90"\n',
        "\ufeffArtikelnummer;Bezeichnung;Bestand;Preis\nA;Tee;3;19,90\n".encode(),
        b"Artikelnummer;Bezeichnung;Menge;Preis\r\nA;Tee;3;19,90\r\n",
        b"SKU\tTitle\tQuantity\tPrice\nA\tTee\t3\t19.90\n",
    ],
    ids=["semicolon", "comma", "comma-quoted-decimal-comma", "bom-german", "crlf-menge", "tab"],
)
def test_formats_are_understood(data):
    # given
    shop = ShopFactory()
    # when
    report = csv_import(shop=shop, data=data, actor=CSV)
    # then
    assert (report["created"], report["errors"]) == (1, [])
    product = Product.objects.get(shop=shop, sku="A")
    assert (product.title, product.quantity_on_hand, product.price) == ("Tee", 3, Decimal("19.90"))


def test_thousands_separator_and_category_by_german_name():
    # given
    shop = ShopFactory()
    category = CategoryFactory(name="Bücher", slug="buecher")
    data = "sku;bezeichnung;bestand;preis;kategorie;ean\nA;Atlas;1;1.234,50;Bücher;4006381333931\n".encode()
    # when
    csv_import(shop=shop, data=data, actor=CSV)
    # then
    product = Product.objects.get(shop=shop, sku="A")
    assert (product.price, product.category, product.gtin) == (Decimal("1234.50"), category, "4006381333931")
    assert "Bücher" in product.category_names


def test_dry_run_reports_what_would_change_and_writes_nothing():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=1)
    data = b"sku;quantity;title;price\nA;5;;\nB;2;Neu;3,00\nC;x;Kaputt;1\n"
    # when
    report = csv_import(shop=shop, data=data, dry_run=True, actor=CSV)
    # then
    assert report["dry_run"] is True
    assert report["would_write"] is False
    assert [(c["line"], c["sku"], c["action"]) for c in report["changes"]] == [
        (2, "A", "update"),
        (3, "B", "create"),
    ]
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(4, "invalid_quantity")]
    assert stock(shop) == {"A": 1}
    assert StockMovement.objects.count() == 0


def test_every_bad_line_is_named_and_nothing_is_written():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=1)
    data = b"sku;quantity;price\nA;5;1,00\nB;-1;1\nA;4;1\n;3;1\nD;1;zehn\nE;1;2\n"
    # when
    with pytest.raises(SyncRejected) as rejected:
        csv_import(shop=shop, data=data, actor=CSV)
    # then
    errors = [(e["line"], e["code"]) for e in rejected.value.details["errors"]]
    assert errors == [
        (3, "invalid_quantity"),
        (4, "duplicate_sku"),
        (5, "invalid_sku"),
        (6, "invalid_price"),
        (7, "unknown_sku"),
    ]
    assert all(e["message"].startswith(f"Zeile {e['line']}:") for e in rejected.value.details["errors"])
    assert stock(shop) == {"A": 1}
    assert StockMovement.objects.count() == 0


def test_partial_writes_the_good_lines():
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=1)
    # when
    report = csv_import(shop=shop, data=b"sku;quantity\nA;5\nB;2\n", partial=True, actor=CSV)
    # then
    assert (report["updated"], [e["line"] for e in report["errors"]]) == (1, [3])
    assert stock(shop) == {"A": 5}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Die Datei ist leer."),
        (b"title;price\nA;1\n", "Zeile 1: Spalte(n) sku, quantity fehlen."),
        (b"sku;quantity\nA;1\n\xff\xfe;2\n", "Zeile 3 ist kein UTF-8-Text."),
        (b"sku;sku;quantity\nA;B;1\n", "Zeile 1: die Spalte „sku“ kommt zweimal vor."),
    ],
)
def test_unreadable_files_get_a_clear_error(data, message):
    # when / then
    with pytest.raises(CsvInvalid) as invalid:
        parse_csv(data)
    assert message in invalid.value.message


def test_unknown_columns_are_ignored_and_reported():
    # when
    parsed = parse_csv(b"sku;quantity;Lagerort\nA;1;Regal 3\n")
    # then
    assert parsed.ignored_columns == ["Lagerort"]
    assert [row.sku for row in parsed.rows] == ["A"]


def test_unknown_category_is_a_line_error():
    # given
    shop = ShopFactory()
    # when / then
    with pytest.raises(SyncRejected) as rejected:
        csv_import(shop=shop, data=b"sku;title;quantity;price;category\nA;T;1;1;Gibtsnicht\n", actor=CSV)
    assert rejected.value.details["errors"][0]["code"] == "unknown_category"
    assert not Product.objects.filter(shop=shop).exists()
