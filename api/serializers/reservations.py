"""Reservations (API.md "Residents" and the merchant reservation actions): input and output shapes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from api.serializers.refs import LatLngSerializer, ShopAddressSerializer, shop_address_data
from marketplace.models import Reservation, ReservationLine

MAX_LINES = 20
PHONE_PATTERN = r"^\+?[0-9][0-9 ()/.\-]{3,38}$"

# --- input ------------------------------------------------------------------------------------------


class ReservationItemInput(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=2**62)
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=1000,
        help_text=_("Units; at most LADENKARTE_MAX_UNITS_PER_LINE (10) are allowed."),
    )


class CustomerInput(serializers.Serializer):
    name = serializers.CharField(max_length=120, trim_whitespace=True)
    email = serializers.EmailField(max_length=254)
    phone = serializers.RegexField(PHONE_PATTERN, max_length=40, required=False, allow_blank=True, default="")


class ReservationCreateInput(serializers.Serializer):
    items = serializers.ListField(child=ReservationItemInput(), min_length=1, max_length=MAX_LINES)
    customer = CustomerInput()
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text=_("Language of the e-mails; default: the request's language (Accept-Language)."),
    )
    pickup_date = serializers.DateField(
        required=False,
        help_text=_(
            "The local day of pickup (YYYY-MM-DD), one of the shop's `pickup_days`; default: the first "
            "possible day."
        ),
    )


_PHONE = re.compile(PHONE_PATTERN)
_MAX_PRODUCT_ID = 2**62
_CREATE_KEYS = {"items", "customer", "language", "pickup_date"}
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def reservation_create_input_fast(data: Any) -> dict[str, Any] | None:
    """`ReservationCreateInput.validated_data` for a plainly valid body, built without DRF's field copies
    (the hot path of reserving), or None: then the serializer validates and words the errors. Accepts only
    what the serializer maps to the same data: JSON integers within the bounds, text without surrounding
    whitespace or control characters, an address Django's `validate_email` accepts, a known language."""
    if not isinstance(data, dict) or not {"items", "customer"} <= data.keys() <= _CREATE_KEYS:
        return None
    items, customer = data["items"], data["customer"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_LINES or not isinstance(customer, dict):
        return None
    lines = []
    for item in items:
        if not isinstance(item, dict) or item.keys() != {"product_id", "quantity"}:
            return None
        product_id, quantity = item["product_id"], item["quantity"]
        if type(product_id) is not int or type(quantity) is not int:
            return None
        if not (1 <= product_id <= _MAX_PRODUCT_ID and 1 <= quantity <= 1000):
            return None
        lines.append({"product_id": product_id, "quantity": quantity})
    if not {"name", "email"} <= customer.keys() <= {"name", "email", "phone"}:
        return None
    name, email, phone = customer["name"], customer["email"], customer.get("phone", "")
    if not all(isinstance(value, str) for value in (name, email, phone)):
        return None
    if not name or len(name) > 120 or name != name.strip() or not name.isprintable():
        return None
    if len(email) > 254 or email != email.strip() or not email.isprintable():
        return None
    try:
        validate_email(email)
    except DjangoValidationError:
        return None
    if phone and (len(phone) > 40 or phone != phone.strip() or not _PHONE.fullmatch(phone)):
        return None
    result: dict[str, Any] = {"items": lines, "customer": {"name": name, "email": email, "phone": phone}}
    if "language" in data:
        if not isinstance(data["language"], str) or data["language"] not in dict(settings.LANGUAGES):
            return None
        result["language"] = data["language"]
    if "pickup_date" in data:
        raw = data["pickup_date"]
        if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
            return None
        try:
            result["pickup_date"] = date.fromisoformat(raw)
        except ValueError:
            return None
    return result


class MerchantReservationListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Reservation.Status.choices, required=False)
    pickup_date = serializers.DateField(required=False, help_text=_("Only reservations for this pickup day."))


# --- output -----------------------------------------------------------------------------------------


class ProductBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    gtin = serializers.CharField()
    title = serializers.CharField()
    brand = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, source="unit_price")
    currency = serializers.CharField()


