"""Feedback after pickup in a real browser (issue 17): reserve -> collected by the merchant -> the resident's
feedback from the e-mail link -> the merchant's public answer -> shown on the shop page (screenshot)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketplace.models import Feedback, Reservation
from marketplace.services import feedback as feedback_services
from tests.factories import MembershipFactory, ProductFactory, ReservationFactory, ShopFactory
from tests.frontend.test_browser import Session, browser, reserve_on_product_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# `LADENKARTE_SCREENSHOT_DIR=docs/screenshots` retakes docs/screenshots/desktop-shop-reviews.png and
# phone-shop-reviews.png
SCREENSHOTS = os.environ.get("LADENKARTE_SCREENSHOT_DIR", "")


def _logged_in(s: Session, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    s.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": s.base}])


def test_reserve_collect_feedback_answer_and_the_shop_page(browser: Any, live_server: Any) -> None:  # noqa: F811
    # given a tea shop with four earlier reviews, step-free, and a product in stock
    shop = ShopFactory(
        name="Teehaus am Sande", slug="teehaus", location=Point(10.4090, 53.2495, srid=4326), step_free="yes"
    )
    product = ProductFactory(shop=shop, title="Grüner Tee Sencha", quantity_on_hand=6)
    owner = MembershipFactory(shop=shop).user
    earlier = timezone.now() - timedelta(days=10)
    for name, stars, text in (
        ("Jonas Berg", 5, "Freundlich und alles lag bereit."),
        ("Mia Kurz", 4, ""),
        ("Paul Lehmann", 5, "Sehr gute Beratung."),
        ("Lena Voss", 4, ""),
    ):
        old = ReservationFactory(
            shop=shop, status=Reservation.Status.COLLECTED, closed_at=earlier, customer_name=name
        )
        feedback_services.feedback_give(
            token=feedback_services.feedback_token(reservation=old),
            data=feedback_services.FeedbackInput(ready="yes", rating=stars, text=text),
            now=earlier,
        )
    s = Session(browser, live_server.url, viewport={"width": 1280, "height": 900})
    try:
        # when the resident reserves on the product page
        s.goto(f"/produkt/{product.pk}/")
        s.page.wait_for_selector("#reserve-title")
        reserve_on_product_page(s)
        s.page.wait_for_selector("[data-testid=reservation-code]")
        code = s.page.inner_text("[data-testid=reservation-code]").strip()

        # and the merchant marks it collected on my-shop
        merchant = Session(browser, live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True)
        _logged_in(merchant, owner)
        merchant.goto("/mein-laden/teehaus/")
        merchant.page.click(f"#reservation-{code} form[action$='/collected/'] button")
        reservation = Reservation.objects.get(code=code)
        for _ in range(50):
            reservation.refresh_from_db()
            if reservation.status == Reservation.Status.COLLECTED:
                break
            merchant.page.wait_for_timeout(100)
        assert reservation.status == Reservation.Status.COLLECTED

        # then the resident has one e-mail asking for feedback; its link opens the form
        for _ in range(50):  # the e-mail leaves right after the commit, in the server's thread
            if any("/bewertung/" in m.body for m in mail.outbox):
                break
            merchant.page.wait_for_timeout(100)
        (ask,) = [m for m in mail.outbox if "/bewertung/" in m.body]
        path = re.search(r"https?://[^/\s]+(/bewertung/[^/\s]+/)", ask.body).group(1)  # type: ignore[union-attr]
        s.goto(path)
        s.page.check("input[name=ready][value=yes]")
        s.page.select_option("#id_rating", "5")
        s.page.fill("#id_text", "Der Tee lag schon bereit, sehr nett!")
        s.page.click("[data-testid=feedback-form] button[type=submit]")
        s.page.wait_for_selector("[data-testid=feedback-given]")
        feedback = Feedback.objects.get(reservation=reservation)

        # when the merchant answers publicly
        merchant.page.reload()  # the same address: a hash-only goto would not load it again
        merchant.page.fill(f"#answer-{feedback.pk}", "Danke, Erika - bis zum nächsten Mal!")
        merchant.page.click(f"#answer-{feedback.pk} ~ .myshop-buttons button[value='1']")
        merchant.page.wait_for_load_state()
        feedback.refresh_from_db()
        assert feedback.answer_public

        # then the text waits for the shop's 72 hours ...
        s.goto("/laden/teehaus/")
        assert "Der Tee lag schon bereit" not in s.page.inner_text("[data-testid=reviews]")
        # ... and after them it is on the shop page with the answer, the average and the share
        Feedback.objects.filter(pk=feedback.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
        s.page.reload()
        reviews = s.page.inner_text("[data-testid=reviews]")
        assert "Der Tee lag schon bereit, sehr nett!" in reviews
        assert "Danke, Erika - bis zum nächsten Mal!" in reviews
        assert s.page.locator("[data-testid=review-average]").count() == 1
        # in German (the site's language), with the stock confidence of the 5 "yes" answers
        assert "Alles bereit bei 5 von 5 Abholungen" in reviews
        assert "Antwort von Teehaus am Sande" in reviews
        assert "Bestand wie angezeigt: 100 % (aus 5 Reservierungen)" in reviews
        assert "Muster" not in reviews
        assert s.csp_errors == []
        s.page.locator("[data-testid=reviews]").scroll_into_view_if_needed()
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            s.page.screenshot(path=str(Path(SCREENSHOTS) / "desktop-shop-reviews.png"), full_page=True)
            phone = Session(browser, live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True)
            phone.goto("/laden/teehaus/#bewertungen")
            phone.page.wait_for_selector("[data-testid=review-average]")
            phone.page.locator("[data-testid=reviews]").scroll_into_view_if_needed()
            phone.page.screenshot(path=str(Path(SCREENSHOTS) / "phone-shop-reviews.png"))
            phone.context.close()
        merchant.context.close()
    finally:
        s.context.close()
