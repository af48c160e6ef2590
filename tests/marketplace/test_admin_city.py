"""The city section of the admin: what city editors can do, and that merchants and anonymous users cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketplace.models import CityDay, Collection, FeaturedShop, SearchEvent, Shop
from marketplace.services.roles import roles_setup
from tests.factories import CategoryFactory, MembershipFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

# Each city page and a text it shows about the rows of `city_rows` (the CSV export: the zero-result query).
CITY_PAGES = {
    "/admin/marketplace/shopapplication/": "Antragsladen Hinsch",
    "/admin/marketplace/collection/": "Sommer an der Ilmenau",
    "/admin/marketplace/collection/add/": 'name="title"',
    "/admin/marketplace/featuredshop/": "Lesen am Sande",
    "/admin/marketplace/cityday/": "Sülfmeistertage",
    "/admin/marketplace/category/": "Teewaren",
    "/admin/marketplace/searchevent/": "lastenrad",
    "/admin/marketplace/searchevent/insights/": "lastenrad",
    "/admin/marketplace/searchevent/insights/?export=zero": "lastenrad",
}
WRITES = ["/admin/marketplace/collection/add/", "/admin/marketplace/cityday/import-holidays/"]


@pytest.fixture
def city_client(client: Client) -> Client:
    roles_setup()
    editor = UserFactory(username="stadtmarketing", is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    client.force_login(editor)
    return client


@pytest.fixture
def merchant_client(client: Client) -> Client:
    roles_setup()
    merchant = UserFactory(username="haendlerin", is_staff=True)
    merchant.groups.add(Group.objects.get(name="Merchants"))
    MembershipFactory(user=merchant)
    client.force_login(merchant)
    return client


@pytest.fixture
def city_rows() -> None:
    """One row for each city page to show."""
    now = timezone.now()
    ShopFactory(name="Antragsladen Hinsch", status=Shop.Status.PENDING)
    Collection.objects.create(title="Sommer an der Ilmenau", slug="sommer-an-der-ilmenau")
    FeaturedShop.objects.create(shop=ShopFactory(), title="Lesen am Sande")
    CityDay.objects.create(
        date=timezone.localdate(now) + timedelta(days=30), kind=CityDay.Kind.EVENT, name="Sülfmeistertage"
    )
    CategoryFactory(name="Teewaren", slug="teewaren")
    SearchEvent.objects.create(query="lastenrad", result_count=0, created_at=now - timedelta(hours=1))


@pytest.mark.parametrize(("url", "shows"), CITY_PAGES.items())
def test_city_editor_reaches_city_pages(city_client: Client, city_rows: None, url: str, shows: str) -> None:
    # when
    response = city_client.get(url)

    # then: the page itself, not an empty shell or an error page answered with 200
    assert response.status_code == 200
    assert shows in response.content.decode()


@pytest.mark.parametrize("url", CITY_PAGES)
def test_merchant_gets_403_on_city_pages(merchant_client: Client, url: str) -> None:
    # when
    response = merchant_client.get(url)

    # then
    assert response.status_code == 403


@pytest.mark.parametrize("url", CITY_PAGES)
def test_anonymous_is_sent_to_login(client: Client, url: str) -> None:
    # when
    response = client.get(url)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_merchant_cannot_write_city_data(merchant_client: Client) -> None:
    # when
    created = merchant_client.post(WRITES[0], {"title": "Gekapert", "slug": "gekapert", "position": 0})
    imported = merchant_client.post(WRITES[1])

    # then
    assert created.status_code == 403
    assert imported.status_code == 403
    assert not Collection.objects.exists()
    assert not CityDay.objects.exists()


def test_merchant_cannot_approve_through_the_queue(merchant_client: Client) -> None:
    # given
    pending = ShopFactory(status=Shop.Status.PENDING)

    # when
    response = merchant_client.post(
        "/admin/marketplace/shopapplication/",
        {"action": "approve", ACTION_CHECKBOX_NAME: [pending.pk], "apply": "1", "message": ""},
    )

    # then
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Shop.Status.PENDING
    assert mail.outbox == []


def test_queue_lists_pending_shops_first(city_client: Client) -> None:
    # given: an active shop and three waiting for the city, registered on different days
    now = timezone.now()
    ShopFactory(name="Schon aktiv")
    waiting = {
        "Zweiter Antrag": (Shop.Status.PENDING, 2),
        "Erster Antrag": (Shop.Status.CHANGES_REQUESTED, 5),
        "Dritter Antrag": (Shop.Status.PENDING, 0),
    }
    for name, (status, days_ago) in waiting.items():
        shop = ShopFactory(name=name, status=status)
        Shop.objects.filter(pk=shop.pk).update(created_at=now - timedelta(days=days_ago))

    # when
    response = city_client.get("/admin/marketplace/shopapplication/")

    # then: only the queue, the longest waiting first
    content = response.content.decode()
    assert "Schon aktiv" not in content
    positions = [content.index(name) for name in ("Erster Antrag", "Zweiter Antrag", "Dritter Antrag")]
    assert positions == sorted(positions)


def test_city_editor_approves_with_the_action(
    city_client: Client, django_capture_on_commit_callbacks
) -> None:
    # given
    owner = UserFactory(username="owner@example.org", email="owner@example.org")
    pending = ShopFactory(status=Shop.Status.PENDING, name="Teeladen")
    MembershipFactory(user=owner, shop=pending)
    url = "/admin/marketplace/shopapplication/"

    # when: the action first shows the message form
    form_page = city_client.post(url, {"action": "approve", ACTION_CHECKBOX_NAME: [pending.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        done = city_client.post(
            url,
            {"action": "approve", ACTION_CHECKBOX_NAME: [pending.pk], "apply": "1", "message": "Willkommen!"},
        )

    # then
    assert form_page.status_code == 200
    assert b'name="message"' in form_page.content
    assert done.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Shop.Status.ACTIVE
    assert pending.status_message == "Willkommen!"
    assert [m.to for m in mail.outbox] == [["owner@example.org"]]


def test_reject_needs_a_message_and_changes_nothing_without(city_client: Client) -> None:
    # given
    pending = ShopFactory(status=Shop.Status.PENDING)

    # when
    response = city_client.post(
        "/admin/marketplace/shopapplication/",
        {"action": "reject", ACTION_CHECKBOX_NAME: [pending.pk], "apply": "1", "message": " "},
    )

    # then
    assert response.status_code == 200
    assert "Please write a message" in response.content.decode() or "Nachricht" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Shop.Status.PENDING


def test_city_day_form_saves_a_late_opening_sunday_as_manual(city_client: Client) -> None:
    # when
    response = city_client.post(
        "/admin/marketplace/cityday/add/",
        {
            "date": "2026-11-01",
            "kind": "late_opening",
            "name": "Verkaufsoffener Sonntag",
            "hours": "13:00-18:00",
        },
    )

    # then
    assert response.status_code == 302
    day = CityDay.objects.get()
    assert (day.closed, day.intervals, day.source) == (
        False,
        [{"opens": "13:00", "closes": "18:00"}],
        CityDay.Source.MANUAL,
    )


def test_city_day_form_rejects_bad_hours(city_client: Client) -> None:
    # when
    response = city_client.post(
        "/admin/marketplace/cityday/add/",
        {
            "date": "2026-11-01",
            "kind": "late_opening",
            "name": "Verkaufsoffener Sonntag",
            "hours": "13 bis 18",
        },
    )

    # then
    assert response.status_code == 200
    assert not CityDay.objects.exists()


def test_insights_page_shows_zero_result_searches_and_exports_csv(city_client: Client) -> None:
    # given
    now = timezone.now()
    SearchEvent.objects.create(query="Fahrradschlauch", result_count=0, created_at=now - timedelta(hours=1))
    SearchEvent.objects.create(query="Kaffee", result_count=4, created_at=now - timedelta(hours=1))

    # when
    page = city_client.get("/admin/marketplace/searchevent/insights/?days=7")
    export = city_client.get("/admin/marketplace/searchevent/insights/?days=7&export=zero")

    # then
    content = page.content.decode()
    assert "fahrradschlauch" in content
    assert "<svg" in content
    assert export["Content-Type"].startswith("text/csv")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "query;searches;zero_results;last_seen"
    assert lines[1].startswith("fahrradschlauch;1;1;")
    assert len(lines) == 2


def test_search_events_are_read_only(city_client: Client) -> None:
    # given
    event = SearchEvent.objects.create(query="Kaffee", result_count=4)

    # when
    response = city_client.post(f"/admin/marketplace/searchevent/{event.pk}/delete/", {"post": "yes"})

    # then
    assert response.status_code == 403
    assert SearchEvent.objects.filter(pk=event.pk).exists()
