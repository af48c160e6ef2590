"""The reference objects every response shares: a shop's address, a location, a category (API.md)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from marketplace.models import Shop
from marketplace.web_pages import web_base


def web(context: dict[str, Any]) -> str:
    """The website's base address in the request's language, worked out once per answer."""
    base = context.get("web_base")
    if base is None:
        base = context["web_base"] = web_base()
    return str(base)


class LatLngSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


def shop_address(shop: Shop) -> str:
    return f"{shop.street}, {shop.postcode} {shop.city}"


class ShopAddressSerializer(serializers.Serializer):
    street = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField(allow_blank=True)


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
