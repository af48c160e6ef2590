"""Products for residents (API.md "Products"): a shop's products and one product with its shop."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api.serializers.refs import (
    CategoryRefSerializer,
    ShopRefSerializer,
    category_ref_data,
    shop_address,
    shop_ref_data,
    web,
)
from marketplace.models import Product
from marketplace.selectors.media import media_url
from marketplace.selectors.pickup import PickupStatus
from marketplace.selectors.stock import AVAILABILITY_LABELS, STOCK_MODE_HELP, availability_label
from marketplace.web_pages import product_page_url


@extend_schema_serializer(deprecate_fields=["category"])
class ProductSerializer(serializers.ModelSerializer):
    """A listed product with what can be reserved now."""

    gtin = serializers.CharField(read_only=True, help_text=_("8, 12, 13 or 14 digits; empty when unknown."))
    currency = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    image_thumb_url = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField(help_text=_("Deprecated: the same as `category_ref`."))
    category_ref = serializers.SerializerMethodField()
    available_quantity = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField()
    stock_fresh = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text=_("The product's page on the website."))
    api_url = serializers.HyperlinkedIdentityField(view_name="api-product-detail")

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "gtin",
            "title",
            "brand",
            "description",
            "price",
            "currency",
            "image_url",
            "category",
            "category_ref",
            "available_quantity",
            "availability",
            "stock_updated_at",
            "stock_fresh",
            "url",
            "api_url",
            "stock_mode",
            "image_thumb_url",
        ]
        extra_kwargs = {"stock_mode": {"help_text": STOCK_MODE_HELP}}

    @extend_schema_field(serializers.URLField())
    def get_url(self, product: Product) -> str:
        return product_page_url(pk=product.pk, title=product.title, base=web(self.context))

    @extend_schema_field(serializers.CharField())
    def get_currency(self, product: Product) -> str:
        return settings.LADENKARTE_DEFAULT_PRICE_CURRENCY

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_image_url(self, product: Product) -> str:
        return product.image.url if product.image else ""

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_image_thumb_url(self, product: Product) -> str:
        return media_url(product.image_thumb)

    @extend_schema_field(CategoryRefSerializer(allow_null=True))
    def get_category(self, product: Product) -> dict[str, str] | None:
        return category_ref_data(product.category)

    @extend_schema_field(CategoryRefSerializer(allow_null=True))
    def get_category_ref(self, product: Product) -> dict[str, str] | None:
        return category_ref_data(product.category)

    @extend_schema_field(serializers.IntegerField())
    def get_available_quantity(self, product: Product) -> int:
        # annotated by `marketplace.selectors.stock.products_with_availability` (the availability rule)
        return int(product.available)  # type: ignore[attr-defined]

    @extend_schema_field(serializers.ChoiceField(choices=AVAILABILITY_LABELS))
    def get_availability(self, product: Product) -> str:
        return availability_label(self.get_available_quantity(product), product.stock_mode)

    @extend_schema_field(serializers.BooleanField())
    def get_stock_fresh(self, product: Product) -> bool:
        return bool(product.stock_fresh)  # type: ignore[attr-defined]


@extend_schema_serializer(deprecate_fields=["address"])
class ProductShopSerializer(ShopRefSerializer):
    """The product's shop: a `ShopRef` with the one-line `address` of v1."""

    address = serializers.CharField(help_text=_("Deprecated: `postal_address.line`."))


_DATETIME = serializers.DateTimeField()  # ISO 8601 in the current zone, as DRF writes datetimes


class ProductDetailSerializer(ProductSerializer):
    """One listed product with its shop and when it can be picked up."""

    # pickup comes from the shop's `PickupStatus` (`selectors.pickup.shop_pickup_status`), context `status`

    shop = serializers.SerializerMethodField()
    pickup_today_until = serializers.SerializerMethodField()
    next_pickup_from = serializers.SerializerMethodField()
    open_now = serializers.SerializerMethodField()

    class Meta(ProductSerializer.Meta):
        fields = [
            *ProductSerializer.Meta.fields,
            "shop",
            "pickup_today_until",
            "next_pickup_from",
            "open_now",
        ]

    def _status(self) -> PickupStatus:
        status: PickupStatus = self.context["status"]
        return status

    @extend_schema_field(ProductShopSerializer)
    def get_shop(self, product: Product) -> dict[str, Any]:
        return {**shop_ref_data(product.shop, self.context), "address": shop_address(product.shop)}

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pickup_today_until(self, product: Product) -> str | None:
        until = self._status().pickup_today_until
        return None if until is None else _DATETIME.to_representation(until)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_pickup_from(self, product: Product) -> str | None:
        following = self._status().next_pickup_from
        return None if following is None else _DATETIME.to_representation(following)

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, product: Product) -> bool:
        return self._status().open_now
