"""The claim page /laden-anmelden/code/: code, confirm, owner lands on my-shop; bad codes change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from marketplace.models import ClaimCode, Shop, ShopMembership
from marketplace.services.claims import claim_code_create
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing() -> Shop:
    return ShopFactory(name="Teehaus", slug="teehaus", status=Shop.Status.LISTED)


def test_listing_page_says_not_on_ladenkarte_yet_and_links_the_claim_page(
    client: Client, listing: Shop
) -> None:
    html = client.get("/laden/teehaus/").content.decode()
    assert "Noch nicht auf Ladenkarte" in html
    assert "/laden-anmelden/code/" in html
    assert "Produkte" not in html.split("<aside")[0]  # no products section, nothing to reserve


def test_code_then_confirm_makes_the_owner_and_lands_on_my_shop(client: Client, listing: Shop) -> None:
    # given
    _claim, code = claim_code_create(shop=listing)
    # when: the code
    response = client.post("/laden-anmelden/code/", {"step": "code", "code": code})
    # then: the data to confirm
    assert response.status_code == 200
    assert 'value="Teehaus"' in response.content.decode()
    # when: confirm
    response = client.post(
        "/laden-anmelden/code/",
        {
            "step": "confirm",
            "code": code,
            "name": "Teehaus",
            "street": "Am Markt 1",
            "postcode": "21335",
            "city": "Lüneburg",
            "hours_confirmed": "on",
            "owner_name": "Imke Evers",
            "owner_email": "imke@teehaus.example",
            "owner_password": "lange-sichere-teekanne-42",
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/mein-laden/teehaus/"
    assert client.get("/mein-laden/teehaus/").status_code == 200
    listing.refresh_from_db()
    assert listing.status == Shop.Status.ACTIVE


def test_wrong_code_is_a_clear_error_and_changes_nothing(client: Client, listing: Shop) -> None:
    claim_code_create(shop=listing)
    response = client.post("/laden-anmelden/code/", {"step": "code", "code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 400
    assert "nicht (mehr) gültig" in response.content.decode()
    # and skipping the first step with a made-up code does not claim anything
    response = client.post(
        "/laden-anmelden/code/",
        {
            "step": "confirm",
            "code": "AAAA-BBBB-CCCC",
            "name": "X",
            "street": "Y",
            "postcode": "1",
            "city": "Z",
        },
    )
    assert response.status_code == 400
    assert not ShopMembership.objects.exists()
    assert ClaimCode.objects.get().used_at is None


def test_the_data_to_confirm_credits_openstreetmap(client: Client, listing: Shop) -> None:
    # given a listing imported from OSM, with hours the import could not take over exactly
    from marketplace.models import ShopOsmRecord

    ShopOsmRecord.objects.create(
        shop=listing, osm_type="n", osm_id=7, opening_hours='Mo-Fr 09:00-18:00 open "nach Absprache"'
    )
    ShopOsmRecord.objects.filter(shop=listing).update(hours_status=ShopOsmRecord.HoursStatus.CONFIRM)
    _claim, code = claim_code_create(shop=listing)
    # when
    html = client.post("/laden-anmelden/code/", {"step": "code", "code": code}).content.decode()
    # then: the ODbL credit, and the OSM text the merchant is asked to check
    assert 'data-testid="odbl"' in html
    assert "https://www.openstreetmap.org/copyright" in html
    assert 'data-testid="hours-to-confirm"' in html
