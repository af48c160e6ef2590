"""Reservations (API.md "Residents" and the merchant reservation actions): input and output shapes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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


class MerchantReservationListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Reservation.Status.choices, required=False)


# --- output -----------------------------------------------------------------------------------------


class ProductBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    gtin = serializers.CharField()
    title = serializers.CharField()
    brand = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, source="unit_price")
    currency = serializers.CharField()


class LatLngOutput(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class ShopBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    location = LatLngOutput()
    phone = serializers.CharField()
    time_zone = serializers.CharField()


class ReservationLineOutput(serializers.Serializer):
    product = ProductBriefOutput()
    quantity = serializers.IntegerField()


PickupOutput = type(
    "PickupOutput",
    (serializers.Serializer,),
    {
        "from": serializers.DateTimeField(help_text=_("Earliest pickup (after the shop's lead time).")),
        "until": serializers.DateTimeField(help_text=_("The hold ends: pick up before this.")),
    },
)


class ReservationOutput(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Reservation.Status.choices)
    shop = ShopBriefOutput()
    items = ReservationLineOutput(many=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    pickup = PickupOutput()


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
