"""The city workspace in a real browser: a city editor signs in, approves a pending shop on the start page,
features it, writes to its category asking about a late-opening Sunday; the merchant sees the banner on
"my shop" and answers with one tap, which becomes the shop's special day."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from marketplace.models import FeaturedShop, MerchantMessage, Shop, SpecialDay
from marketplace.services.roles import roles_setup
from tests.factories import CategoryFactory, MembershipFactory, ProductFactory, ShopFactory, UserFactory

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "pw-for-tests-only"

if not Path(CHROMIUM).exists():  # pragma: no cover - the machine has no Chromium
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def _page(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page


@pytest.fixture
def town() -> dict[str, Any]:
    roles_setup()
    editor = UserFactory(username="stadtmarketing", is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    books = CategoryFactory(name="Bücher", slug="buecher")
    owner = UserFactory(username="inhaberin", is_staff=True)
    owner.groups.add(Group.objects.get(name="Merchants"))
    shop = ShopFactory(name="Buchladen Heide", slug="buchladen-heide", status=Shop.Status.PENDING)
    shop.categories.add(books)
    MembershipFactory(user=owner, shop=shop)
    ProductFactory(shop=shop, title="Heidekrimi")
    neighbour = ShopFactory(name="Bäckerei Harms", slug="baeckerei-harms")  # another category: no message
    return {"shop": shop, "books": books, "neighbour": neighbour}


def test_city_editor_approves_features_and_asks_merchant_answers(
    browser: Any, live_server: Any, town
) -> None:
    sunday = timezone.localdate() + timedelta(days=14)
    sunday += timedelta(days=(6 - sunday.weekday()))
    shop = town["shop"]

    # given: the city editor lands on the workspace, the application is in "To do"
    city = _page(browser, live_server.url, "stadtmarketing")
    assert city.url.endswith("/admin/stadt/")
    assert city.locator('[data-todo="applications"] .count').inner_text() == "1"

    # when: approve it from the start page
    city.locator(f'li[data-shop="{shop.slug}"] input[type=submit]').first.click()
    city.wait_for_url("**/admin/stadt/")
    # then
    assert "ist jetzt auf der Karte" in city.locator(".messagelist").inner_text()
    assert Shop.objects.get(pk=shop.pk).status == Shop.Status.ACTIVE
    assert city.locator('[data-todo="applications"]').count() == 0

    # when: feature it
    city.select_option("#id_shop", label="Buchladen Heide")
    city.locator('input[value="Hervorheben"]').click()
    city.wait_for_url("**/admin/stadt/")
    # then
    assert FeaturedShop.objects.filter(shop=shop).exists()

    # when: a message to its category, asking about the late-opening Sunday
    city.click("text=Nachricht an alle Händler")
    city.select_option("#id_audience", "category")
    city.select_option("#id_category", label="Bücher")
    city.fill("#id_subject", "Verkaufsoffener Sonntag")
    city.fill("#id_body", "Öffnen Sie am Adventssonntag?")
    city.check("#id_ask_open_day")
    city.fill("#id_question_date", sunday.isoformat())
    city.fill("#id_question_hours", "13:00-18:00")
    city.locator('input[value="Nachricht senden"]').click()
    city.wait_for_url("**/admin/stadt/nachrichten/*/")
    # then: only the bookshop receives it
    message = MerchantMessage.objects.get()
    assert [r.shop_id for r in message.recipients.all()] == [shop.pk]
    assert "noch keine Antwort" in city.content()

    # when: the merchant opens "my shop" and answers with one tap
    merchant = _page(browser, live_server.url, "inhaberin")
    merchant.goto(f"{live_server.url}/mein-laden/{shop.slug}/")
    banner = merchant.locator(".city-message")
    assert "Verkaufsoffener Sonntag" in banner.inner_text()
    banner.get_by_role("button", name="Wir öffnen").click()
    merchant.wait_for_url(f"**/mein-laden/{shop.slug}/")

    # then: saved as the shop's special day, the banner is gone, the city sees the answer
    assert "Gespeichert" in merchant.locator(".messages").inner_text()
    assert merchant.locator(".city-message").count() == 0
    special = SpecialDay.objects.get(shop=shop, date=sunday)
    assert (special.closed, special.intervals) == (False, [{"opens": "13:00", "closes": "18:00"}])
    city.reload()
    assert "wir öffnen" in city.content()
    merchant.context.close()
    city.context.close()
