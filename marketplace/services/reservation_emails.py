"""E-mails about reservations, in the resident's language (German or English), sent through the outbox.

`reservation_emails_queue` writes one outbox row per e-mail in the reservation's transaction; the
dispatcher sends them (`resident_email_deliver`, `merchant_email_deliver`) after the commit.

The resident's confirmation carries the code, a QR code of it (PNG) for the shop to scan, the pickup window,
the status link with the secret token (the only time it is sent) and an .ics calendar file.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from icalendar import Calendar, Event

from marketplace.models import OutboxMessage, Reservation
from marketplace.services.emails import Attachment, email_compose
from marketplace.services.outbox import Outgoing, outbox_message_id, outbox_put_all

RESIDENT_EVENTS = ("created", "ready", "reminder", "cancelled", "expired", "moved")
MERCHANT_EVENTS = ("created", "cancelled", "moved")
STATUS_PATH = "/reservierung/{code}/"
CONFIRM_PATH = "/reservierung/{code}/bestaetigen/"


def reservation_confirm_url(*, code: str, confirm_token: str, language: str = "de") -> str:
    """The link that confirms a hold which needs it (decision 0201); only ever sent by e-mail."""
    prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
    return f"{settings.SITE_URL}{prefix}{CONFIRM_PATH.format(code=code)}?c={confirm_token}"


def reservation_status_url(*, code: str, token: str, language: str = "de") -> str:
    """The resident's status page on the website (German paths; English under /en/)."""
    prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
    return f"{settings.SITE_URL}{prefix}{STATUS_PATH.format(code=code)}?token={token}"


def _language(reservation: Reservation) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return reservation.language if reservation.language in codes else settings.LANGUAGE_CODE


def _local(value: datetime, reservation: Reservation) -> str:
    local = timezone.localtime(value, ZoneInfo(reservation.shop.time_zone))
    return formats.date_format(local, "DATETIME_FORMAT")


def _pickup_day(reservation: Reservation) -> str:
    """The chosen pickup day as a long date ("Dienstag, 8. Dezember")."""
    day = (
        reservation.pickup_date
        or timezone.localtime(reservation.pickup_from, ZoneInfo(reservation.shop.time_zone)).date()
    )
    return formats.date_format(day, pgettext("long date with weekday (Django date format)", "l j F"))


