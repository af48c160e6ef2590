"""A browser claims a listing with the code from the letter and lands on the merchant's my-shop page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from marketplace.models import Shop
from marketplace.services.claims import claim_code_create
from tests.factories import ShopFactory
from tests.frontend.test_browser import Session, browser  # noqa: F401 - the module-scoped browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session(browser: Any, live_server: Any) -> Iterator[Session]:  # noqa: F811
    s = Session(browser, live_server.url, viewport={"width": 1280, "height": 800})
    yield s
    s.context.close()


def test_claim_a_listing_with_the_letter_code_and_land_on_my_shop(session: Session) -> None:
    # given: a listing from OSM and the code of its letter
    shop = ShopFactory(name="Teehaus Lüneburg", slug="teehaus-lueneburg", status=Shop.Status.LISTED)
    _claim, code = claim_code_create(shop=shop)
    page = session.page
    # when: the owner follows the link on the shop page and types the code
    session.goto("/laden/teehaus-lueneburg/")
    assert page.get_by_test_id("listing-notice").is_visible()
    page.get_by_role("link", name="Ist das Ihr Laden?").click()
    page.get_by_label("Übernahme-Code").fill(code.lower())
    page.get_by_role("button", name="Weiter").click()
    # then: the shop's data to confirm; the owner corrects the phone and creates the login
    page.get_by_label("Telefon").fill("+49 4131 123456")
    page.get_by_label("Die Öffnungszeiten oben stimmen.").check()
    page.get_by_role("textbox", name="Name", exact=True).fill("Imke Evers")
    page.get_by_label("Ihre E-Mail-Adresse (Ihr Login)").fill("imke@teehaus.example")
    page.get_by_label("Passwort").fill("lange-sichere-teekanne-42")
    page.get_by_role("button", name="Bestätigen und Laden übernehmen").click()
    # then: on the merchant's my-shop page, signed in, the shop active
    page.wait_for_url("**/mein-laden/teehaus-lueneburg/")
    assert "Teehaus Lüneburg" in page.content()
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
    assert shop.phone == "+49 4131 123456"
    assert session.csp_errors == []
