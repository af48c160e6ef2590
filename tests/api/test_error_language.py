"""Domain error messages answer in the request's language (Accept-Language, German by default); codes stay."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from marketplace.exceptions import InsufficientStock
from marketplace.models import Product, Reservation
from marketplace.services.csv_import import parse_csv
from tests.factories import ProductFactory

URL = "/api/v1/reservations/"


def short_body(product: Product) -> dict[str, object]:
    return {
        "items": [{"product_id": product.pk, "quantity": product.quantity_on_hand + 1}],
        "customer": {"name": "Erika Muster", "email": "erika@example.org", "phone": "+49 4131 000000"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        ("de", "Für mindestens einen Artikel ist nicht genug Bestand vorhanden."),
        ("en", "Not enough stock for at least one item."),
        (None, "Für mindestens einen Artikel ist nicht genug Bestand vorhanden."),
    ],
)
def test_insufficient_stock_message_follows_accept_language(
    api_client: APIClient, accept_language: str | None, message: str
) -> None:
    # given
    product = ProductFactory(quantity_on_hand=1)
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    # when
    response = api_client.post(URL, short_body(product), format="json", **headers)
    # then
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["message"] == message
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.quantity_held) == (1, 0)
    assert not Reservation.objects.exists()


@pytest.mark.django_db
def test_validation_error_message_follows_accept_language(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=1)
    bad = {**short_body(product), "items": []}
    # when
    german = api_client.post(URL, bad, format="json", HTTP_ACCEPT_LANGUAGE="de")
    english = api_client.post(URL, bad, format="json", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert german.status_code == english.status_code == 400
    assert german.json()["error"]["code"] == english.json()["error"]["code"] == "validation_error"
    assert german.json()["error"]["message"] == "Die Eingabe ist ungültig."
    assert english.json()["error"]["message"] == "The input is not valid."
    assert not Reservation.objects.exists()


def test_domain_error_message_is_resolved_when_read_not_when_raised() -> None:
    # given: raised while German is active
    with translation.override("de"):
        error = InsufficientStock()
    # when: read while English is active
    with translation.override("en"):
        message = error.message
    # then
    assert message == "Not enough stock for at least one item."
    assert error.code == "insufficient_stock"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("de", "Zeile 3: quantity muss eine ganze Zahl sein."),
        ("en", "Line 3: quantity must be a whole number."),
    ],
)
def test_csv_row_errors_are_translated(language: str, message: str) -> None:
    # when
    with translation.override(language):
        parsed = parse_csv(b"sku;quantity\nA;1\nB;viele\n")
    # then
    assert [(e.line, e.code, e.message) for e in parsed.errors] == [(3, "invalid_quantity", message)]
