"""Template filters of the website: `{% load display %}` then `{{ product.price|money }}` etc."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from frontend import formatting
from marketplace.selectors.media import media_url
from marketplace.selectors.stock import availability_label

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def money(value: Decimal | float | int | None) -> str:
    return formatting.money(value)


@register.filter
def distance(metres: float | int | None) -> str:
    return formatting.distance(metres)


@register.filter
def availability_words(available: int | None) -> str:
    return formatting.availability_words(available)


@register.filter
def stock_words(product: object) -> str:
    """What residents read about a product annotated by `products_with_availability` ("5 auf Lager",
    "ausverkauft", "Bestand nicht bestätigt")."""
    return formatting.availability_words(
        getattr(product, "available", 0),
        fresh=bool(getattr(product, "stock_fresh", False)),
        mode=getattr(product, "stock_mode", "counted"),
    )


@register.filter
def photo_thumb(product: object) -> str:
    """The URL of a product's small WebP, else of its photo ("" without one)."""
    thumb = getattr(product, "image_thumb", "")
    if thumb:
        return media_url(thumb)
    image = getattr(product, "image", None)
    return image.url if image else ""


@register.filter
def stock_mode_note(product: object) -> str:
    """What the product's stock mode means for a resident ("" for counted stock)."""
    return formatting.stock_mode_note(getattr(product, "stock_mode", "counted"))


@register.filter
def stock_code(product: object) -> str:
    """The availability label of a product annotated by `products_with_availability` (badge modifier)."""
    return availability_label(
        int(getattr(product, "available", 0) or 0), getattr(product, "stock_mode", "counted")
    )


@register.filter
def freshness(updated_at: datetime | None) -> str:
    return formatting.freshness(updated_at)


@register.filter
def shop_clock(moment: datetime | None, tz_name: str) -> str:
    """`{{ reservation.expires_at|shop_clock:shop.time_zone }}` -> "18:00"."""
    return formatting.clock(moment, tz_name) if moment else ""


@register.filter
def shop_date(moment: datetime | None, tz_name: str) -> str:
    return formatting.date_long(moment, tz_name) if moment else ""


@register.filter
def hhmm(value: object) -> str:
    """A `datetime.time` as "09:00"."""
    return value.strftime("%H:%M") if hasattr(value, "strftime") else ""


@register.filter
def availability_code(available: int | None) -> str:
    """`in_stock`, `limited` or `out_of_stock` (CSS modifier of the availability badge)."""
    return availability_label(int(available or 0))


@register.filter
def ld_json(data: object) -> SafeString:
    """schema.org data as `<script type="application/ld+json">` (data, not script: CSP does not run it)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
