"""Output of the city's public endpoints: collections and featured shops (API.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from api.serializers.refs import (
    CategoryRefSerializer,
    ShopRefSerializer,
    absolute,
    category_ref_data,
    shop_address,
    shop_ref_data,
    web,
)
from marketplace.models import Collection, CollectionItem, FeaturedShop, Product, Shop
from marketplace.selectors.stock import AVAILABILITY_LABELS, availability_label
from marketplace.web_pages import collection_page_url, product_page_url


def _english() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("en")


@extend_schema_serializer(deprecate_fields=["address", "district"])
class ShopRefOut(ShopRefSerializer):
    """A shop as collections and featured slots show it: a `ShopRef` with its photo and the v1 fields."""

    address = serializers.CharField(help_text="Deprecated: `postal_address.line`.")
    district = serializers.CharField(allow_blank=True, help_text="Deprecated: `postal_address.district`.")
    photo_url = serializers.CharField(allow_blank=True)

    def to_representation(self, shop: Shop) -> dict[str, Any]:
        return {
            **shop_ref_data(shop, self.context),
            "address": shop_address(shop),
            "district": shop.district,
            "photo_url": shop.photo.url if shop.photo else "",
        }


class ProductRefOut(serializers.Serializer):
    """A listed product in a collection, with what can be reserved now."""

    id = serializers.IntegerField()
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    brand = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    image_url = serializers.CharField(allow_blank=True)
    category_ref = CategoryRefSerializer(allow_null=True)
    available_quantity = serializers.IntegerField()
    availability = serializers.ChoiceField(choices=AVAILABILITY_LABELS)
    stock_fresh = serializers.BooleanField(help_text="Stock confirmed within the last 14 days.")
    shop = ShopRefOut()
    url = serializers.CharField(help_text="The product's page on the website.")
    api_url = serializers.CharField(help_text="The product in the API.")

    def to_representation(self, product: Product) -> dict[str, Any]:
        available = int(getattr(product, "available", 0))
        return {
            "id": product.pk,
            "sku": product.sku,
            "gtin": product.gtin,
            "title": product.title,
            "brand": product.brand,
            "price": f"{product.price:.2f}",
            "currency": settings.LADENKARTE_DEFAULT_PRICE_CURRENCY,
            "image_url": product.image.url if product.image else "",
            "category_ref": category_ref_data(product.category),
            "available_quantity": available,
            "availability": availability_label(available, product.stock_mode),
            "stock_fresh": bool(getattr(product, "stock_fresh", False)),
            "shop": ShopRefOut(context=self.context).to_representation(product.shop),
            "url": product_page_url(pk=product.pk, title=product.title, base=web(self.context)),
            "api_url": absolute(self.context, reverse("api-product-detail", kwargs={"pk": product.pk})),
        }


class CollectionItemOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=["shop", "product"])
    position = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    shop = ShopRefOut(allow_null=True)
    product = ProductRefOut(allow_null=True)

    def to_representation(self, item: CollectionItem) -> dict[str, Any]:
        is_shop = item.shop_id is not None
        return {
            "type": "shop" if is_shop else "product",
            "position": item.position,
            "note": item.note,
            "shop": ShopRefOut(context=self.context).to_representation(item.shop) if is_shop else None,
            "product": None
            if is_shop
            else ProductRefOut(context=self.context).to_representation(item.product),
        }


class CollectionOut(serializers.Serializer):
    """A live collection (title and text in the request's language, German when no English is given)."""

    slug = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    image_url = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()
    publish_from = serializers.DateTimeField(allow_null=True)
    publish_until = serializers.DateTimeField(allow_null=True)
    item_count = serializers.IntegerField(help_text="Visible items (active shops, listed products).")
    url = serializers.CharField(help_text="The collection's page on the website.")
    api_url = serializers.CharField(help_text="The collection in the API.")

    def to_representation(self, collection: Collection) -> dict[str, Any]:
        english = _english()
        field = serializers.DateTimeField()
        return {
            "slug": collection.slug,
            "title": (collection.title_en if english and collection.title_en else collection.title),
            "text": (collection.text_en if english and collection.text_en else collection.text),
            "image_url": collection.image.url if collection.image else "",
            "position": collection.position,
            "publish_from": field.to_representation(collection.publish_from)
            if collection.publish_from
            else None,
            "publish_until": field.to_representation(collection.publish_until)
            if collection.publish_until
            else None,
            "item_count": self._item_count(collection),
            "url": collection_page_url(slug=collection.slug, base=web(self.context)),
            "api_url": absolute(
                self.context, reverse("api-collection-detail", kwargs={"slug": collection.slug})
            ),
        }

    def _item_count(self, collection: Collection) -> int:
        if hasattr(collection, "visible_items"):
            return len(collection.visible_items)
        return int(getattr(collection, "item_count", 0))


class CollectionDetailOut(CollectionOut):
    items = CollectionItemOut(many=True)

    def to_representation(self, collection: Collection) -> dict[str, Any]:
        data = super().to_representation(collection)
        data["items"] = [
            CollectionItemOut(context=self.context).to_representation(item)
            for item in collection.visible_items
        ]
        return data


class FeaturedShopOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(
        allow_blank=True, help_text="The city's headline (the shop name when empty)."
    )
    text = serializers.CharField(allow_blank=True)
    image_url = serializers.CharField(allow_blank=True, help_text="The slot's image, else the shop's photo.")
    position = serializers.IntegerField()
    publish_from = serializers.DateTimeField(allow_null=True)
    publish_until = serializers.DateTimeField(allow_null=True)
    shop = ShopRefOut()

    def to_representation(self, featured: FeaturedShop) -> dict[str, Any]:
        field = serializers.DateTimeField()
        image = featured.image or featured.shop.photo
        return {
            "id": featured.pk,
            "title": featured.title or featured.shop.name,
            "text": featured.text,
            "image_url": image.url if image else "",
            "position": featured.position,
            "publish_from": field.to_representation(featured.publish_from) if featured.publish_from else None,
            "publish_until": field.to_representation(featured.publish_until)
            if featured.publish_until
            else None,
            "shop": ShopRefOut(context=self.context).to_representation(featured.shop),
        }


class DataHealthPartsOut(serializers.Serializer):
    claimed = serializers.FloatField()
    products = serializers.FloatField()
    gtin = serializers.FloatField()
    photo = serializers.FloatField()
    price = serializers.FloatField()
    stock_fresh = serializers.FloatField()
    hours = serializers.FloatField()
    reservations_handled = serializers.FloatField()
    stock_confidence = serializers.FloatField(
        help_text="5 x the stock confidence; full 5 points while it is not known (fewer than 5 signals)"
    )


class DataHealthShopOut(serializers.Serializer):
    """One shop on the data-health board (the city's view; `parts` are the points of the score)."""

    shop_id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.CharField(help_text="active or listed")
    score = serializers.IntegerField(help_text="0-100, lowest first")
    claimed = serializers.BooleanField()
    products = serializers.IntegerField(help_text="listed products")
    gtin_share = serializers.FloatField()
    photo_share = serializers.FloatField()
    price_share = serializers.FloatField()
    stock_age_days = serializers.FloatField(allow_null=True, help_text="since the newest stock confirmation")
    hours_confirmed_at = serializers.DateTimeField(allow_null=True)
    open_unhandled = serializers.IntegerField(help_text="held reservations not marked ready after 2 hours")
    no_show_rate = serializers.FloatField(allow_null=True, help_text="of the last 90 days' finished pickups")
    stock_confidence = serializers.FloatField(
        allow_null=True,
        help_text='0-1: (yes + half of partly) / ("was it there?" answers + no-shows) of the last 180 days; '
        "null below 5 signals (the same figure as in the search)",
    )
    stock_signals = serializers.IntegerField(help_text="answers and no-shows of the last 180 days")
    parts = DataHealthPartsOut()


class DataHealthTotalsOut(serializers.Serializer):
    shops = serializers.IntegerField()
    claimed = serializers.IntegerField()
    listings = serializers.IntegerField()
    average_score = serializers.FloatField()
    stale_stock = serializers.IntegerField()
    products = serializers.IntegerField()


class DataHealthHistoryOut(serializers.Serializer):
    date = serializers.DateField()
    totals = DataHealthTotalsOut()


class DataHealthOut(serializers.Serializer):
    totals = DataHealthTotalsOut()
    history = DataHealthHistoryOut(many=True)
    shops = DataHealthShopOut(many=True)
