"""The stock-confidence figure of a shop (issue 17, decision 1700) where it is shown: the search (selector,
website results, API), the shop's reviews in the API, my-shop, and the city's data-health board (admin,
API, CSV). One rule (`selectors/feedback.stock_confidence`), no share below 5 signals."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Feedback, Reservation, Shop
from marketplace.selectors.data_health import data_health_shops
from marketplace.selectors.feedback import StockConfidence
from marketplace.selectors.pickup import pickup_board
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.services.roles import roles_setup
from marketplace.services.search_index import search_words_refresh
from tests.factories import (
    TOWN_CENTER,
    MembershipFactory,
    ProductFactory,
    ReservationFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LAT, LNG = TOWN_CENTER


def answers(shop: Shop, *readies: str) -> None:
    """Published "was it there?" answers (stars only, so at once) of collected reservations."""
    now = timezone.now() - timedelta(days=1)
    for ready in readies:
        reservation = ReservationFactory(shop=shop, status=Reservation.Status.COLLECTED, closed_at=now)
        Feedback.objects.create(
            reservation=reservation,
            shop=shop,
            ready=ready,
            first_name="Erika",
            created_at=now,
            publish_at=now,
        )


def no_shows(shop: Shop, n: int) -> None:
    for _ in range(n):
        ReservationFactory(shop=shop, status=Reservation.Status.NO_SHOW, closed_at=timezone.now())


@pytest.fixture
def shops() -> dict[str, Shop]:
    # a shop with 8 answers and 2 no-shows: (6 + 2/2) / 10; one with 4 answers only: too few for a share
    known = ShopFactory(slug="bekannt", name="Bekannter Laden")
    answers(known, *["yes"] * 6, "partly", "partly")
    no_shows(known, 2)
    new = ShopFactory(slug="neu", name="Neuer Laden")
    answers(new, "yes", "yes", "yes", "yes")
    ProductFactory(shop=known, title="Kerze Bienenwachs")
    ProductFactory(shop=new, title="Kerze Stumpen")
    search_words_refresh(concurrently=False)
    pickup_board(now=timezone.now())
    return {"known": known, "new": new}


def test_search_hits_carry_the_shops_stock_confidence(shops: dict[str, Shop]) -> None:
    # when
    hits = product_search_nearby(params=SearchParams(lat=LAT, lng=LNG, q="Kerze")).hits
    # then
    figures = {hit.shop_slug: hit.stock_confidence for hit in hits}
    assert figures == {
        "bekannt": StockConfidence(signals=10, share=0.7),
        "neu": StockConfidence(signals=4, share=None),
    }


def test_api_search_and_reviews_show_it_and_the_schema_documents_it(shops: dict[str, Shop]) -> None:
    api = APIClient()
    # when
    results = api.get("/api/v1/search/", {"lat": LAT, "lng": LNG, "q": "Kerze"}).json()["results"]
    reviews = api.get("/api/v1/shops/bekannt/reviews/").json()
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    # then
    by_shop = {hit["shop"]["slug"]: hit["shop"]["stock_confidence"] for hit in results}
    assert by_shop == {"bekannt": {"share": 0.7, "signals": 10}, "neu": {"share": None, "signals": 4}}
    assert reviews["stock_confidence"] == {"share": 0.7, "signals": 10}
    components = schema["components"]["schemas"]
    assert "stock_confidence" in components["SearchShop"]["properties"]
    assert set(components["StockConfidence"]["properties"]) == {"share", "signals"}
    assert components["StockConfidence"]["properties"]["share"].get("nullable") is True
    assert "stock_confidence" in components["ReviewSummaryOut"]["properties"]


def test_website_results_show_it_only_from_five_signals(shops: dict[str, Shop]) -> None:
    # when
    html = Client().get("/suche/", {"q": "Kerze", "lat": LAT, "lng": LNG}).content.decode()
    # then one figure: the known shop's, none for the new one
    assert html.count('data-testid="stock-confidence"') == 1
    assert "Bestand wie angezeigt: 70 % (aus 10 Reservierungen)" in html


def test_my_shop_shows_the_figure_or_how_many_signals_there_are(shops: dict[str, Shop]) -> None:
    # given the owners of both shops
    client = Client()
    known_owner, new_owner = UserFactory(), UserFactory()
    MembershipFactory(user=known_owner, shop=shops["known"])
    MembershipFactory(user=new_owner, shop=shops["new"])
    # when / then
    client.force_login(known_owner)
    assert (
        "Bestand wie angezeigt: 70 % (aus 10 Reservierungen)"
        in client.get("/mein-laden/bekannt/").content.decode()
    )
    client.force_login(new_owner)
    html = client.get("/mein-laden/neu/").content.decode()
    assert "4 Antworten und Nichtabholungen" in html
    assert "ab 5" in html


@pytest.fixture
def city_client() -> Client:
    roles_setup()
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    client = Client()
    client.force_login(editor)
    return client


def test_data_health_uses_it_in_the_score_board_api_and_csv(
    shops: dict[str, Shop], city_client: Client
) -> None:
    # given a third shop whose reservations were five no-shows: confidence 0
    missed = ShopFactory(slug="verpasst", name="Verpasster Laden")
    no_shows(missed, 5)
    # when
    rows = {row.slug: row for row in data_health_shops()}
    # then the figure and its points: full while unknown, none at 0, 5 x the share else
    assert (rows["bekannt"].stock_confidence, rows["bekannt"].stock_signals) == (0.7, 10)
    assert (rows["neu"].stock_confidence, rows["neu"].stock_signals) == (None, 4)
    assert (rows["verpasst"].stock_confidence, rows["verpasst"].stock_signals) == (0.0, 5)
    assert [rows[slug].parts["stock_confidence"] for slug in ("bekannt", "neu", "verpasst")] == [
        3.5,
        5.0,
        0.0,
    ]
    # the admin board, the API and both CSVs
    html = city_client.get("/admin/marketplace/healthsnapshot/").content.decode()
    assert "70 %" in html
    api = city_client.get("/api/v1/city/data-health/").json()
    by_slug = {row["slug"]: row for row in api["shops"]}
    assert (by_slug["bekannt"]["stock_confidence"], by_slug["bekannt"]["stock_signals"]) == (0.7, 10)
    assert by_slug["neu"]["stock_confidence"] is None
    assert by_slug["verpasst"]["parts"]["stock_confidence"] == 0.0
    for response, delimiter in (
        (city_client.get("/admin/marketplace/healthsnapshot/?export=csv"), ";"),
        (city_client.get("/api/v1/city/data-health/?format_type=csv"), ","),
    ):
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))
        header, body = table[0], {row[1]: row for row in table[1:]}
        column: dict[str, Any] = {name: header.index(name) for name in ("stock_confidence", "stock_signals")}
        assert body["bekannt"][column["stock_confidence"]] == "0.70"
        assert body["bekannt"][column["stock_signals"]] == "10"
        assert body["neu"][column["stock_confidence"]] == ""
