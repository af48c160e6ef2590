"""The shops' own voice in a real browser: a merchant writes a post on a phone-sized my-shop page and a
resident finds it on the map and in the town feed; the share button; axe on the new pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from marketplace.models import JobPosting, Post
from marketplace.services import jobs
from marketplace.services.jobs import JobInput
from tests.factories import MembershipFactory, ProductFactory, ShopFactory
from tests.frontend.test_browser import Session, browser  # noqa: F401 - the module-scoped browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def bakery() -> dict[str, Any]:
    shop = ShopFactory(name="Bäckerei Harms", slug="baeckerei", location=Point(10.4090, 53.2495, srid=4326))
    ShopFactory(name="Sport Lange", slug="sport-lange", location=Point(10.4130, 53.2470, srid=4326))
    ProductFactory(shop=shop, title="Butterkuchen", quantity_on_hand=5)
    owner = MembershipFactory(shop=shop).user
    job = jobs.job_create(
        shop=shop,
        data=JobInput(
            title="Ausbildung Bäcker/in",
            kind=JobPosting.Kind.APPRENTICESHIP,
            description="Du backst gern?",
            valid_through=timezone.localdate() + timedelta(days=30),
            apply_email="jobs@baeckerei.example",
        ),
    )
    return {"shop": shop, "owner": owner, "job": job}


def _logged_in(s: Session, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    s.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": s.base}])


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Session]:  # noqa: F811
    s = Session(
        browser, live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    yield s
    s.context.close()


def test_merchant_posts_on_the_phone_and_residents_find_it_on_the_map_and_in_the_feed(
    phone: Session, bakery: dict[str, Any]
) -> None:
    # given: the owner on the my-shop page of a 360 px phone
    s = phone
    _logged_in(s, bakery["owner"])
    s.goto("/mein-laden/baeckerei/")
    s.page.wait_for_selector("#news-title")

    # when: writing a post
    s.page.select_option("#id_kind", "offer")
    s.page.fill("#id_title", "Butterkuchen frisch vom Blech")
    s.page.fill("#id_text", "Ab 14 Uhr warm aus dem Ofen.")
    s.page.fill("#id_ends_on", (timezone.localdate() + timedelta(days=2)).isoformat())
    s.page.click("text=Neuigkeit veröffentlichen")

    # then: confirmed, listed, and the page fits the phone
    s.page.wait_for_selector("text=Ihre Neuigkeit ist online.")
    s.page.wait_for_load_state("load")
    assert Post.objects.filter(shop=bakery["shop"], title="Butterkuchen frisch vom Blech").count() == 1
    assert s.page_width() <= 360

    # then: on the map of the home page the bakery's pin carries the news badge, its popup the title
    s.goto("/")
    s.page.wait_for_selector("#shops-map .map-pin--news")
    assert s.page.locator("#shops-map .map-pin--news").count() == 1
    s.page.locator("#shops-map .leaflet-marker-icon[title*='Butterkuchen']").click()
    popup = s.page.wait_for_selector(".leaflet-popup-content .map-popup__news")
    assert "Butterkuchen frisch vom Blech" in popup.inner_text()

    # then: in the town feed, newest first, and on its own page
    s.goto("/neu/")
    first = s.page.locator(".post-list .post").first
    assert "Butterkuchen frisch vom Blech" in first.inner_text()
    assert "Bäckerei Harms" in first.inner_text()
    first.locator(".post__title a").click()
    s.page.wait_for_selector("h1:has-text('Butterkuchen frisch vom Blech')")
    assert s.page_width() <= 360
    assert s.csp_errors == []


def test_a_cluster_with_a_shop_with_news_carries_the_badge(browser: Any, live_server: Any) -> None:  # noqa: F811
    # given: two neighbours (they cluster at the town zoom), one with a live post, and a shop without
    from marketplace.services.posts import PostInput, post_create

    harms = ShopFactory(name="Bäckerei Harms", slug="harms", location=Point(10.40900, 53.24950, srid=4326))
    ShopFactory(name="Blumen Kraft", slug="kraft", location=Point(10.40905, 53.24952, srid=4326))
    ShopFactory(name="Sport Lange", slug="lange", location=Point(10.4250, 53.2400, srid=4326))
    post_create(
        shop=harms,
        data=PostInput(title="Butterkuchen", kind="offer", ends_at=timezone.now() + timedelta(days=1)),
    )
    s = Session(browser, live_server.url, viewport={"width": 1280, "height": 800})
    try:
        # when
        s.goto("/")
        s.page.wait_for_selector("#shops-map .marker-cluster")
        # then: the cluster shows the badge, the lone shop without news does not
        assert s.page.locator("#shops-map .marker-cluster--news").count() == 1
        assert s.page.locator("#shops-map .map-pin--news").count() == 0
        assert s.csp_errors == []
    finally:
        s.context.close()


def test_share_button_copies_the_link_without_web_share(browser: Any, live_server: Any, bakery: Any) -> None:  # noqa: F811
    # given: a desktop browser without the Web Share API (removed before any page script runs, so the
    # fallback is tested whatever this Chromium build offers), clipboard allowed
    s = Session(browser, live_server.url, viewport={"width": 1280, "height": 800})
    try:
        s.context.add_init_script("delete Navigator.prototype.share; delete Navigator.prototype.canShare;")
        s.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        s.goto("/laden/baeckerei/")
        assert s.page.evaluate("() => typeof navigator.share") == "undefined"
        button = s.page.locator("[data-share]").first
        button.wait_for(state="visible")
        # when
        button.click()
        # then
        s.page.wait_for_selector("text=Link kopiert.")
        copied = s.page.evaluate("() => navigator.clipboard.readText()")
        assert copied.endswith("/laden/baeckerei/")
        assert s.csp_errors == []
    finally:
        s.context.close()


def test_without_web_share_or_clipboard_the_link_field_is_there_to_copy(
    browser: Any,  # noqa: F811
    live_server: Any,
    bakery: Any,
) -> None:
    # given: a browser with neither the Web Share API nor the asynchronous clipboard
    s = Session(browser, live_server.url, viewport={"width": 1280, "height": 800})
    try:
        s.context.add_init_script(
            "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"
            " Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"
        )
        # when
        s.goto("/laden/baeckerei/")
        s.page.wait_for_load_state("load")
        # then: no dead button, the read-only field carries the link
        assert s.page.locator("[data-share]").first.is_hidden()
        field = s.page.locator("input.share__url").first
        assert field.is_visible()
        assert field.get_attribute("readonly") is not None
        assert field.input_value().endswith("/laden/baeckerei/")
        assert s.csp_errors == []
    finally:
        s.context.close()


def test_axe_finds_no_serious_violations_on_the_new_pages(
    browser: Any,  # noqa: F811
    live_server: Any,
    bakery: dict[str, Any],
) -> None:
    # given: a live post; axe is injected as a script, so the audit bypasses our CSP
    from marketplace.services.posts import PostInput, post_create

    post = post_create(
        shop=bakery["shop"],
        data=PostInput(
            title="Lesung am Donnerstag", kind="event", ends_at=timezone.now() + timedelta(days=3)
        ),
    )
    found: dict[str, Any] = {}
    pages = {
        "news": "/neu/",
        "post": f"/neu/{post.pk}/",
        "jobs": "/jobs/",
        "jobs-en": "/en/jobs/",
        "job": f"/jobs/{bakery['job'].pk}/",
        "shop-with-post": "/laden/baeckerei/",
        "my-shop": "/mein-laden/baeckerei/",
    }
    for viewport in ({"width": 1280, "height": 800}, {"width": 360, "height": 740}):
        s = Session(browser, live_server.url, viewport=viewport, bypass_csp=True)
        try:
            _logged_in(s, bakery["owner"])
            # when
            for name, path in pages.items():
                s.goto(path)
                s.page.wait_for_load_state("networkidle")
                found[f"{name}@{viewport['width']}"] = s.axe_serious()
        finally:
            s.context.close()
    # then
    assert found == {name: [] for name in found}
