"""Shop onboarding: register -> pending (invisible), approve, request changes, reject, suspend, reactivate."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from geo.opening_hours import Interval
from marketplace.exceptions import InvalidTransition, ValidationFailed
from marketplace.models import OpeningHours, Product, Shop, ShopMembership
from marketplace.selectors.pickup import pickup_board_clear
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.selectors.shops import shops_visible
from marketplace.services.roles import roles_setup
from marketplace.services.shops import (
    ShopRegistration,
    shop_approve,
    shop_move,
    shop_reactivate,
    shop_register,
    shop_reject,
    shop_request_changes,
    shop_slug_for,
    shop_suspend,
)
from tests.factories import CategoryFactory, ProductFactory, ShopFactory, UserFactory
from tests.fake_nominatim import FakeNominatim

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 11, 11, 0, tzinfo=BERLIN)  # a Wednesday


def registration(**overrides: object) -> ShopRegistration:
    values: dict[str, object] = {
        "name": "Bäckerei Löhr",
        "street": "Bäckerstraße 5",
        "postcode": "21335",
        "city": "Lüneburg",
        "owner_name": "Greta Löhr",
        "owner_email": "Greta@Example.org",
        "owner_password": "ein-langes-passwort-2026",
        "consent": True,
        "lat": 53.2493,
        "lng": 10.4089,
        "weekly_hours": {d: [Interval(time(8, 0), time(18, 0))] for d in range(6)},
    }
    values.update(overrides)
    return ShopRegistration(**values)  # type: ignore[arg-type]


def search_ids() -> list[int]:
    pickup_board_clear()
    result = product_search_nearby(
        params=SearchParams(lat=53.2489, lng=10.4077, radius_km=5, available_today=False), now=NOW
    )
    return [hit.product_id for hit in result.hits]


def test_register_creates_pending_shop_owner_and_hours(django_capture_on_commit_callbacks) -> None:
    # given
    roles_setup()
    category = CategoryFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        shop = shop_register(registration=registration(category_ids=[category.pk]))

    # then
    shop.refresh_from_db()
    assert shop.status == Shop.Status.PENDING
    assert shop.slug == "baeckerei-loehr"
    assert (round(shop.location.y, 4), round(shop.location.x, 4)) == (53.2493, 10.4089)
    assert list(shop.categories.all()) == [category]
    assert OpeningHours.objects.filter(shop=shop).count() == 6
    owner = ShopMembership.objects.get(shop=shop, role=ShopMembership.Role.OWNER).user
    assert owner.username == "greta@example.org"
    assert owner.is_staff
    assert not owner.is_active  # until the e-mail address is confirmed (decision 1200)
    assert owner.check_password("ein-langes-passwort-2026")
    assert list(owner.groups.values_list("name", flat=True)) == ["Merchants"]
    assert shop not in shops_visible()
    # only the confirmation link, without the shop's name; owner and city hear of the shop after it
    assert [m.to for m in mail.outbox] == [["greta@example.org"]]
    assert "/laden-anmelden/bestaetigen/" in mail.outbox[0].body
    assert "Bäckerei Löhr" not in mail.outbox[0].subject + mail.outbox[0].body


def test_confirmed_registration_tells_the_owner_and_the_city(django_capture_on_commit_callbacks) -> None:
    # given
    from marketplace.models import SignupVerification
    from marketplace.services.signup import signup_token, signup_verify

    with django_capture_on_commit_callbacks(execute=True):
        shop = shop_register(registration=registration())
    token = signup_token(SignupVerification.objects.get())
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        owner = signup_verify(token=token, password="ein-langes-passwort-2026", client="test")

    # then
    assert owner.is_active
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 2  # the owner and the city
    assert any("Bäckerei Löhr" in subject for subject in subjects)
    to_owner = next(m for m in mail.outbox if "greta@example.org" in m.to)
    assert "Bäckerei Löhr" in to_owner.body
    assert shop.pk in SignupVerification.objects.values_list("user__shop_memberships__shop", flat=True)


def test_register_twice_gets_a_free_slug() -> None:
    # given
    ShopFactory(slug="baeckerei-loehr")

    # when
    shop = shop_register(registration=registration(), now=NOW)

    # then
    assert shop.slug == "baeckerei-loehr-2"
    assert shop_slug_for("Straße & Söhne") == "strasse-soehne"


def test_register_signed_in_user_becomes_owner_without_new_account() -> None:
    # given
    user = UserFactory(username="merchant@example.org")
    users_before = get_user_model().objects.count()

    # when
    shop = shop_register(registration=registration(owner_password=""), user=user, now=NOW)

    # then
    assert ShopMembership.objects.get(shop=shop).user == user
    assert get_user_model().objects.count() == users_before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consent": False}, "consent"),
        ({"postcode": "2133"}, "postcode"),
        ({"owner_password": "kurz"}, "owner_password"),
        ({"lat": 53.2, "lng": None}, "location"),
        ({"category_ids": [999999]}, "categories"),
        ({"name": "  "}, "name"),
    ],
)
def test_register_rejects_bad_input_and_changes_nothing(overrides: dict[str, object], field: str) -> None:
    # given
    users_before = get_user_model().objects.count()

    # when
    with pytest.raises(ValidationFailed) as failure:
        shop_register(registration=registration(**overrides), now=NOW)

    # then
    assert field in failure.value.details
    assert Shop.objects.count() == 0
    assert get_user_model().objects.count() == users_before
    assert mail.outbox == []


def test_register_with_taken_email_changes_nothing_and_tells_the_account(
    django_capture_on_commit_callbacks,
) -> None:
    # given
    user = UserFactory(username="greta@example.org", email="greta@example.org")
    password = user.password

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = shop_register(registration=registration(), now=NOW)

    # then
    assert result is None
    assert Shop.objects.count() == 0
    user.refresh_from_db()
    assert (user.password, user.is_active) == (password, True)
    assert [m.to for m in mail.outbox] == [["greta@example.org"]]
    assert "Bäckerei Löhr" not in mail.outbox[0].body


def test_register_without_pin_geocodes_the_address(geocoder_settings: FakeNominatim) -> None:
    # given
    geocoder_settings.add("Bäckerstraße 5, 21335 Lüneburg", 53.2491, 10.4101, road="Bäckerstraße")

    # when
    shop = shop_register(registration=registration(lat=None, lng=None), now=NOW)

    # then
    assert (round(shop.location.y, 4), round(shop.location.x, 4)) == (53.2491, 10.4101)


def test_register_unknown_address_asks_for_the_pin(geocoder_settings: FakeNominatim) -> None:
    # when
    with pytest.raises(ValidationFailed) as failure:
        shop_register(registration=registration(lat=None, lng=None), now=NOW)

    # then
    assert "location" in failure.value.details
    assert "Markierung" in failure.value.message  # German first
    assert Shop.objects.count() == 0


def test_register_geocoder_down_asks_for_the_pin(geocoder_settings: FakeNominatim) -> None:
    # given
    geocoder_settings.mode = "error"

    # when
    with pytest.raises(ValidationFailed) as failure:
        shop_register(registration=registration(lat=None, lng=None), now=NOW)

    # then
    assert "location" in failure.value.details
    assert "nicht verfügbar" in failure.value.message
    assert Shop.objects.count() == 0


def _confirmed(shop: Shop) -> Shop:
    """The owner confirmed the registration's e-mail address (what the link's page does)."""
    from marketplace.models import SignupVerification

    SignupVerification.objects.filter(user__shop_memberships__shop=shop).update(verified_at=NOW)
    get_user_model().objects.filter(shop_memberships__shop=shop).update(is_active=True)
    return shop


def test_approve_makes_shop_and_products_visible(django_capture_on_commit_callbacks) -> None:
    # given
    shop = _confirmed(shop_register(registration=registration(), now=NOW))
    product = ProductFactory(shop=shop, title="Roggenbrot")
    assert product.shop_active is False
    assert product.pk not in search_ids()
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        shop_approve(shop=shop, now=NOW)

    # then
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
    assert shop.approved_at == NOW
    assert Product.objects.get(pk=product.pk).shop_active is True
    assert product.pk in search_ids()
    assert shop in shops_visible()
    assert [m.to for m in mail.outbox] == [["greta@example.org"]]
    assert "Bäckerei Löhr" in mail.outbox[0].subject


def test_request_changes_and_reject_send_the_message(django_capture_on_commit_callbacks) -> None:
    # given
    shop = shop_register(registration=registration(), now=NOW)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        shop_request_changes(shop=shop, message="Bitte ein Foto vom Laden ergänzen.", now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        shop_reject(shop=shop, message="Kein Ladengeschäft in Lüneburg.", now=NOW)

    # then
    shop.refresh_from_db()
    assert shop.status == Shop.Status.REJECTED
    assert shop.status_message == "Kein Ladengeschäft in Lüneburg."
    assert len(mail.outbox) == 2
    assert "Bitte ein Foto vom Laden ergänzen." in mail.outbox[0].body
    assert "Kein Ladengeschäft in Lüneburg." in mail.outbox[1].body
    assert shop not in shops_visible()


def test_reject_without_message_changes_nothing() -> None:
    # given
    shop = shop_register(registration=registration(), now=NOW)
    mail.outbox.clear()

    # when
    with pytest.raises(ValidationFailed):
        shop_reject(shop=shop, message="  ", now=NOW)

    # then
    shop.refresh_from_db()
    assert shop.status == Shop.Status.PENDING
    assert mail.outbox == []


def test_suspend_hides_and_reactivate_shows_again(django_capture_on_commit_callbacks) -> None:
    # given
    shop = ShopFactory()
    product = ProductFactory(shop=shop)
    assert product.pk in search_ids()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        shop_suspend(shop=shop, message="Beschwerden über Öffnungszeiten.", now=NOW)

    # then
    assert Product.objects.get(pk=product.pk).shop_active is False
    assert product.pk not in search_ids()
    assert shop not in shops_visible()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        shop_reactivate(shop=shop, now=NOW)

    # then
    assert Product.objects.get(pk=product.pk).shop_active is True
    assert product.pk in search_ids()


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Shop.Status.ACTIVE, shop_approve),
        (Shop.Status.PENDING, shop_suspend),
        (Shop.Status.ACTIVE, shop_reactivate),
        (Shop.Status.SUSPENDED, shop_reject),
        (Shop.Status.REJECTED, shop_request_changes),
    ],
)
def test_invalid_transitions_change_nothing(status: str, action: object) -> None:
    # given
    shop = ShopFactory(status=status, status_message="vorher")
    product = ProductFactory(shop=shop)
    shop_active_before = product.shop_active

    # when
    with pytest.raises(InvalidTransition):
        action(shop=shop, message="Nachricht", now=NOW)  # type: ignore[operator]

    # then
    shop.refresh_from_db()
    assert shop.status == status
    assert shop.status_message == "vorher"
    assert Product.objects.get(pk=product.pk).shop_active is shop_active_before
    assert mail.outbox == []


def test_move_copies_location_to_products() -> None:
    # given
    shop = ShopFactory()
    product = ProductFactory(shop=shop)

    # when
    shop_move(shop=shop, lat=53.25, lng=10.41)

    # then
    product.refresh_from_db()
    assert (round(product.location.y, 4), round(product.location.x, 4)) == (53.25, 10.41)


def test_roles_setup_is_idempotent_and_separates_the_groups() -> None:
    # when
    first = roles_setup()
    second = roles_setup()

    # then
    assert first == second
    city = set(Group.objects.get(name="City editors").permissions.values_list("codename", flat=True))
    merchants = set(Group.objects.get(name="Merchants").permissions.values_list("codename", flat=True))
    assert {"review_shop", "view_insights", "change_collection", "change_cityday"} <= city
    assert (
        not {"review_shop", "view_insights", "change_collection", "change_cityday", "change_featuredshop"}
        & merchants
    )
    assert "change_product" not in city
