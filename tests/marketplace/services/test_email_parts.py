"""Every e-mail has a plain-text body and an HTML alternative with the same content (issue 21).

Each message is built by its real builder and checked: both parts present, the text's lines in the HTML,
the town's name and colours, accessible markup (lang, title, headings, alt texts), no remote images and
no trackers; reservation e-mails carry the QR code inline (cid:) and the shop's address with a map link.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from marketplace.models import JobPosting, MerchantMessage, OutboxMessage, Reservation, ShopMembership
from marketplace.services import claim_letters, jobs, merchant_messages, shops
from marketplace.services import reservations as svc
from marketplace.services.reservation_emails import (
    MERCHANT_EVENTS,
    RESIDENT_EVENTS,
    reservation_merchant_email,
    reservation_resident_email,
)
from tests.factories import ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


def _html(message: EmailMultiAlternatives) -> str:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return str(html)


def assert_both_parts(message: EmailMultiAlternatives, *, language: str = "de") -> str:
    """The checks every e-mail passes; returns the HTML."""
    assert isinstance(message, EmailMultiAlternatives)
    text = message.body
    assert text.strip()
    html = _html(message)
    assert f'<html lang="{language}"' in html
    assert "<title>" in html
    assert "<h1" in html
    assert "Lüneburg" in html  # the town's name
    assert "#0b5d4b" in html  # the town's colour
    # the same content: every line of the text part is in the HTML part
    plain_html = unescape(re.sub(r"<[^>]+>", "", html))
    for line in text.splitlines():
        if line.strip():
            assert line.strip() in plain_html, line
    # nothing remote is loaded: images only from cid:, no tracking pixels, no scripts
    for src in re.findall(r'<img[^>]*src="([^"]+)"', html):
        assert src.startswith("cid:"), src
    assert all(re.search(r'alt="[^"]+"', tag) for tag in re.findall(r"<img[^>]*>", html))
    assert "<script" not in html
    assert "<link" not in html
    assert "url(" not in html
    return html


@pytest.fixture
def reservation(django_capture_on_commit_callbacks: Any) -> Reservation:
    shop = ShopFactory(name="Buchhandlung Am Sande", email="laden@example.org", phone="04131 123")
    product = ProductFactory(shop=shop, title="Stadtplan <Lüneburg>", quantity_on_hand=10)
    return svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=1)],
        contact=svc.Contact(name="Erika Muster", email="erika@example.org"),
    ).reservation


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("event", RESIDENT_EVENTS)
def test_every_resident_e_mail(reservation: Reservation, event: str, language: str) -> None:
    Reservation.objects.filter(pk=reservation.pk).update(language=language)
    reservation.refresh_from_db()
    message = reservation_resident_email(
        reservation, event=event, token="t0ken" if event == "created" else ""
    )
    html = assert_both_parts(message, language=language)
    assert "Stadtplan &lt;Lüneburg&gt;" in html  # escaped, not markup
    # the shop's address with a link to the map (a link, never an embedded map image)
    assert "Am Markt 1" in html
    assert "https://www.openstreetmap.org/?mlat=" in html
    if event in ("created", "ready", "reminder", "moved"):
        assert 'src="cid:qr-code"' in html
        (qr,) = [part for part in message.attachments if not isinstance(part, tuple)]
        assert qr["Content-ID"] == "<qr-code>"
    else:
        assert "cid:" not in html
    raw = message.message().as_string()
    assert "multipart/alternative" in raw


@pytest.mark.parametrize("event", MERCHANT_EVENTS)
def test_every_merchant_reservation_e_mail(reservation: Reservation, event: str) -> None:
    message = reservation_merchant_email(reservation, event=event)
    assert message is not None
    assert_both_parts(message)


@pytest.mark.parametrize(
    "event", ["registered", "approved", "changes_requested", "rejected", "suspended", "reactivated"]
)
def test_every_shop_status_e_mail(event: str) -> None:
    shop = ShopFactory(email="laden@example.org")
    # the registration itself goes to the (confirmed) owners only, the decisions to the shop's address too
    ShopMembership.objects.create(
        shop=shop, user=UserFactory(email="inhaberin@example.org"), role=ShopMembership.Role.OWNER
    )
    shops.shop_status_email_deliver(
        OutboxMessage(
            pk=1,
            kind="email.shop_status",
            payload={"shop_id": shop.pk, "event": event, "message": "Bitte Foto"},
        ),
        "",
    )
    (message,) = mail.outbox
    html = assert_both_parts(message)
    assert "openstreetmap.org" in html
    expected = ["inhaberin@example.org"] + ([] if event == "registered" else ["laden@example.org"])
    assert message.to == expected


def test_the_city_hears_of_a_registration(settings: Any) -> None:
    settings.LADENKARTE_OPERATOR = {**settings.LADENKARTE_OPERATOR, "email": "stadt@example.org"}
    shop = ShopFactory(email="laden@example.org")
    shops.shop_registered_city_email_deliver(
        OutboxMessage(
            pk=2, kind="email.shop_registered_city", payload={"shop_id": shop.pk, "event": "registered"}
        ),
        "",
    )
    (message,) = mail.outbox
    assert_both_parts(message)


def test_merchant_message_e_mail_keeps_its_unsubscribe_headers() -> None:
    shop = ShopFactory(email="laden@example.org")
    message = MerchantMessage.objects.create(
        subject="Stadtfest", body="Liebe Läden,\n\nam Samstag ist Stadtfest."
    )
    merchant_messages._email(message=message, shop=shop, to=["laden@example.org"], message_id="<m-1@x>")
    (sent,) = mail.outbox
    assert_both_parts(sent)
    assert "List-Unsubscribe" in sent.extra_headers


def test_job_expiry_e_mail() -> None:
    shop = ShopFactory(email="laden@example.org")
    job = JobPosting.objects.create(
        shop=shop,
        title="Aushilfe",
        kind="mini_job",
        description="Samstags",
        valid_through=timezone.localdate() + timedelta(days=3),
        apply_email="jobs@example.org",
        expiry_reminder_sent_at=timezone.now(),  # claimed by the reminder run
    )
    assert jobs.job_expiry_email_send(job_id=job.pk) == 1
    assert_both_parts(mail.outbox[0])


def test_claim_code_e_mail(django_capture_on_commit_callbacks: Any) -> None:
    shop = ShopFactory(email="laden@example.org", status="listed")
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_letters.claim_code_send_email(shop=shop)
    assert claim is not None
    assert mail.outbox, "the claim e-mail is written after commit"
    assert_both_parts(mail.outbox[-1])


def test_stale_stock_e_mail(django_capture_on_commit_callbacks: Any) -> None:
    from marketplace.services.data_health import stale_stock_reminders_send

    shop = ShopFactory(email="laden@example.org")
    owner = UserFactory(email="inhaberin@example.org")
    ShopMembership.objects.create(user=owner, shop=shop, role=ShopMembership.Role.OWNER)
    ProductFactory(shop=shop, stock_updated_at=timezone.now() - timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert stale_stock_reminders_send() == 1
    assert_both_parts(mail.outbox[0])


def test_sign_up_e_mails(django_capture_on_commit_callbacks: Any) -> None:
    # given: a registration waiting for its confirmation, and an existing account
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from marketplace.models import SignupVerification
    from marketplace.services import signup

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user = signup.signup_account_create(
            email="neu@example.org", password="ein-langes-passwort", name="Neu", now=timezone.now()
        )
        signup.signup_existing_notify(user=UserFactory(email="alt@example.org"))
    # then
    assert SignupVerification.objects.filter(user=user).exists()
    verify, exists = sorted(mail.outbox, key=lambda m: m.to[0], reverse=True)
    assert verify.to == ["neu@example.org"]
    assert "/laden-anmelden/bestaetigen/" in assert_both_parts(verify)
    assert exists.to == ["alt@example.org"]
    assert_both_parts(exists)
    assert get_user_model().objects.get(email="alt@example.org").is_active
