"""Reservation e-mails: in the resident's language, sent after commit, with QR code and calendar file."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from icalendar import Calendar

from marketplace.exceptions import InsufficientStock
from marketplace.services import reservations as svc
from tests.factories import ProductFactory, ShopFactory


def _create(language: str, *, capture: Any) -> svc.CreatedReservation:
    shop = ShopFactory(name="Buchhandlung Am Sande", email="laden@example.org")
    # enough stock that 2 units need no e-mail confirmation (decision 0201)
    product = ProductFactory(shop=shop, title="Stadtplan Lüneburg", quantity_on_hand=10)
    with capture(execute=True):
        return svc.reservation_create(
            items=[svc.LineRequest(product_id=product.pk, quantity=2)],
            contact=svc.Contact(name="Erika Muster", email="erika@example.org"),
            language=language,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject", "phrase", "status_path"),
    [
        ("de", "Deine Reservierung {code} bei Buchhandlung Am Sande", "Abholbar ab:", "/reservierung/"),
        ("en", "Your reservation {code} at Buchhandlung Am Sande", "Pick up from:", "/en/reservierung/"),
    ],
)
def test_confirmation_in_the_residents_language_with_qr_and_calendar(
    django_capture_on_commit_callbacks: Any, language: str, subject: str, phrase: str, status_path: str
) -> None:
    # given / when
    created = _create(language, capture=django_capture_on_commit_callbacks)
    code = created.reservation.code
    # then: one e-mail to the resident, one to the shop (always German)
    resident, merchant = sorted(mail.outbox, key=lambda m: m.to != ["erika@example.org"])
    assert resident.subject == subject.format(code=code)
    assert phrase in resident.body
    assert code in resident.body
    assert "2 \u00d7 Stadtplan Lüneburg" in resident.body
    assert f"{status_path}{code}/?token={created.token}" in resident.body
    # the QR code is an inline image of the HTML part (Content-ID), the calendar file an attachment
    (qr,) = [part for part in resident.attachments if not isinstance(part, tuple)]
    assert qr["Content-ID"] == "<qr-code>"
    assert qr.get_content_type() == "image/png"
    assert qr.get_payload(decode=True).startswith(b"\x89PNG")
    attachments = {name: (content, mime) for name, content, mime in resident.attachments[1:]}
    ics, ics_type = attachments[f"{code}.ics"]
    assert ics_type == "text/calendar"
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("dtstart") == created.reservation.pickup_from
    assert event.decoded("dtend") == created.reservation.expires_at
    assert merchant.to == ["laden@example.org"]
    assert merchant.subject == f"Neue Reservierung {code} von Erika Muster"


@pytest.mark.django_db
def test_nothing_is_sent_when_the_reservation_fails(django_capture_on_commit_callbacks: Any) -> None:
    # given
    product = ProductFactory(quantity_on_hand=1)
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientStock):
        svc.reservation_create(
            items=[svc.LineRequest(product_id=product.pk, quantity=2)],
            contact=svc.Contact(name="E", email="e@example.org"),
        )
    # then
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "language", "subject"),
    [
        ("ready", "de", "Abholbereit: {code} bei Buchhandlung Am Sande"),
        ("ready", "en", "Ready for pickup: {code} at Buchhandlung Am Sande"),
        ("cancelled", "de", "Reservierung {code} storniert"),
        ("cancelled", "en", "Reservation {code} cancelled"),
        ("expired", "de", "Reservierung {code} abgelaufen"),
        ("expired", "en", "Reservation {code} expired"),
    ],
)
def test_later_events_reach_the_resident(
    django_capture_on_commit_callbacks: Any, event: str, language: str, subject: str
) -> None:
    # given
    created = _create(language, capture=django_capture_on_commit_callbacks)
    reservation = created.reservation
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        if event == "ready":
            svc.reservation_mark_ready(reservation=reservation)
        elif event == "cancelled":
            svc.reservation_cancel(reservation=reservation, by="resident")
        else:
            svc.reservations_sweep(now=reservation.expires_at)
    # then
    to_resident = [m for m in mail.outbox if m.to == ["erika@example.org"]]
    assert [m.subject for m in to_resident] == [subject.format(code=reservation.code)]
    assert created.token not in to_resident[0].body
    to_shop = [m for m in mail.outbox if m.to == ["laden@example.org"]]
    if event == "cancelled":  # the shop hears of cancellations by the resident
        assert [m.subject for m in to_shop] == [f"Reservierung {reservation.code} von Erika Muster storniert"]
    else:
        assert to_shop == []
