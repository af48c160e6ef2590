"""Finding 6, sign-up abuse: the public registration had no throttle and no e-mail confirmation, mailed an
attacker-chosen shop name to attacker-chosen addresses and took the victim's address as a user name.

Now: the account waits inactive until the address is confirmed (signed, expiring link + the registration's
password), throttles per client and per address, neutral e-mails, and an address that has an account
answers like a new one without touching the account."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketplace.models import ApiKey, Shop, SignupVerification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "gruener-tee-2026"
SPAM = "GEWINN! Ihr Konto wird gesperrt - jetzt klicken"


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": SPAM,
        "street": "Grapengießerstraße 12",
        "postcode": "21335",
        "city": "Lüneburg",
        "lat": "53.2480",
        "lng": "10.4090",
        "owner_name": "Mallory Angreifer",
        "owner_email": "opfer@example.org",
        "owner_password": PASSWORD,
        "email": "zweites-opfer@example.org",  # the shop's address: someone else's as well
        "consent": "on",
        "hours_0": "10:00-18:00",
    }
    data.update(overrides)
    return data


def register(client: Client, capture: Any, **overrides: str) -> Any:
    with capture(execute=True):
        return client.post("/laden-anmelden/", form_data(**overrides))


def link_in(message: Any) -> str:
    found = re.search(r"(/laden-anmelden/bestaetigen/[^\s/]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _page(response: Any) -> str:
    """The page without its per-render CSRF token (masked anew on every render)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _state() -> list[Any]:
    users = get_user_model().objects.order_by("pk")
    return [
        list(users.values_list("pk", "username", "email", "password", "is_active", "first_name")),
        list(Shop.objects.order_by("pk").values_list("pk", "name", "status")),
        list(ApiKey.objects.values_list("pk")),
    ]


