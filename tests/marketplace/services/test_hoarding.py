"""Holds that cannot be hoarded (issue 11, decision 0201): one person is one person whatever the spelling
of the address; per-person caps per product and per shop; unconfirmed holds may take only a share."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.exceptions import (
    ConfirmationNotPossible,
    PersonProductLimit,
    PersonShopLimit,
    TooManyActiveReservations,
)
from marketplace.models import Product, Reservation, StockMovement
from marketplace.selectors.stock import availability_now
from marketplace.services import reservations as svc
from marketplace.services.hoarding import email_identity
from tests.factories import ProductFactory, ShopFactory


def reserve(product: Product, quantity: int = 1, *, email: str = "erika@example.org", now=None):
    return svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=quantity)],
        contact=svc.Contact(name="Erika", email=email),
        now=now,
    )


def state(*products: Product) -> tuple:
    rows = tuple(
        Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk").values_list("quantity_held")
    )
    return rows, Reservation.objects.count(), StockMovement.objects.count()


@pytest.mark.parametrize(
    ("raw", "person"),
    [
        ("Erika@Example.org", "erika@example.org"),
        (" erika+kerzen@example.org ", "erika@example.org"),
        ("e.r.i.k.a+1@googlemail.com", "erika@gmail.com"),
        ("E.Rika@GMAIL.COM", "erika@gmail.com"),
        ("e.rika@example.org", "e.rika@example.org"),  # dots matter outside Gmail
        ("+x@example.org", "+x@example.org"),  # nothing before the tag: keep it
        ("not-an-address", "not-an-address"),
    ],
)
def test_email_identity(raw: str, person: str) -> None:
    assert email_identity(raw) == person


@pytest.mark.django_db
def test_address_variants_count_as_one_person_for_the_active_limit(settings) -> None:
    # given: five open reservations with five spellings of one Gmail address
    settings.LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL = 5
    products = [ProductFactory(quantity_on_hand=50) for _ in range(6)]
    spellings = [
        "anna@gmail.com",
        "a.n.n.a@gmail.com",
        "anna+1@gmail.com",
        "Anna+2@googlemail.com",
        "an.na@GMAIL.com",
    ]
    for product, email in zip(products, spellings, strict=False):
        reserve(product, email=email)
    before = state(*products)
    # when / then
    with pytest.raises(TooManyActiveReservations):
        reserve(products[5], email="anna+3@gmail.com")
    assert state(*products) == before


@pytest.mark.django_db
def test_one_person_holds_at_most_the_per_product_cap(settings) -> None:
    # given: 10 of one item held by erika (across two reservations, tagged addresses)
    settings.LADENKARTE_MAX_UNITS_PER_PERSON_PRODUCT = 10
    product = ProductFactory(quantity_on_hand=100)
    reserve(product, 6, email="erika+a@example.org")
    reserve(product, 4, email="erika+b@example.org")
    before = state(product)
    # when / then
    with pytest.raises(PersonProductLimit) as refused:
        reserve(product, 1, email="ERIKA@example.org")
    assert refused.value.code == "person_product_limit"
    assert refused.value.details["already_held"] == {str(product.pk): 10}
    assert state(product) == before
    # and someone else still can
    reserve(product, 1, email="paul@example.org")


@pytest.mark.django_db
def test_one_person_holds_at_most_the_per_shop_cap(settings) -> None:
    # given: 20 units in one shop held by erika
    settings.LADENKARTE_MAX_UNITS_PER_PERSON_SHOP = 20
    shop = ShopFactory()
    a, b, c = (ProductFactory(shop=shop, quantity_on_hand=100) for _ in range(3))
    reserve(a, 10)
    reserve(b, 10, email="erika+2@example.org")
    before = state(a, b, c)
    # when / then
    with pytest.raises(PersonShopLimit) as refused:
        reserve(c, 1, email="erika+3@example.org")
    assert refused.value.code == "person_shop_limit"
    assert state(a, b, c) == before
    # another shop is fine
    reserve(ProductFactory(quantity_on_hand=5), 1)


@pytest.mark.django_db
def test_a_large_hold_lasts_15_minutes_unless_confirmed_from_the_email(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    # given
    product = ProductFactory(quantity_on_hand=20)
    now = timezone.now()
    # when: 3 units (above 2) -> must be confirmed
    with django_capture_on_commit_callbacks(execute=True):
        created = reserve(product, 3, now=now)
    # then
    reservation = Reservation.objects.get(pk=created.reservation.pk)
    assert created.confirm_token
    assert now + timedelta(minutes=15) <= reservation.confirm_by < now + timedelta(minutes=16)
    assert reservation.expires_at == reservation.confirm_by
    assert reservation.hold_until > reservation.confirm_by
    body = mailoutbox[0].body
    assert f"/reservierung/{reservation.code}/bestaetigen/?c={created.confirm_token}" in body
    # when the link is used in time
    confirmed = svc.reservation_confirm(
        code=reservation.code, confirm_token=created.confirm_token, now=now + timedelta(minutes=10)
    )
    # then the hold lasts its full time
    assert confirmed.expires_at == reservation.hold_until
    assert confirmed.confirmed_at is not None


@pytest.mark.django_db
def test_an_unconfirmed_large_hold_is_released_after_15_minutes() -> None:
    # given
    product = ProductFactory(quantity_on_hand=20)
    now = timezone.now()
    created = reserve(product, 3, now=now)
    later = now + timedelta(minutes=16)
    # then: it no longer holds stock (by timestamp), the sweeper tidies it, the link is too late
    assert availability_now([product.pk], now=now)[product.pk] == 17
    assert availability_now([product.pk], now=later)[product.pk] == 20
    assert svc.reservations_sweep(now=later) == 1
    with pytest.raises(ConfirmationNotPossible):
        svc.reservation_confirm(code=created.reservation.code, confirm_token=created.confirm_token, now=later)
    assert Product.objects.get(pk=product.pk).quantity_held == 0


@pytest.mark.django_db
def test_wrong_confirmation_secret_changes_nothing() -> None:
    product = ProductFactory(quantity_on_hand=20)
    created = reserve(product, 3)
    with pytest.raises(ConfirmationNotPossible):
        svc.reservation_confirm(code=created.reservation.code, confirm_token="guess")
    assert Reservation.objects.get(pk=created.reservation.pk).confirmed_at is None


@pytest.mark.django_db
def test_small_holds_need_no_confirmation_until_the_unconfirmed_share_is_used() -> None:
    # given: 10 on hand -> unconfirmed holds may take 3 (30 %)
    product = ProductFactory(quantity_on_hand=10)
    # when: single units by different people
    holds = [reserve(product, 1, email=f"p{i}@example.org") for i in range(5)]
    # then
    assert [bool(h.confirm_token) for h in holds] == [False, False, False, True, True]


@pytest.mark.django_db
def test_confirmed_holds_do_not_use_the_unconfirmed_share() -> None:
    # given: 10 on hand (3 may be held unconfirmed); 3 units held by a hold confirmed from its e-mail
    product = ProductFactory(quantity_on_hand=10)
    large = reserve(product, 3, email="big@example.org")
    svc.reservation_confirm(code=large.reservation.code, confirm_token=large.confirm_token)
    # when: the held counter (3) is already at the allowance, three single units follow
    holds = [reserve(product, 1, email=f"s{i}@example.org") for i in range(4)]
    # then: only unconfirmed units count against the share (the counter alone would ask at once)
    assert [bool(h.confirm_token) for h in holds] == [False, False, False, True]


@pytest.mark.django_db
def test_the_last_piece_needs_no_confirmation_but_the_second_unconfirmed_one_does() -> None:
    # given: 2 on hand -> the share is 0.6, at least one unit passes
    product = ProductFactory(quantity_on_hand=2)
    # when / then
    assert not reserve(product, 1, email="a@example.org").confirm_token
    assert reserve(product, 1, email="b@example.org").confirm_token


@pytest.mark.django_db(transaction=True)
def test_share_is_exact_when_many_people_reserve_at_once() -> None:
    # given: 10 on hand (3 units may be held unconfirmed), 10 people at once, one unit each
    product = ProductFactory(quantity_on_hand=10)
    results: list = [None] * 10
    barrier = threading.Barrier(10)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = reserve(product, 1, email=f"r{index}@example.org")
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: exactly 3 holds without confirmation, the other 7 must be confirmed
    created = [r for r in results if isinstance(r, svc.CreatedReservation)]
    assert len(created) == 10
    assert sorted(bool(r.confirm_token) for r in created) == [False] * 3 + [True] * 7


# --- through the API and the website ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("de", "höchstens 10 Stück"), ("en", "at most 10 units")])
def test_api_refusal_has_its_own_code_and_a_message_in_both_languages(
    settings, language: str, words: str
) -> None:
    # given
    settings.LADENKARTE_RESERVATION_RATE = "1000/h"
    product = ProductFactory(quantity_on_hand=100)
    reserve(product, 10, email="erika@example.org")
    client = APIClient()
    # when
    response = client.post(
        "/api/v1/reservations/",
        {
            "items": [{"product_id": product.pk, "quantity": 1}],
            "customer": {"name": "E", "email": "Erika+x@example.org"},
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    # then
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "person_product_limit"
    assert words in error["message"]


@pytest.mark.django_db
def test_api_says_when_a_hold_must_be_confirmed() -> None:
    product = ProductFactory(quantity_on_hand=20)
    response = APIClient().post(
        "/api/v1/reservations/",
        {
            "items": [{"product_id": product.pk, "quantity": 3}],
            "customer": {"name": "E", "email": "e@example.org"},
        },
        format="json",
    )
    assert response.status_code == 201
    confirmation = response.json()["confirmation"]
    assert confirmation["required"] is True
    assert confirmation["confirm_by"] == response.json()["expires_at"]


@pytest.mark.django_db
def test_website_explains_the_refusal_in_plain_words(settings) -> None:
    # given
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    product = ProductFactory(quantity_on_hand=100)
    reserve(product, 10, email="erika@example.org")
    # when
    response = Client().post(
        f"/produkt/{product.pk}/reservieren/",
        {
            "quantity": "1",
            "name": "Erika",
            "email": "erika+neu@example.org",
            "phone": "",
            "consent": "on",
            "form_key": str(uuid.uuid4()),
        },
    )
    # then
    html = response.content.decode()
    assert response.status_code == 409
    assert 'data-testid="limit-explanation"' in html
    assert "höchstens 10 Stück eines Artikels" in html


@pytest.mark.django_db
def test_website_confirmation_link_shows_a_button_and_confirms_on_post(settings) -> None:
    # given
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    product = ProductFactory(quantity_on_hand=20)
    created = reserve(product, 3)
    url = f"/reservierung/{created.reservation.code}/bestaetigen/"
    client = Client()
    # when: opening the link (an e-mail scanner might) changes nothing
    page = client.get(url, {"c": created.confirm_token})
    assert page.status_code == 200
    assert "Reservierung bestätigen" in page.content.decode()
    assert Reservation.objects.get(pk=created.reservation.pk).confirmed_at is None
    # when the button is pressed
    done = client.post(url, {"c": created.confirm_token})
    wrong = client.post(url, {"c": "guess"})
    # then
    assert done.status_code == 200
    assert 'data-testid="hold-confirmed"' in done.content.decode()
    assert Reservation.objects.get(pk=created.reservation.pk).confirmed_at is not None
    assert wrong.status_code == 409
