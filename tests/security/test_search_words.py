"""Finding 7: the search's "did you mean" words come from listed products of active shops only; a pending
(or suspended, rejected) shop cannot put words into everyone's corrections."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import Shop
from marketplace.services.search_index import search_words_refresh
from tests.factories import TOWN_CENTER, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [Shop.Status.PENDING, Shop.Status.SUSPENDED, Shop.Status.REJECTED])
def test_did_you_mean_words_come_only_from_active_shops(status: str):
    # given: a shop that is not listed offers a word nobody else has; an active shop a word of its own
    ProductFactory(shop=ShopFactory(status=status), title="Zauberpillenversand")
    ProductFactory(shop=ShopFactory(), title="Fahrradschlauch")
    search_words_refresh(concurrently=False)
    # when: both words misspelt
    params = {"lat": TOWN_CENTER[0], "lng": TOWN_CENTER[1]}
    hidden = APIClient().get("/api/v1/search/", {**params, "q": "Zauberpilenversand"}, secure=True)
    listed = APIClient().get("/api/v1/search/", {**params, "q": "Fahradschlauch"}, secure=True)
    # then: only the active shop's word corrects a query
    assert hidden.status_code == 200
    assert hidden.json()["corrections"] == {}
    assert listed.json()["corrections"] == {"fahradschlauch": "fahrradschlauch"}
