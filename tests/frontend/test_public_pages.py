"""The resident pages through Django's test client: the no-JavaScript path, German and English, SEO, 404s."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from marketplace.models import Collection, CollectionItem, FeaturedShop, Shop, SpecialDay
from tests.factories import CategoryFactory, ProductFactory, ReservationFactory, ShopFactory

pytestmark = pytest.mark.django_db

NEAR = Point(10.4090, 53.2495, srid=4326)  # about 100 m from the town centre


def ld_json(html: str) -> list[dict[str, Any]]:
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def test_home_shows_search_box_featured_collections_and_only_active_shops_on_the_map(client: Client) -> None:
    # given
    shop = ShopFactory(name="Fahrradhaus Brockmann", location=NEAR)
    ShopFactory(name="Noch Nicht Freigegeben", status=Shop.Status.PENDING)
    FeaturedShop.objects.create(shop=shop, title="Heute kaputt, heute repariert", position=1)
    Collection.objects.create(title="Weihnachten in der Stadt", slug="weihnachten", text="Geschenkideen")
    Collection.objects.create(
        title="Noch geheim", slug="geheim", publish_from=timezone.now() + timedelta(days=3)
    )

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="de"' in html
    assert "Was suchst du?" in html
    assert "Heute kaputt, heute repariert" in html
    assert "Weihnachten in der Stadt" in html
    assert "Noch geheim" not in html
    markers = json.loads(
        re.search(r'<script id="shop-markers" type="application/json">(.*?)</script>', html).group(1)
    )
    assert [m["title"] for m in markers] == ["Fahrradhaus Brockmann"]
    assert markers[0]["url"] == "/laden/" + shop.slug + "/"
    assert "Noch Nicht Freigegeben" not in html  # not in the list alternative to the map either


def test_pages_send_a_csp_without_inline_script_and_the_tile_host_for_images(client: Client) -> None:
    # when
    response = client.get("/")

    # then
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    html = response.content.decode()
    # every script element is either a file of ours or a data block
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag or "ld+json" in tag, tag
    # and every stylesheet is ours (a plain "cdn" substring check was flaky: CSRF tokens are random text)
    stylesheets = re.findall(r"<link[^>]*rel=\"stylesheet\"[^>]*>", html)
    assert stylesheets
    for tag in stylesheets:
        assert 'href="/static/' in tag, tag


def test_search_results_render_server_side_with_words_for_stock_freshness_and_pickup(client: Client) -> None:
    # given
    shop = ShopFactory(name="Fahrradhaus Brockmann", location=NEAR)
    ProductFactory(
        shop=shop,
        title="Fahrradschlauch 28 Zoll",
        price=Decimal("12.90"),
        quantity_on_hand=3,
        stock_updated_at=timezone.now() - timedelta(minutes=12),
    )
    ProductFactory(shop=shop, title="Fahrradschlauch 26 Zoll", quantity_on_hand=1)

    # when
    response = client.get("/suche/", {"q": "Fahrradschlauch"})

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fahrradschlauch 28 Zoll" in html
    assert "12,90\u00a0€" in html
    assert "3 auf Lager" in html
    assert "nur noch 1" in html
    assert "Bestand vor 12 Min. aktualisiert" in html
    assert "heute abholbar bis 23:59" in html
    assert "Fahrradhaus Brockmann" in html
    assert re.search(r"\d+\u00a0m entfernt", html)
    assert "2 Treffer" in html
    markers = re.search(
        r'<div class="result-chunk"[^>]*>.*<script type="application/json">(.*?)</script>', html, re.S
    )
    assert json.loads(markers.group(1))[0]["title"] == "Fahrradhaus Brockmann"


def test_search_needs_a_fixed_number_of_queries(client: Client, django_assert_max_num_queries: Any) -> None:
    # given
    for n in range(6):
        shop = ShopFactory(location=NEAR)
        ProductFactory.create_batch(4, shop=shop, title=f"Kerze {n}")

    # when
    with django_assert_max_num_queries(12):
        response = client.get("/suche/", {"q": "Kerze"})

    # then
    assert response.status_code == 200
    assert response.content.decode().count('class="result"') == 20


def test_pick_up_today_is_on_by_default_and_can_be_switched_off(client: Client) -> None:
    # given: a shop that never opens today, but tomorrow
    tomorrow = (timezone.localdate() + timedelta(days=1)).weekday()
    later = ShopFactory(
        name="Morgen Laden",
        location=NEAR,
        hours=[(tomorrow, timezone.datetime.min.time(), timezone.datetime.max.time().replace(microsecond=0))],
    )
    ProductFactory(shop=later, title="Laterne")

    # when
    default = client.get("/suche/", {"q": "Laterne"})
    relaxed = client.get("/suche/", {"q": "Laterne", "f": "1"})

    # then
    assert "Laterne</a>" not in default.content.decode()
    assert "Zeigen, was an den nächsten Tagen abholbar ist" in default.content.decode()
    html = relaxed.content.decode()
    assert "Laterne</a>" in html
    assert "abholbar ab morgen 00:00" in html


def test_search_in_english_formats_price_and_words_for_english(client: Client) -> None:
    # given
    ProductFactory(
        shop=ShopFactory(location=NEAR),
        title="Brettspiel Carcassonne",
        price=Decimal("34.50"),
        quantity_on_hand=4,
    )

    # when
    response = client.get("/en/suche/", {"q": "Brettspiel"})

    # then
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "€34.50" in html
    assert "4 in stock" in html
    assert "pick up today until" in html


def test_typed_address_is_geocoded_server_side(client: Client, geocoder_settings: Any) -> None:
    # given: two shops, the typed address is next to the far one
    far = ShopFactory(name="Am Stadtrand", location=Point(10.4400, 53.2300, srid=4326))
    ProductFactory(shop=far, title="Honig vom Rand")
    ProductFactory(shop=ShopFactory(name="In der Mitte", location=NEAR), title="Honig aus der Mitte")
    geocoder_settings.add("Am Rand 3, Lüneburg", 53.2301, 10.4401)

    # when
    response = client.get("/suche/", {"q": "Honig", "wo": "Am Rand 3", "umkreis": "1"})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Honig vom Rand" in html
    assert "Honig aus der Mitte" not in html  # more than 1 km from the address
    assert "um Am Rand 3" in html


def test_unknown_address_says_so_and_searches_around_the_town_centre(
    client: Client, geocoder_settings: Any
) -> None:
    # given
    ProductFactory(shop=ShopFactory(location=NEAR), title="Honig aus der Mitte")

    # when
    response = client.get("/suche/", {"q": "Honig", "wo": "Nirgendwostraße 99"})

    # then
    html = response.content.decode()
    assert "„Nirgendwostraße 99“ haben wir nicht gefunden" in html
    assert "Honig aus der Mitte" in html


def test_geocoder_failure_falls_back_to_the_centre_with_a_notice(
    client: Client, geocoder_settings: Any
) -> None:
    # given
    geocoder_settings.mode = "error"
    ProductFactory(shop=ShopFactory(location=NEAR), title="Honig aus der Mitte")

    # when
    response = client.get("/suche/", {"q": "Honig", "wo": "Am Sande 1"})

    # then
    html = response.content.decode()
    assert "Die Adresssuche ist gerade nicht verfügbar" in html
    assert "Honig aus der Mitte" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_preis": "-3"}, "größer oder gleich 0"),
        ({"max_preis": "viel"}, "Zahl"),
        ({"lat": "53.2"}, "Breiten- und Längengrad"),
        ({"lat": "123", "lng": "10"}, "kleiner oder gleich 90"),
        ({"umkreis": "7"}, "Auswahl"),
        ({"kategorie": "gibt-es-nicht"}, "Auswahl"),
        ({"sortierung": "zufall"}, "Auswahl"),
        ({"q": "x" * 101}, "höchstens 100 Zeichen"),
    ],
)
def test_bad_search_input_gets_a_clear_message(client: Client, params: dict[str, str], message: str) -> None:
    # given
    ProductFactory(shop=ShopFactory(location=NEAR), title="Kerze")

    # when
    response = client.get("/suche/", params)

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bitte prüfe die Suche" in html
    assert message in html
    assert 'class="result"' not in html


def test_category_filter_includes_subcategories(client: Client) -> None:
    # given
    parent = CategoryFactory(name="Sport", slug="sport")
    child = CategoryFactory(name="Fahrrad", slug="fahrrad", parent=parent)
    shop = ShopFactory(location=NEAR)
    ProductFactory(shop=shop, title="Schlauch", category=child)
    ProductFactory(shop=shop, title="Tasse", category=CategoryFactory(slug="kueche"))

    # when
    response = client.get("/suche/", {"kategorie": "sport"})

    # then
    html = response.content.decode()
    assert "Schlauch</a>" in html
    assert "Tasse</a>" not in html


def test_product_page_has_offer_json_ld_and_canonical_url(client: Client) -> None:
    # given
    shop = ShopFactory(name="Teehaus Wulf", location=NEAR)
    product = ProductFactory(
        shop=shop,
        title="Kaffee Brasilien 1 kg",
        price=Decimal("26.90"),
        quantity_on_hand=2,
        gtin="4006381333931",
    )

    # when
    short = client.get(f"/produkt/{product.pk}/")
    response = client.get(short.headers["Location"])

    # then
    assert short.status_code == 301
    assert short.headers["Location"] == f"/produkt/{product.pk}-kaffee-brasilien-1-kg/"
    html = response.content.decode()
    assert "<title>Kaffee Brasilien 1 kg bei Teehaus Wulf" in html
    assert '<meta name="description" content="Kaffee Brasilien 1 kg für 26,90' in html
    data = ld_json(html)[0]
    assert data["@type"] == "Product"
    assert data["offers"]["availability"] == "https://schema.org/LimitedAvailability"
    assert data["offers"]["price"] == "26.90"
    assert data["gtin13"] == "4006381333931"
    assert 'rel="canonical"' in html
    assert "Jetzt reservieren" in html


@pytest.mark.parametrize(
    ("on_hand", "held", "availability"),
    [(5, 0, "InStock"), (2, 2, "OutOfStock"), (4, 2, "LimitedAvailability")],
)
def test_product_availability_counts_active_holds(
    client: Client, on_hand: int, held: int, availability: str
) -> None:
    # given
    product = ProductFactory(quantity_on_hand=on_hand, quantity_held=held + 1 if held else 0)
    if held:
        reservation = ReservationFactory(shop=product.shop)
        reservation.lines.create(product=product, quantity=held, unit_price=product.price)
        # and an expired hold that no longer counts
        old = ReservationFactory(
            shop=product.shop,
            created_at=timezone.now() - timedelta(hours=5),
            pickup_from=timezone.now() - timedelta(hours=4),
            expires_at=timezone.now() - timedelta(hours=1),
        )
        old.lines.create(product=product, quantity=1, unit_price=product.price)

    # when
    response = client.get(f"/produkt/{product.pk}/", follow=True)

    # then
    assert (
        ld_json(response.content.decode())[0]["offers"]["availability"]
        == f"https://schema.org/{availability}"
    )


def test_hidden_products_and_shops_answer_404(client: Client) -> None:
    # given
    pending = ShopFactory(status=Shop.Status.PENDING, slug="wartet")
    hidden_product = ProductFactory(shop=pending)
    delisted = ProductFactory(active=False)

    # when / then
    assert client.get(f"/produkt/{hidden_product.pk}/").status_code == 404
    assert client.get(f"/produkt/{delisted.pk}/").status_code == 404
    assert client.get("/produkt/999999-gibt-es-nicht/").status_code == 404
    assert client.get("/laden/wartet/").status_code == 404
    assert client.get("/laden/gibt-es-nicht/").status_code == 404
    assert client.get("/sammlungen/gibt-es-nicht/").status_code == 404
    assert client.get("/reservierung/ABC-DEF/").status_code == 404


def test_shop_page_shows_week_with_today_special_days_contact_and_local_business(client: Client) -> None:
    # given
    shop = ShopFactory(
        name="Buchhandlung am Sande",
        location=NEAR,
        phone="+49 4131 12345",
        website="https://buch.example.org",
        social_links={"instagram": "https://instagram.com/buch", "evil": "javascript:alert(1)"},
        step_free="yes",
    )
    SpecialDay.objects.create(
        shop=shop, date=timezone.localdate() + timedelta(days=3), closed=True, name="Inventur"
    )
    ProductFactory(shop=shop, title="Krimi Lüneburg")
    ProductFactory(shop=shop, title="Kochbuch Heide")

    # when
    response = client.get(f"/laden/{shop.slug}/")
    searched = client.get(f"/laden/{shop.slug}/", {"q": "Krimi"})

    # then
    html = response.content.decode()
    assert html.count('aria-current="date"') == 1
    assert "Inventur" in html
    assert 'href="tel:+49413112345"' in html
    assert "https://instagram.com/buch" in html
    assert "javascript:" not in html
    assert "Stufenloser Eingang" in html
    data = ld_json(html)[0]
    assert data["@type"] == "Store"
    assert data["address"]["postalCode"] == "21335"
    specs = data["openingHoursSpecification"]
    assert {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Monday",
        "opens": "00:00",
        "closes": "23:59",
    } in specs
    assert any(spec.get("validFrom") and spec["opens"] == spec["closes"] == "00:00" for spec in specs)
    assert "Kochbuch Heide" in html
    assert "Krimi Lüneburg" in searched.content.decode()
    assert "Kochbuch Heide" not in searched.content.decode()


def test_collection_page_shows_listed_items_only(client: Client) -> None:
    # given
    collection = Collection.objects.create(title="Weihnachten", title_en="Christmas", slug="weihnachten")
    shown = ProductFactory(title="Lebkuchen")
    hidden = ProductFactory(title="Ausgelistet", active=False)
    CollectionItem.objects.create(collection=collection, product=shown, position=1)
    CollectionItem.objects.create(collection=collection, product=hidden, position=2)
    CollectionItem.objects.create(
        collection=collection, shop=ShopFactory(name="Wartender Laden", status=Shop.Status.PENDING)
    )

    # when
    german = client.get("/sammlungen/weihnachten/")
    english = client.get("/en/sammlungen/weihnachten/")

    # then
    html = german.content.decode()
    assert "Lebkuchen" in html
    assert "Ausgelistet" not in html
    assert "Wartender Laden" not in html
    assert "<h1>Christmas</h1>" in english.content.decode()


def test_imprint_and_privacy_are_filled_from_settings(client: Client, settings: Any) -> None:
    # given
    settings.LADENKARTE_OPERATOR = {
        **settings.LADENKARTE_OPERATOR,
        "name": "Stadt Musterhausen",
        "email": "info@musterhausen.example",
    }

    # when
    imprint = client.get("/impressum/").content.decode()
    privacy = client.get("/datenschutz/").content.decode()

    # then
    assert "Stadt Musterhausen" in imprint
    assert "info@musterhausen.example" in imprint
    assert "Stadt Musterhausen" in privacy
    assert "tile.openstreetmap.org" in privacy


def test_sitemap_lists_active_shops_and_products_in_both_languages_and_robots_points_to_it(
    client: Client,
) -> None:
    # given
    shop = ShopFactory(slug="teehaus")
    product = ProductFactory(shop=shop, title="Tee")
    ShopFactory(slug="wartet", status=Shop.Status.PENDING)

    # when
    index = client.get("/sitemap.xml")
    shops = client.get("/sitemap-shops.xml")
    products = client.get("/sitemap-products.xml")
    robots = client.get("/robots.txt")

    # then
    assert index.status_code == 200
    assert "sitemap-shops.xml" in index.content.decode()
    body = shops.content.decode()
    assert "/laden/teehaus/" in body
    assert "/en/laden/teehaus/" in body
    assert "wartet" not in body
    assert f"/produkt/{product.pk}-tee/" in products.content.decode()
    text = robots.content.decode()
    assert "Disallow: /reservierung/" in text
    assert "Sitemap: " in text
    assert text.strip().endswith("/sitemap.xml")


def test_language_switch_from_english_back_to_german(client: Client) -> None:
    # given: an English page hands the German path to set_language
    shop = ShopFactory(slug="teehaus")
    page = client.get(f"/en/laden/{shop.slug}/", {"q": "tee"}).content.decode()
    next_url = re.search(r'name="next" value="([^"]+)"', page).group(1)

    # when
    response = client.post("/i18n/setlang/", {"language": "de", "next": next_url.replace("&amp;", "&")})

    # then
    assert next_url == f"/laden/{shop.slug}/?q=tee"
    assert response.headers["Location"] == f"/laden/{shop.slug}/?q=tee"


def test_language_switch_keeps_the_page(client: Client) -> None:
    # given
    shop = ShopFactory(slug="teehaus")

    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/laden/{shop.slug}/?q=tee"})

    # then
    assert response.status_code == 302
    assert response.headers["Location"] == f"/en/laden/{shop.slug}/?q=tee"
