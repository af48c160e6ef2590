"""The nearby search (API.md "Search"): the query serializer and the answer's shape.

The search answer is rendered by hand with orjson (`api.views.public.search_hit_json`, the hot path);
`SearchPageSerializer` describes exactly that shape for the OpenAPI schema and is checked against it in tests.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from api.serializers.fields import FiniteFloatField
from api.serializers.refs import CategoryRefSerializer, ShopRefSerializer
from marketplace.models import StockMode
from marketplace.selectors import search as search_selector
from marketplace.selectors.stock import AVAILABILITY_LABELS, STOCK_MODE_HELP


class SearchQuerySerializer(serializers.Serializer):
    lat = FiniteFloatField(min_value=-90, max_value=90, help_text=_("Latitude of the resident (WGS 84)."))
    lng = FiniteFloatField(min_value=-180, max_value=180, help_text=_("Longitude of the resident (WGS 84)."))
    radius_km = FiniteFloatField(
        min_value=search_selector.RADIUS_MIN_KM,
        max_value=search_selector.RADIUS_MAX_KM,
        default=search_selector.RADIUS_DEFAULT_KM,
        help_text=_("Search radius in km (0.1 to 50)."),
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=search_selector.Q_MAX_LENGTH,
        default="",
        help_text=_(
            "German text search over title, brand, description and category; umlaut spellings "
            "(ü/ue/u) and typos are tolerated."
        ),
    )
    category = serializers.SlugField(
        required=False, allow_blank=True, default="", help_text=_("Category slug (includes sub-categories).")
    )
    available_today = serializers.BooleanField(
        default=True,
        help_text=_(
            "Only items in stock (confirmed within 14 days) at shops where pickup is still possible today. "
            "`false` also lists items of shops closed today (see `next_pickup_from`) and fully reserved or "
            "stale stock."
        ),
    )
    open_now = serializers.BooleanField(default=False, help_text=_("Only shops open right now."))
    max_price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Price cap in EUR."),
    )
    shop = serializers.SlugField(required=False, allow_blank=True, default="", help_text=_("Shop slug."))
    step_free = serializers.BooleanField(
        default=False,
        help_text=_("Only shops with a step-free entrance (as the shop or OpenStreetMap says)."),
    )
    ordering = serializers.ChoiceField(
        choices=search_selector.ORDERINGS,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "`distance`, `price`, `-price` or `relevance` (text match weighted with distance). Default: "
            "`relevance` with `q`, else `distance`. `price`, `-price` and `relevance` order the nearest "
            "500 matches within the radius."
        ),
    )
    page = serializers.IntegerField(min_value=1, default=1, help_text=_("Page number (1-based)."))
    page_size = serializers.IntegerField(
        min_value=1,
        max_value=search_selector.PAGE_SIZE_MAX,
        default=20,
        help_text=_("Results per page (max 100)."),
    )


@extend_schema_serializer(deprecate_fields=["category"])
class SearchProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    brand = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, help_text=_("Decimal string, EUR."))
    currency = serializers.CharField(default="EUR")
    image_url = serializers.CharField(allow_blank=True)
    image_thumb_url = serializers.CharField(allow_blank=True, help_text=_("A small WebP of the photo."))
    category = serializers.CharField(allow_null=True, help_text=_("Deprecated: `category_ref.slug`."))
    category_ref = CategoryRefSerializer(allow_null=True)
    url = serializers.URLField(help_text=_("The product's page on the website."))
    api_url = serializers.URLField(help_text=_("The product in the API."))


class StockConfidenceSerializer(serializers.Serializer):
    """How often the shop's stock shown matched its shelf (decision 1700)."""

    share = serializers.FloatField(
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text=_("(yes + half of partly) / signals, 0-1; null below 5 signals (too few to say anything)."),
    )
    signals = serializers.IntegerField(
        min_value=0,
        help_text=_(
            '"Was everything there?" answers of residents after a pickup and no-shows, last 180 days.'
        ),
    )


@extend_schema_serializer(deprecate_fields=["address"])
class SearchShopSerializer(ShopRefSerializer):
    """The hit's shop: a `ShopRef` with the one-line `address` of v1."""

    address = serializers.CharField(help_text=_("Deprecated: `postal_address.line`."))
    stock_confidence = StockConfidenceSerializer()


class SearchHitSerializer(serializers.Serializer):
    product = SearchProductSerializer()
    shop = SearchShopSerializer()
    distance_m = serializers.IntegerField(help_text=_("Distance in metres."))
    available_quantity = serializers.IntegerField(
        help_text=_("Units that can be reserved now (0 when the stock is older than 14 days).")
    )
    availability = serializers.ChoiceField(choices=AVAILABILITY_LABELS)
    stock_mode = serializers.ChoiceField(choices=StockMode.choices, help_text=STOCK_MODE_HELP)
    stock_updated_at = serializers.DateTimeField(help_text=_("When the shop last confirmed this stock."))
    stock_fresh = serializers.BooleanField(help_text=_("Stock confirmed within the last 14 days."))
    pickup_today_until = serializers.DateTimeField(
        allow_null=True, help_text=_("Pickup possible today until (shop's local time), else null.")
    )
    next_pickup_from = serializers.DateTimeField(
        allow_null=True, help_text=_("When not collectable today: the earliest next pickup.")
    )
    open_now = serializers.BooleanField()
    relevance = serializers.FloatField(allow_null=True, help_text=_("Text rank (with `q`), else null."))


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        allow_null=True,
        help_text=_("Number of results; null while more pages follow (see `has_more`)."),
    )
    has_more = serializers.BooleanField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    ordering = serializers.ChoiceField(choices=search_selector.ORDERINGS)
    corrections = serializers.DictField(
        child=serializers.CharField(), help_text=_("Query words that were also searched as a known word.")
    )
    results = SearchHitSerializer(many=True)
