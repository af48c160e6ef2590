"""Reserving on the website: the form, the confirmation, the status page, cancel, the calendar file.

Every rejected reservation asserts that nothing was reserved.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.test import Client

from marketplace.models import Product, Reservation, StockMovement
from marketplace.services.reservations import Contact, LineRequest, reservation_create
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "quantity": "1",
        "name": "Erika Muster",
        "email": "erika@example.org",
        "phone": "",
        "consent": "on",
        "form_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def reserve(client: Client, product: Product, **overrides: Any) -> Any:
    return client.post(f"/produkt/{product.pk}/reservieren/", form(**overrides))


def assert_nothing_reserved(product: Product) -> None:
    product.refresh_from_db()
    assert Reservation.objects.count() == 0
    assert product.quantity_held == 0
    assert not StockMovement.objects.filter(product=product).exists()


def test_reserving_holds_stock_and_shows_the_confirmation(client: Client) -> None:
    # given
    product = ProductFactory(title="Fahrradschlauch", quantity_on_hand=3, price=Decimal("12.90"))

    # when
    response = reserve(client, product, quantity="2", phone="+49 4131 123456")
    confirmation = client.get(response.headers["Location"])

    # then
    reservation = Reservation.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reservierung/{reservation.code}/bestaetigung/"
    product.refresh_from_db()
    assert product.quantity_held == 2
    assert reservation.customer_phone == "+49 4131 123456"
    assert reservation.language == "de"
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert f'data-testid="reservation-code">{reservation.code}<' in html
    assert '<svg role="img"' in html  # the QR code, inline
    assert "25,80\u00a0€" in html
    assert f"/reservierung/{reservation.code}/kalender.ics?token=" in html
    assert f"/reservierung/{reservation.code}/?token=" in html
    assert "no-store" in confirmation.headers["Cache-Control"]
    assert "noindex" in confirmation.headers["X-Robots-Tag"]


def test_reserving_in_english_keeps_the_language(client: Client) -> None:
    # given
    product = ProductFactory()

    # when
    response = client.post(f"/en/produkt/{product.pk}/reservieren/", form())

    # then
    reservation = Reservation.objects.get()
    assert response.headers["Location"] == f"/en/reservierung/{reservation.code}/bestaetigung/"
    assert reservation.language == "en"
    assert "Your pickup code" in client.get(response.headers["Location"]).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": ""}, "Bitte stimme zu"),
        ({"email": "erika-at-example"}, "gültige E-Mail Adresse"),
        ({"name": " "}, "Dieses Feld ist erforderlich"),
        ({"quantity": "0"}, "größer oder gleich 1"),
        ({"quantity": "11"}, "Höchstens 10 Stück pro Reservierung"),
        ({"quantity": "zwei"}, "ganze Zahl"),
        ({"phone": "ruf mich an"}, "Telefonnummer nur mit Ziffern"),
    ],
)
def test_bad_reserve_input_gets_a_clear_message_and_reserves_nothing(
    client: Client, overrides: dict[str, str], message: str
) -> None:
    # given
    product = ProductFactory(quantity_on_hand=20)

    # when
    response = reserve(client, product, **overrides)

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bitte prüfe die markierten Felder. Es wurde noch nichts reserviert." in html
    assert message in html
    assert_nothing_reserved(product)


def test_taken_meanwhile_says_so_and_offers_the_next_shop_that_has_it(client: Client) -> None:
    # given: the last unit goes to someone else after the page was loaded
    here = ShopFactory(name="Laden Eins", location=Point(10.4077, 53.2489, srid=4326))
    other = ShopFactory(name="Laden Zwei", location=Point(10.4150, 53.2500, srid=4326))
    product = ProductFactory(
        shop=here, title="Puzzle Lüneburg 1000 Teile", gtin="4006381333931", quantity_on_hand=1
    )
    ProductFactory(shop=other, title="Puzzle Lüneburg 1000 Teile", gtin="4006381333931", quantity_on_hand=2)
    page = client.get(f"/produkt/{product.pk}/", follow=True)
    key = re.search(r'name="form_key" value="([^"]+)"', page.content.decode()).group(1)
    reservation_create(
        items=[LineRequest(product_id=product.pk, quantity=1)],
        contact=Contact(name="Schneller", email="schnell@example.org"),
    )

    # when
    response = reserve(client, product, form_key=key)

    # then
    assert response.status_code == 409
    html = response.content.decode()
    assert "Schade, da war jemand schneller." in html
    assert "Diese Läden in der Nähe haben ihn heute:" in html
    assert "Laden Zwei" in html
    assert Reservation.objects.filter(customer_email="erika@example.org").count() == 0
    product.refresh_from_db()
    assert product.quantity_held == 1  # only the other resident's hold


def test_limit_of_open_reservations_per_email_is_explained(client: Client, settings: Any) -> None:
    # given
    settings.LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL = 1
    first, second = ProductFactory(), ProductFactory()
    reserve(client, first)

    # when
    response = reserve(client, second)

    # then
    assert response.status_code == 409
    html = response.content.decode()
    assert "bereits 1 offene Reservierungen" in html
    assert "Es wurde nichts reserviert." in html
    assert Reservation.objects.count() == 1
    second.refresh_from_db()
    assert second.quantity_held == 0


def test_rate_limit_per_connection(client: Client, settings: Any) -> None:
    # given
    settings.LADENKARTE_RESERVATION_RATE = "1/h"
    first, second = ProductFactory(), ProductFactory()
    reserve(client, first, email="a@example.org")

    # when
    response = reserve(client, second, email="b@example.org")

    # then
    assert response.status_code == 429
    assert "Zu viele Reservierungen von diesem Anschluss" in response.content.decode()
    second.refresh_from_db()
    assert second.quantity_held == 0
    assert Reservation.objects.count() == 1


def test_the_same_form_sent_twice_reserves_once(client: Client) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    data = form()

    # when
    first = client.post(f"/produkt/{product.pk}/reservieren/", data)
    second = client.post(f"/produkt/{product.pk}/reservieren/", data)

    # then
    assert first.headers["Location"] == second.headers["Location"]
    assert Reservation.objects.count() == 1
    product.refresh_from_db()
    assert product.quantity_held == 1


def test_a_hold_to_confirm_names_the_minutes_of_the_setting(client: Client, settings: Any) -> None:
    # given: the town gives unconfirmed holds 25 minutes; the last pieces of an item need confirming
    settings.LADENKARTE_HOLD_CONFIRM_MINUTES = 25
    product = ProductFactory(title="Fahrradschlauch", quantity_on_hand=3)

    # when
    response = reserve(client, product, quantity="3")
    confirmation = client.get(response.headers["Location"])

    # then: the notice says 25 minutes, as the service holds it (not a number written into the page)
    reservation = Reservation.objects.get()
    assert reservation.confirm_by is not None
    html = confirmation.content.decode()
    notice = html[html.index('data-testid="confirm-needed"') :].split("</div>", 1)[0]
    assert re.search(r"\b25 minut", notice, flags=re.IGNORECASE)  # "Minuten" (German), "minutes"
    assert not re.search(r"\b15 minut", notice, flags=re.IGNORECASE)


def status_link(client: Client, confirmation_url: str) -> str:
    html = client.get(confirmation_url).content.decode()
    return re.search(r'href="(/reservierung/[^"]+\?token=[^"]+)" data-testid="status-link"', html).group(1)


def test_status_page_needs_the_token_and_cancel_releases_the_stock(client: Client) -> None:
    # given
    product = ProductFactory(quantity_on_hand=2)
    confirmation_url = reserve(client, product).headers["Location"]
    link = status_link(client, confirmation_url)
    reservation = Reservation.objects.get()
    token = link.split("token=")[1]

    # when
    stranger = Client()
    page = stranger.get(link)
    wrong = stranger.get(f"/reservierung/{reservation.code}/?token=falsch")
    missing = stranger.get(f"/reservierung/{reservation.code}/")
    wrong_cancel = stranger.post(f"/reservierung/{reservation.code}/stornieren/", {"token": "falsch"})
    reservation.refresh_from_db()
    status_before = reservation.status
    cancelled = stranger.post(f"/reservierung/{reservation.code}/stornieren/", {"token": token}, follow=True)

    # then
    assert page.status_code == 200
    assert "Reservierung stornieren" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"  # the token in this address goes to no other site
    assert wrong.status_code == missing.status_code == wrong_cancel.status_code == 404
    assert status_before == Reservation.Status.HELD
    html = cancelled.content.decode()
    assert "ist storniert" in html
    assert "status-pill--cancelled" in html
    assert "Reservierung stornieren</button>" not in html
    reservation.refresh_from_db()
    product.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert product.quantity_held == 0


def test_cancelling_twice_explains_it_cannot_be_cancelled_again(client: Client) -> None:
    # given
    product = ProductFactory()
    link = status_link(client, reserve(client, product).headers["Location"])
    code = Reservation.objects.get().code
    token = link.split("token=")[1]
    client.post(f"/reservierung/{code}/stornieren/", {"token": token})

    # when
    response = client.post(f"/reservierung/{code}/stornieren/", {"token": token}, follow=True)

    # then
    assert "kann nicht mehr storniert werden" in response.content.decode()
    assert Reservation.objects.get().status == Reservation.Status.CANCELLED


def test_calendar_file_needs_the_token(client: Client) -> None:
    # given
    product = ProductFactory()
    link = status_link(client, reserve(client, product).headers["Location"])
    code = Reservation.objects.get().code
    token = link.split("token=")[1]

    # when
    ics = client.get(f"/reservierung/{code}/kalender.ics", {"token": token})
    wrong = client.get(f"/reservierung/{code}/kalender.ics", {"token": "falsch"})

    # then
    assert ics.status_code == 200
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content
    assert code.encode() in ics.content
    assert wrong.status_code == 404


def test_confirmation_is_only_for_the_browser_that_reserved(client: Client) -> None:
    # given
    product = ProductFactory()
    confirmation_url = reserve(client, product).headers["Location"]

    # when
    response = Client().get(confirmation_url)

    # then
    assert response.status_code == 404
