"""The city section of the admin: what city editors can do, and that merchants and anonymous users cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketplace.models import CityDay, Collection, SearchEvent, Shop
from marketplace.services.roles import roles_setup
from tests.factories import MembershipFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

CITY_PAGES = [
    "/admin/marketplace/shopapplication/",
    "/admin/marketplace/collection/",
    "/admin/marketplace/collection/add/",
    "/admin/marketplace/featuredshop/",
    "/admin/marketplace/cityday/",
    "/admin/marketplace/category/",
    "/admin/marketplace/searchevent/",
    "/admin/marketplace/searchevent/insights/",
    "/admin/marketplace/searchevent/insights/?export=zero",
]
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


@pytest.mark.parametrize("url", CITY_PAGES)
def test_city_editor_reaches_city_pages(city_client: Client, url: str) -> None:
    # when
    response = city_client.get(url)

    # then
    assert response.status_code == 200


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
    # given
    ShopFactory(name="Schon aktiv")
    ShopFactory(name="Neuer Laden", status=Shop.Status.PENDING)

    # when
    response = city_client.get("/admin/marketplace/shopapplication/")

    # then
    content = response.content.decode()
    assert "Neuer Laden" in content
    assert "Schon aktiv" not in content


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