def test_a_new_account_can_do_nothing_before_its_address_is_confirmed(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # when
    response = register(client, django_capture_on_commit_callbacks)

    # then: the account exists but cannot sign in, reach my-shop, the admin or the API, or make keys
    assert response.status_code == 302
    user = get_user_model().objects.get(username="opfer@example.org")
    shop = Shop.objects.get()
    assert not user.is_active
    assert not Client().login(username="opfer@example.org", password=PASSWORD)
    admin_login = Client().post(
        "/admin/login/?next=/admin/", {"username": "opfer@example.org", "password": PASSWORD}
    )
    assert admin_login.status_code == 200  # the form again, no session
    signed = Client()
    signed.force_login(user)  # even a session made by other means does not count for an inactive user
    assert signed.get(f"/mein-laden/{shop.slug}/").status_code == 302
    assert signed.get("/admin/marketplace/shop/").status_code == 302
    assert signed.get(f"/api/v1/merchant/shops/{shop.slug}/products/").status_code in (401, 403)
    before = _state()
    assert signed.post(f"/mein-laden/{shop.slug}/schluessel/", {"name": "Kasse"}).status_code == 302
    assert _state() == before


def test_the_link_asks_for_the_password_and_then_signs_in(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    register(client, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    mail.outbox.clear()
    before = _state()

    # when: opened (what a mail scanner does), then the wrong password
    opened = client.get(link)
    wrong = client.post(link, {"password": "geraten-123456"})

    # then: nothing changed
    assert opened.status_code == 200
    assert wrong.status_code == 400
    assert "Passwort" in wrong.content.decode()
    assert _state() == before
    assert mail.outbox == []

    # when: the registration's password
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(link, {"password": PASSWORD})

    # then: active, signed in, my-shop reachable; the owner and the city are told now
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/mein-laden/"
    user = get_user_model().objects.get(username="opfer@example.org")
    assert user.is_active
    assert SignupVerification.objects.get(user=user).verified_at is not None
    assert client.get(f"/mein-laden/{Shop.objects.get().slug}/").status_code == 200
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        ["opfer@example.org", "stadtmarketing@ladenkarte.example"]
    )
    # and the link is used up
    assert Client().get(link).status_code == 404


def test_the_emails_are_neutral_and_go_to_the_owner_address_only(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # when
    register(client, django_capture_on_commit_callbacks)

    # then: one e-mail, to the owner's address, without the shop's name or the typed person's name
    assert [m.to for m in mail.outbox] == [["opfer@example.org"]]
    message = mail.outbox[0]
    html = message.alternatives[0][0] if message.alternatives else ""
    for text in (message.subject, message.body, html):
        assert "GEWINN" not in text
        assert "Mallory" not in text
        assert "zweites-opfer" not in text


def test_an_address_with_an_account_answers_like_a_new_one_and_changes_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: an existing account, and a first registration for comparison
    victim = UserFactory(username="opfer@example.org", email="opfer@example.org", first_name="Olga")
    new = register(Client(), django_capture_on_commit_callbacks, owner_email="neu@example.org")
    mail.outbox.clear()
    before = _state()

    # when
    client = Client()
    taken = register(client, django_capture_on_commit_callbacks)

    # then: the same answer and page, the account and the shops as they were, a neutral notice
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    page = client.get(taken["Location"]).content.decode()
    assert "opfer@example.org" in page
    assert "existiert" not in page
    assert "exists" not in page
    assert _state() == before
    victim.refresh_from_db()
    assert victim.is_active
    assert victim.first_name == "Olga"
    assert [m.to for m in mail.outbox] == [["opfer@example.org"]]
    assert "GEWINN" not in mail.outbox[0].body + mail.outbox[0].subject
    assert "/laden-anmelden/bestaetigen/" not in mail.outbox[0].body  # nothing to confirm


def test_registrations_are_throttled_per_client(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    settings.LADENKARTE_SIGNUP_RATE = "2/h"
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(2):
        assert (
            register(client, django_capture_on_commit_callbacks, owner_email=f"o{n}@example.org").status_code
            == 302
        )
    before = _state()
    mail.outbox.clear()

    # when
    third = register(client, django_capture_on_commit_callbacks, owner_email="o3@example.org")

    # then
    assert third.status_code == 429
    assert "Zu viele" in third.content.decode()
    assert _state() == before
    assert mail.outbox == []
    # another client still may
    other = register(
        Client(REMOTE_ADDR="198.51.100.9"), django_capture_on_commit_callbacks, owner_email="o4@example.org"
    )
    assert other.status_code == 302


def test_emails_to_one_address_are_throttled_from_any_client(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given: an address with an account, "registered" again and again from many addresses
    settings.LADENKARTE_SIGNUP_EMAIL_RATE = "2/d"
    UserFactory(username="opfer@example.org", email="opfer@example.org")
    answers = [
        register(Client(REMOTE_ADDR=f"192.0.2.{n}"), django_capture_on_commit_callbacks).status_code
        for n in range(1, 5)
    ]

    # then: two e-mails at most
    assert answers == [302, 302, 429, 429]
    assert len(mail.outbox) == 2


def test_a_new_link_is_throttled_alike_and_says_nothing_about_the_address(
    settings: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a waiting registration
    register(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    # when: a new link for it, and for an address that has none
    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.post("/laden-anmelden/bestaetigen/", {"email": "opfer@example.org"})
        unknown = client.post("/laden-anmelden/bestaetigen/", {"email": "niemand@example.org"})

    # then: the same page; one e-mail with a working link
    assert waiting.status_code == unknown.status_code == 200
    assert _page(waiting) == _page(unknown)
    assert [m.to for m in mail.outbox] == [["opfer@example.org"]]
    assert Client().get(link_in(mail.outbox[0])).status_code == 200

    # when: past the per-address budget
    settings.LADENKARTE_SIGNUP_EMAIL_RATE = "2/d"
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post("/laden-anmelden/bestaetigen/", {"email": "opfer@example.org"})
    assert refused.status_code == 429
    assert len(mail.outbox) == 1


def test_an_unconfirmed_registration_lapses_and_frees_the_address(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    register(Client(), django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    mail.outbox.clear()

    # when: later than the window
    later = timezone.now() + timedelta(hours=settings.LADENKARTE_SIGNUP_VERIFY_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        expired = Client().post(link, {"password": PASSWORD})
        from marketplace.services.signup import signup_lapsed_purge

        purged = signup_lapsed_purge()
        again = register(
            Client(),
            django_capture_on_commit_callbacks,
            name="Teeladen Sencha",
            owner_password="ein-neues-2026!",
        )

    # then: the link is refused, the account and its pending shop are gone, the real owner registers
    assert expired.status_code == 404
    assert purged == 1
    assert again.status_code == 302
    assert list(Shop.objects.values_list("name", flat=True)) == ["Teeladen Sencha"]
    assert get_user_model().objects.get(username="opfer@example.org").check_password("ein-neues-2026!")
    assert [m.to for m in mail.outbox] == [["opfer@example.org"]]


def test_a_forged_or_tampered_link_is_refused(client: Client) -> None:
    # when
    responses = [
        client.get("/laden-anmelden/bestaetigen/abc/"),
        client.post("/laden-anmelden/bestaetigen/abc:def:ghi/", {"password": PASSWORD}),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert "gültig" in responses[0].content.decode()


def test_the_city_neither_sees_nor_approves_an_unconfirmed_registration(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    from marketplace.exceptions import InvalidTransition
    from marketplace.selectors.city_todo import applications_waiting
    from marketplace.services.shops import shop_approve

    register(client, django_capture_on_commit_callbacks)
    shop = Shop.objects.get()

    # when / then: not in the city's queue, and approving it is refused (nothing changes)
    assert list(applications_waiting()) == []
    with pytest.raises(InvalidTransition):
        shop_approve(shop=shop)
    shop.refresh_from_db()
    assert shop.status == Shop.Status.PENDING


def test_a_claim_with_the_citys_one_time_code_counts_as_verified() -> None:
    # given: a listing with a claim code (the letter the city sent to the shop)
    from marketplace.services.claims import ClaimConfirmation, claim_code_create, shop_claim
    from tests.factories import ShopFactory

    listing = ShopFactory(slug="alte-apotheke", status=Shop.Status.LISTED)
    _claim, code = claim_code_create(shop=listing)

    # when
    shop, owner = shop_claim(
        code=code,
        confirmation=ClaimConfirmation(
            name="Alte Apotheke",
            street="Am Markt 1",
            postcode="21335",
            city="Lüneburg",
            owner_name="Ada Apotheke",
            owner_email="ada@example.org",
            owner_password=PASSWORD,
        ),
    )

    # then: an active account at once, nothing waiting for a confirmation (decision 1200)
    assert owner.is_active
    assert not SignupVerification.objects.filter(user=owner).exists()
    assert Client().login(username="ada@example.org", password=PASSWORD)
    assert shop.status == Shop.Status.ACTIVE
