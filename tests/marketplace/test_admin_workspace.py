"""The city's workspace (/admin/stadt/) and the merchant side of messages: permissions for every role,
the quick actions, the technical models out of the city's sight, banners and one-tap answers on "my shop"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketplace.models import (
    CityDay,
    Collection,
    FeaturedShop,
    MerchantMessage,
    MerchantNewsOptOut,
    Shop,
    SpecialDay,
)
from marketplace.services import merchant_messages
from marketplace.services.roles import roles_setup
from tests.factories import CategoryFactory, MembershipFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/stadt/",
    "/admin/stadt/nachrichten/",
    "/admin/stadt/nachrichten/neu/",
    "/admin/stadt/bericht/",
    "/admin/stadt/bericht.csv",
]
TECHNICAL = ["idempotencyrecord", "stockmovement", "importjob", "webhook", "apikey", "reservation"]


@pytest.fixture
def editor():
    roles_setup()
    user = UserFactory(username="stadtmarketing", is_staff=True)
    user.groups.add(Group.objects.get(name="City editors"))
    return user


@pytest.fixture
def merchant():
    roles_setup()
    user = UserFactory(username="haendlerin", is_staff=True)
    user.groups.add(Group.objects.get(name="Merchants"))
    MembershipFactory(user=user)
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_city_editor_reaches_the_workspace(editor, url) -> None:
    assert _client(editor).get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_merchant_gets_403(merchant, url) -> None:
    assert _client(merchant).get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_city_editor_lands_on_the_workspace_superuser_on_the_model_index(editor) -> None:
    # given
    operator = UserFactory(username="root", is_staff=True, is_superuser=True)

    # when
    city = _client(editor).get("/admin/")
    technical = _client(operator).get("/admin/")

    # then
    assert city.status_code == 302
    assert city["Location"] == "/admin/stadt/"
    assert technical.status_code == 200
    assert "/admin/stadt/" in technical.content.decode()


def test_start_page_shows_the_to_do_counts_from_the_data(editor) -> None:
    # given
    ShopFactory(
        status=Shop.Status.PENDING, name="Radio Schröder", created_at=timezone.now() - timedelta(days=4)
    )
    ShopFactory(status=Shop.Status.PENDING, name="Elektro Lange")

    # when
    response = _client(editor).get("/admin/stadt/")

    # then
    todos = {item.key: item.count for item in response.context["todos"]}
    assert todos["applications"] == 2
    body = response.content.decode()
    assert 'data-todo="applications"' in body
    assert "Radio Schröder" in body
    assert "webhook_failures" not in todos


@pytest.mark.parametrize("model", TECHNICAL)
def test_technical_models_are_out_of_the_city_editors_sight(editor, model) -> None:
    # when
    client = _client(editor)
    changelist = client.get(f"/admin/marketplace/{model}/")
    app_index = client.get("/admin/marketplace/")

    # then
    assert changelist.status_code == 403
    assert f"/admin/marketplace/{model}/" not in app_index.content.decode()


def test_approve_then_feature_from_the_start_page(editor, django_capture_on_commit_callbacks) -> None:
    # given
    shop = ShopFactory(status=Shop.Status.PENDING, email="laden@example.org")
    client = _client(editor)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(f"/admin/stadt/laeden/{shop.pk}/freigeben/")
    until = timezone.localdate() + timedelta(days=7)
    featured = client.post("/admin/stadt/hervorheben/", {"shop": shop.pk, "until": until.isoformat()})

    # then
    assert approved.status_code == featured.status_code == 302
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
    feature = FeaturedShop.objects.get(shop=shop)
    assert timezone.localtime(feature.publish_until).date() == until + timedelta(days=1)
    assert len(mail.outbox) == 1  # the owner hears of the approval


def test_ask_for_changes_needs_a_message(editor) -> None:
    # given
    shop = ShopFactory(status=Shop.Status.PENDING)
    client = _client(editor)

    # when
    client.post(f"/admin/stadt/laeden/{shop.pk}/aenderungen/", {"message": ""})
    unchanged = Shop.objects.get(pk=shop.pk).status
    client.post(f"/admin/stadt/laeden/{shop.pk}/aenderungen/", {"message": "Bitte ein Foto."})

    # then
    assert unchanged == Shop.Status.PENDING
    shop.refresh_from_db()
    assert (shop.status, shop.status_message) == (Shop.Status.CHANGES_REQUESTED, "Bitte ein Foto.")


def test_quick_actions_are_403_for_merchants_and_change_nothing(merchant) -> None:
    # given
    shop = ShopFactory(status=Shop.Status.PENDING)
    client = _client(merchant)

    # when
    responses = [
        client.post(f"/admin/stadt/laeden/{shop.pk}/freigeben/"),
        client.post("/admin/stadt/hervorheben/", {"shop": shop.pk}),
        client.post("/admin/stadt/sammlung-aus-suche/", {"query": "kerzen"}),
        client.post(
            "/admin/stadt/kalender/",
            {"day": "2026-12-13", "kind": "late_opening", "name": "x", "hours": "13:00-18:00"},
        ),
        client.post("/admin/stadt/nachrichten/neu/", {"audience": "all", "subject": "x", "body": "x"}),
    ]

    # then
    assert [r.status_code for r in responses] == [403] * 5
    assert Shop.objects.get(pk=shop.pk).status == Shop.Status.PENDING
    assert not FeaturedShop.objects.exists()
    assert not Collection.objects.exists()
    assert not CityDay.objects.exists()
    assert not MerchantMessage.objects.exists()


def test_city_day_then_ask_the_shops(editor) -> None:
    # given
    day = timezone.localdate() + timedelta(days=14)

    # when
    response = _client(editor).post(
        "/admin/stadt/kalender/",
        {
            "day": day.isoformat(),
            "kind": "late_opening",
            "name": "Adventssonntag",
            "hours": "13:00-18:00",
            "ask_shops": "on",
        },
    )
    form = _client(editor).get(response["Location"])

    # then
    assert CityDay.objects.get(date=day).intervals == [{"opens": "13:00", "closes": "18:00"}]
    assert response["Location"].startswith("/admin/stadt/nachrichten/neu/?ask=")
    assert form.context["form"].initial["question_date"] == day
    assert form.context["form"].initial["ask_open_day"] is True


def test_collection_from_a_search(editor) -> None:
    # given
    ProductFactory(title="Adventskalender Schokolade")
    ProductFactory(title="Fahrradschlauch")

    # when
    response = _client(editor).post("/admin/stadt/sammlung-aus-suche/", {"query": "adventskalender"})

    # then
    collection = Collection.objects.get()
    assert response["Location"] == f"/admin/marketplace/collection/{collection.pk}/change/"
    assert collection.title == "Adventskalender"
    assert [item.product.title for item in collection.items.all()] == ["Adventskalender Schokolade"]
    assert collection.publish_from > timezone.now()  # reviewed before residents see it


def test_tell_the_shops_prefills_the_message(editor) -> None:
    # when
    response = _client(editor).get("/admin/stadt/nachrichten/neu/?query=lastenrad")

    # then
    assert "lastenrad" in response.context["form"].initial["body"]


def test_send_a_message_to_a_category_from_the_form(editor, django_capture_on_commit_callbacks) -> None:
    # given
    books = CategoryFactory()
    shop = ShopFactory(email="laden@example.org")
    shop.categories.add(books)
    ShopFactory(email="andere@example.org")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(editor).post(
            "/admin/stadt/nachrichten/neu/",
            {"audience": "category", "category": books.pk, "subject": "Lesesommer", "body": "Machen Sie mit"},
        )

    # then
    message = MerchantMessage.objects.get()
    assert response["Location"] == f"/admin/stadt/nachrichten/{message.pk}/"
    assert [r.shop for r in message.recipients.all()] == [shop]
    assert [m.to for m in mail.outbox] == [["laden@example.org"]]
    assert message.created_by == editor


def test_report_pdf_and_csv_downloads(editor) -> None:
    # when
    client = _client(editor)
    pdf = client.get("/admin/stadt/bericht.pdf?month=2026-10")
    csv = client.get("/admin/stadt/bericht.csv?month=2026-10")
    bad = client.get("/admin/stadt/bericht.csv?month=2026-13")

    # then
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="ladenkarte-bericht-2026-10.pdf"' in pdf["Content-Disposition"]
    assert csv.content.decode().lstrip("\ufeff").startswith("month;2026-10;")
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert bad.status_code == 200  # an invalid month falls back to last month
    assert f'filename="ladenkarte-bericht-{last_month}.csv"' in bad["Content-Disposition"]


# --- the merchant's side -------------------------------------------------------------------------------


@pytest.fixture
def asked():
    owner = UserFactory(username="inhaberin", is_staff=True)
    shop = ShopFactory()
    MembershipFactory(user=owner, shop=shop)
    other_owner = UserFactory(username="nachbar", is_staff=True)
    other = ShopFactory()
    MembershipFactory(user=other_owner, shop=other)
    day = timezone.localdate() + timedelta(days=10)
    message = merchant_messages.merchant_message_send(
        subject="Verkaufsoffener Sonntag",
        body="Öffnen Sie?",
        audience="all",
        question="open_day",
        question_date=day,
        question_intervals=["13:00-18:00"],
        sender=None,
    )
    return {
        "owner": owner,
        "shop": shop,
        "other_owner": other_owner,
        "other": other,
        "message": message,
        "day": day,
    }


def test_merchant_sees_the_banner_and_answers_with_one_tap(asked) -> None:
    # given
    client = _client(asked["owner"])
    shop = asked["shop"]
    row = asked["message"].recipients.get(shop=shop)

    # when
    page = client.get(f"/mein-laden/{shop.slug}/")
    answered = client.post(f"/mein-laden/{shop.slug}/nachrichten/{row.pk}/antwort/open/", follow=True)

    # then
    assert "Verkaufsoffener Sonntag" in page.content.decode()
    assert SpecialDay.objects.get(shop=shop, date=asked["day"]).closed is False
    assert (
        "Verkaufsoffener Sonntag"
        not in answered.content.decode().split("<main", 1)[-1].split("</header>", 1)[-1]
    )


def test_merchant_cannot_answer_for_another_shop(asked) -> None:
    # given
    client = _client(asked["other_owner"])
    row = asked["message"].recipients.get(shop=asked["shop"])

    # when: the other owner's own shop in the path, someone else's message row
    response = client.post(f"/mein-laden/{asked['other'].slug}/nachrichten/{row.pk}/antwort/closed/")
    foreign_shop = client.post(f"/mein-laden/{asked['shop'].slug}/nachrichten/{row.pk}/antwort/closed/")

    # then
    assert response.status_code == 404
    assert foreign_shop.status_code == 404
    assert not SpecialDay.objects.exists()


def test_unsubscribe_link_works_without_login(asked, client) -> None:
    # given
    token = merchant_messages.merchant_news_token(shop=asked["shop"])

    # when
    asked_page = client.get(f"/mein-laden/nachrichten/abbestellen/{token}/")
    one_click = client.post(
        f"/mein-laden/nachrichten/abbestellen/{token}/", {"List-Unsubscribe": "One-Click"}
    )
    forged = client.post("/mein-laden/nachrichten/abbestellen/forged-token/")

    # then
    assert asked_page.status_code == 200
    assert not MerchantNewsOptOut.objects.filter(shop=asked["other"]).exists()
    assert one_click.status_code == 200
    assert MerchantNewsOptOut.objects.filter(shop=asked["shop"]).exists()
    assert forged.status_code == 404