def reservation_qr_png(code: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def reservation_ics(reservation: Reservation) -> bytes:
    """A calendar entry for the pickup window, at the shop's address."""
    shop = reservation.shop
    calendar = Calendar()
    calendar.add("prodid", "-//Ladenkarte//Reservierung//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"reservation-{reservation.code}@ladenkarte")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", reservation.pickup_from)
    event.add("dtend", reservation.hold_until or reservation.expires_at)  # the window once confirmed
    event.add(
        "summary",
        _("Pick up reservation %(code)s at %(shop)s") % {"code": reservation.code, "shop": shop.name},
    )
    event.add("location", f"{shop.name}, {shop.street}, {shop.postcode} {shop.city}")
    event.add("description", _("Reservation code: %(code)s") % {"code": reservation.code})
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _context(
    reservation: Reservation, *, event: str, token: str, by: str, confirm_token: str = ""
) -> dict[str, object]:
    language = _language(reservation)
    return {
        "confirm_url": reservation_confirm_url(
            code=reservation.code, confirm_token=confirm_token, language=language
        )
        if confirm_token
        else "",
        "confirm_by": _local(reservation.confirm_by, reservation) if reservation.confirm_by else "",
        "shop_confirm_by": (
            _local(reservation.shop_confirm_by, reservation) if reservation.shop_confirm_by else ""
        ),
        "reservation": reservation,
        "shop": reservation.shop,
        "lines": [(line.quantity, line.product.title) for line in reservation.lines.all()],
        "event": event,
        "by": by,
        "pickup_from": _local(reservation.pickup_from, reservation),
        "pickup_day": _pickup_day(reservation),
        "expires_at": _local(reservation.expires_at, reservation),
        "status_url": reservation_status_url(code=reservation.code, token=token, language=language)
        if token
        else "",
        "site_url": settings.SITE_URL,
        "town": settings.LADENKARTE_TOWN,
    }


def _resident_subject(event: str, reservation: Reservation) -> str:
    values = {"code": reservation.code, "shop": reservation.shop.name}
    subjects = {
        "created": _("Your reservation %(code)s at %(shop)s"),
        "ready": _("Ready for pickup: %(code)s at %(shop)s"),
        "reminder": _("Reminder: pick up %(code)s at %(shop)s today"),
        "cancelled": _("Reservation %(code)s cancelled"),
        "expired": _("Reservation %(code)s expired"),
        "moved": _("Reservation %(code)s moved to another day"),
    }
    return subjects[event] % values


def _merchant_subject(event: str, reservation: Reservation) -> str:
    values = {"code": reservation.code, "name": reservation.customer_name}
    subjects = {
        "created": _("New reservation %(code)s from %(name)s"),
        "cancelled": _("Reservation %(code)s cancelled by %(name)s"),
        "moved": _("Reservation %(code)s moved to another day by %(name)s"),
    }
    return subjects[event] % values


def _load(reservation_id: int) -> Reservation | None:
    return (
        Reservation.objects.select_related("shop")
        .prefetch_related("lines__product")
        .filter(pk=reservation_id)
        .first()
    )


def reservation_resident_email(
    reservation: Reservation, *, event: str, token: str = "", by: str = "", confirm_token: str = ""
) -> EmailMultiAlternatives:
    """The resident's e-mail for `event` (text and HTML), rendered in the reservation's language."""
    with translation.override(_language(reservation)):
        context = _context(reservation, event=event, token=token, by=by, confirm_token=confirm_token)
        with_qr = event in ("created", "ready", "reminder", "moved")
        attachments = []
        if event == "created":
            attachments.append(
                Attachment(f"{reservation.code}.ics", reservation_ics(reservation), "text/calendar")
            )
        return email_compose(
            subject=_resident_subject(event, reservation),
            template="marketplace/email/reservation_resident.txt",
            context=context,
            to=[reservation.customer_email],
            reply_to=[reservation.shop.email] if reservation.shop.email else None,
            shop=reservation.shop,
            qr_png=reservation_qr_png(reservation.code) if with_qr else None,
            qr_label=_("QR code of the reservation code %(code)s") % {"code": reservation.code},
            attachments=attachments,
        )


def reservation_merchant_email(reservation: Reservation, *, event: str) -> EmailMultiAlternatives | None:
    """The shop's e-mail (site language) about a new, cancelled or moved reservation; None without a shop
    e-mail."""
    if not reservation.shop.email:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(reservation, event=event, token="", by="")
        context["merchant_url"] = f"{settings.SITE_URL}/mein-laden/"
        return email_compose(
            subject=_merchant_subject(event, reservation),
            template="marketplace/email/reservation_merchant.txt",
            context=context,
            to=[reservation.shop.email],
        )


def _merchant_gets(event: str, by: str) -> bool:
    return event in ("created", "moved") or (event == "cancelled" and by == "resident")


def reservation_emails_queue(
    *, reservation: Reservation, event: str, token: str = "", by: str = "", confirm_token: str = ""
) -> None:
    """Write the e-mails of `event` into the outbox (resident; the shop for new or resident-cancelled ones):
    one row per e-mail, one INSERT. Call inside the transaction of the change; the token (only for
    "created") is stored encrypted until the e-mail is sent."""
    payload = {"reservation_id": reservation.pk, "event": event, "by": by}
    secret = json.dumps({"token": token, "confirm_token": confirm_token}) if token or confirm_token else ""
    messages = []
    if event in RESIDENT_EVENTS:
        messages.append(
            Outgoing("email.reservation_resident", payload, secret=secret, shop=reservation.shop_id)
        )
    if _merchant_gets(event, by):  # the handler skips a shop without an e-mail address
        messages.append(Outgoing("email.reservation_merchant", payload, shop=reservation.shop_id))
    outbox_put_all(messages)


def reservation_emails_queue_many(*, reservation_ids: list[int], event: str) -> None:
    """The resident e-mails of one `event` (expired, reminder) for many reservations: one INSERT."""
    outbox_put_all(
        [
            Outgoing("email.reservation_resident", {"reservation_id": pk, "event": event, "by": ""})
            for pk in sorted(reservation_ids)
        ]
    )


def resident_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: send one resident e-mail (nothing when the reservation is gone)."""
    reservation = _load(int(message.payload["reservation_id"]))
    if reservation is None:
        return
    secrets = json.loads(secret) if secret else {}
    email = reservation_resident_email(
        reservation,
        event=str(message.payload["event"]),
        token=secrets.get("token", ""),
        by=str(message.payload.get("by", "")),
        confirm_token=secrets.get("confirm_token", ""),
    )
    email.extra_headers["Message-ID"] = outbox_message_id(message)
    email.send()


def merchant_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: send one e-mail to the shop (nothing when the reservation or its address is gone)."""
    reservation = _load(int(message.payload["reservation_id"]))
    if reservation is None:
        return
    email = reservation_merchant_email(reservation, event=str(message.payload["event"]))
    if email is None:
        return
    email.extra_headers["Message-ID"] = outbox_message_id(message)
    email.send()