@extend_schema_serializer(deprecate_fields=["address"])
class ShopBriefOutput(serializers.Serializer):
    """The reservation's shop: `postal_address` and `location` as everywhere (decision 1001)."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField(help_text=_("Deprecated: `postal_address.line`."))
    postal_address = ShopAddressSerializer()
    location = LatLngSerializer()
    phone = serializers.CharField()
    time_zone = serializers.CharField()


class ReservationLineOutput(serializers.Serializer):
    product = ProductBriefOutput()
    quantity = serializers.IntegerField()


PickupOutput = type(
    "PickupOutput",
    (serializers.Serializer,),
    {
        "date": serializers.DateField(help_text=_("The local day of pickup the resident chose.")),
        "from": serializers.DateTimeField(help_text=_("Earliest pickup (after the shop's lead time).")),
        "until": serializers.DateTimeField(help_text=_("The hold ends: pick up before this.")),
        "moved": serializers.BooleanField(help_text=_("The pickup was moved to another day (once).")),
    },
)


class ConfirmationOutput(serializers.Serializer):
    required = serializers.BooleanField(
        help_text=_(
            "The hold must be confirmed from the link in the e-mail, or it is released at `confirm_by`."
        )
    )
    confirm_by = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    shop_confirm_by = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "An item without a count (stock mode toggle): the shop confirms it has it (marks the "
            "reservation ready) by then, or the hold lapses. Null when not needed."
        ),
    )


class ReservationOutput(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Reservation.Status.choices)
    shop = ShopBriefOutput()
    items = ReservationLineOutput(many=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    pickup = PickupOutput()
    confirmation = ConfirmationOutput()


class ReservationCreatedOutput(ReservationOutput):
    token = serializers.CharField(help_text=_("The secret for status and cancel; shown only once."))
    url = serializers.URLField(help_text=_("The status page (contains the token)."))


class CustomerOutput(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()


class MerchantReservationOutput(ReservationOutput):
    customer = CustomerOutput()
    stock_conflict = serializers.BooleanField(help_text=_("The till reported less stock than is reserved."))
    ready_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancelled_by = serializers.CharField()


def _iso(value: Any, tz: str = "Europe/Berlin") -> str | None:
    """ISO 8601 in the shop's time zone (API.md: times with offset, in the shop's zone)."""
    return value.astimezone(ZoneInfo(tz)).isoformat() if value is not None else None


def reservation_data(
    reservation: Reservation, lines: Iterable[ReservationLine] | None = None
) -> dict[str, Any]:
    """The shape of `ReservationOutput`, built by hand (lines with products prefetched, or given)."""
    shop = reservation.shop
    currency = settings.LADENKARTE_DEFAULT_PRICE_CURRENCY
    return {
        "code": reservation.code,
        "status": reservation.status,
        "shop": {
            "id": shop.pk,
            "slug": shop.slug,
            "name": shop.name,
            "address": f"{shop.street}, {shop.postcode} {shop.city}",
            "postal_address": shop_address_data(shop),
            "location": {"lat": shop.location.y, "lng": shop.location.x},
            "phone": shop.phone,
            "time_zone": shop.time_zone,
        },
        "items": [
            {
                "product": {
                    "id": line.product.pk,
                    "sku": line.product.sku,
                    "gtin": line.product.gtin,
                    "title": line.product.title,
                    "brand": line.product.brand,
                    "price": str(line.unit_price),
                    "currency": currency,
                },
                "quantity": line.quantity,
            }
            for line in (reservation.lines.all() if lines is None else lines)
        ],
        "created_at": _iso(reservation.created_at, reservation.shop.time_zone),
        "expires_at": _iso(reservation.expires_at, reservation.shop.time_zone),
        "pickup": {
            "from": _iso(reservation.pickup_from, reservation.shop.time_zone),
            "until": _iso(reservation.expires_at, reservation.shop.time_zone),
            "date": (
                reservation.pickup_date
                or reservation.pickup_from.astimezone(ZoneInfo(reservation.shop.time_zone)).date()
            ).isoformat(),
            "moved": reservation.moved_at is not None,
        },
        "confirmation": {
            "required": reservation.confirm_by is not None,
            "confirm_by": _iso(reservation.confirm_by, reservation.shop.time_zone),
            "confirmed_at": _iso(reservation.confirmed_at, reservation.shop.time_zone),
            "shop_confirm_by": _iso(reservation.shop_confirm_by, reservation.shop.time_zone),
        },
    }


def merchant_reservation_data(reservation: Reservation) -> dict[str, Any]:
    data = reservation_data(reservation)
    data.update(
        customer={
            "name": reservation.customer_name,
            "email": reservation.customer_email,
            "phone": reservation.customer_phone,
        },
        stock_conflict=reservation.stock_conflict,
        ready_at=_iso(reservation.ready_at, reservation.shop.time_zone),
        closed_at=_iso(reservation.closed_at, reservation.shop.time_zone),
        cancelled_by=reservation.cancelled_by,
    )
    return data


class PickupDayOutput(serializers.Serializer):
    date = serializers.DateField()
    today = serializers.BooleanField()
    short = serializers.BooleanField(
        help_text=_("Today, with less than the shop's minimum useful window left: offered, not suggested.")
    )
    suggested = serializers.BooleanField(help_text=_("What a form should preselect."))
    starts = serializers.DateTimeField(help_text=_("Pickup possible from (after the lead time)."))
    ends = serializers.DateTimeField(
        help_text=_(
            "Until when the items are held that day: its closing time, or earlier with a shorter hold."
        )
    )


def pickup_days_data(options: Any, tz: str) -> list[dict[str, Any]]:
    """`PickupOptions` as the API shows them (times in the shop's zone)."""
    suggested = options.suggested
    return [
        {
            "date": day.date.isoformat(),
            "today": day.today,
            "short": day.short,
            "suggested": suggested is not None and day.date == suggested.date,
            "starts": _iso(day.starts, tz),
            "ends": _iso(day.ends, tz),
        }
        for day in options.days
    ]


class PickupSettingsSerializer(serializers.Serializer):
    pickup_lead_minutes = serializers.IntegerField(
        min_value=0, max_value=24 * 60, required=False, help_text=_("Minutes to put an item aside.")
    )
    pickup_min_window_minutes = serializers.IntegerField(
        min_value=0,
        max_value=12 * 60,
        required=False,
        help_text=_("Today is suggested only if this long is left after the lead time (default 30)."),
    )
    pickup_days_ahead = serializers.IntegerField(
        min_value=0, max_value=7, required=False, help_text=_("Later opening days offered (default 2).")
    )
    pickup_later_days = serializers.BooleanField(
        required=False, help_text=_("false: only pickup today is accepted.")
    )
    pickup_move_allowed = serializers.BooleanField(
        required=False, help_text=_("Residents may move the pickup to the next opening day once.")
    )
    hold_minutes = serializers.IntegerField(
        min_value=15, allow_null=True, required=False, help_text=_("null: held until that day's closing.")
    )
