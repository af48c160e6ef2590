"""The reference objects every response shares (API.md "One shape per thing", decision 1001).

A shop's address is `ShopAddress`, a point is `LatLng`, a category is `CategoryRef`, a shop inside another
resource (a search hit, a product, a collection item, a featured slot) is `ShopRef`. Each has one function
building its plain data, used by the serializers and by the hand-built search answer alike, so the shape
is written once. Older fields with another shape stay in v1, marked deprecated in the schema.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from marketplace.models import Category, Shop
from marketplace.web_pages import shop_page_url, web_base


def web(context: dict[str, Any]) -> str:
    """The website's base address in the request's language, worked out once per answer."""
    base = context.get("web_base")
    if base is None:
        base = context["web_base"] = web_base()
    return str(base)


def absolute(context: dict[str, Any], path: str) -> str:
    """`path` as an absolute address on the API's host (as the request reached it)."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- address ----------------------------------------------------------------------------------------


class ShopAddressSerializer(serializers.Serializer):
    """A shop's postal address: the same object wherever a shop appears."""

    street = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField(allow_blank=True)
    line = serializers.CharField(help_text=_("Street, postcode and town in one line."))


def address_line(*, street: str, postcode: str, city: str) -> str:
    """The address in one line, "Hauptstraße 1, 12345 Musterstadt"."""
    return f"{street}, {postcode} {city}"


def address_data(*, street: str, postcode: str, city: str, district: str) -> dict[str, str]:
    """The data of `ShopAddressSerializer`."""
    return {
        "street": street,
        "postcode": postcode,
        "city": city,
        "district": district,
        "line": address_line(street=street, postcode=postcode, city=city),
    }


def shop_address_data(shop: Shop) -> dict[str, str]:
    return address_data(street=shop.street, postcode=shop.postcode, city=shop.city, district=shop.district)


def shop_address(shop: Shop) -> str:
    """The one-line address (the deprecated string `address` of v1)."""
    return address_line(street=shop.street, postcode=shop.postcode, city=shop.city)


# --- location ---------------------------------------------------------------------------------------


class LatLngSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


def shop_location_data(shop: Shop) -> dict[str, float]:
    """The data of `LatLngSerializer` for a shop (WGS 84)."""
    return {"lat": shop.location.y, "lng": shop.location.x}


# --- category ---------------------------------------------------------------------------------------


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(help_text=_("The German name."))


def category_ref_data(category: Category | None) -> dict[str, str] | None:
    """The data of `CategoryRefSerializer`, None without a category."""
    return None if category is None else {"slug": category.slug, "name": category.name}


def category_refs_data(categories: Any) -> list[dict[str, str]]:
    """Several categories (a prefetched manager or an iterable) as `CategoryRef` objects."""
    items = categories.all() if hasattr(categories, "all") else categories
    return [{"slug": category.slug, "name": category.name} for category in items]


# --- shop reference ---------------------------------------------------------------------------------


class ShopRefSerializer(serializers.Serializer):
    """A shop inside another resource; the shop endpoints answer a superset of these fields."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    postal_address = ShopAddressSerializer()
    location = LatLngSerializer()
    url = serializers.URLField(help_text=_("The shop's page on the website."))
    api_url = serializers.URLField(help_text=_("The shop in the API."))


def shop_ref_data(shop: Shop, context: dict[str, Any]) -> dict[str, Any]:
    """The data of `ShopRefSerializer`."""
    return {
        "id": shop.pk,
        "slug": shop.slug,
        "name": shop.name,
        "postal_address": shop_address_data(shop),
        "location": shop_location_data(shop),
        "url": shop_page_url(slug=shop.slug, base=web(context)),
        "api_url": absolute(context, reverse("api-shop-detail", kwargs={"slug": shop.slug})),
    }
