"""Residents' API (API.md "Residents"): input serializers validate query strings, output ones shape data.

The search answer is rendered by hand with orjson (`api.views.public.search_hit_json`, the hot path);
`SearchPageSerializer` describes exactly that shape for the OpenAPI schema and is checked against it in tests.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api.serializers.reservations import PickupDayOutput
from marketplace.models import Product, Shop, StockMode
from marketplace.selectors import search as search_selector
from marketplace.selectors.shops import HOURS_MAX_DAYS
from marketplace.selectors.stock import AVAILABILITY_LABELS, STOCK_MODE_HELP, availability_label
from marketplace.services.accessibility import ACCESSIBILITY_FIELDS
from marketplace.services.images import media_url
from marketplace.web_pages import product_page_url, shop_page_url, web_base

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"


class FiniteFloatField(serializers.FloatField):
    """A float that is a real number (no NaN, no infinity)."""

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError(_("A finite number is required."))
        return value


# --- input ------------------------------------------------------------------------------------------


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


class ShopFilterSerializer(serializers.Serializer):
    """Filters of `GET /shops/` and `GET /shops/map/`."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text=_("Name, description or category."),
    )
    category = serializers.SlugField(
        required=False, default="", help_text=_("Category slug (includes sub-categories).")
    )
    featured = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Only (or, with false, no) featured shops."),
    )
    step_free = serializers.BooleanField(default=False, help_text=_("Only shops with a step-free entrance."))
    in_bbox = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Bounding box `minLng,minLat,maxLng,maxLat`."),
    )
    lat = FiniteFloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None)
    lng = FiniteFloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    radius_km = FiniteFloatField(
        min_value=search_selector.RADIUS_MIN_KM,
        max_value=search_selector.RADIUS_MAX_KM,
        default=search_selector.RADIUS_DEFAULT_KM,
        help_text=_("With `lat`/`lng`: only shops within this radius, nearest first."),
    )

    def validate_in_bbox(self, value: str) -> tuple[float, float, float, float] | None:
        if not value:
            return None
        try:
            parts = [float(part) for part in value.split(",")]
        except ValueError:
            raise serializers.ValidationError(_("Use four numbers: minLng,minLat,maxLng,maxLat.")) from None
        if len(parts) != 4 or not all(math.isfinite(part) for part in parts):
            raise serializers.ValidationError(_("Use four numbers: minLng,minLat,maxLng,maxLat."))
        min_lng, min_lat, max_lng, max_lat = parts
        if not (-180 <= min_lng < max_lng <= 180 and -90 <= min_lat < max_lat <= 90):
            raise serializers.ValidationError(
                _("The box must lie within -180..180 / -90..90 with minimum below maximum.")
            )
        return (min_lng, min_lat, max_lng, max_lat)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("lat") is None) != (attrs.get("lng") is None):
            missing = "lng" if attrs.get("lng") is None else "lat"
            raise serializers.ValidationError({missing: [_("Give both lat and lng.")]})
        return attrs


class HoursQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("First date (default: today in the shop's zone)."),
    )
    days = serializers.IntegerField(min_value=1, max_value=HOURS_MAX_DAYS, default=7)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


# --- output -----------------------------------------------------------------------------------------


def _web(context: dict[str, Any]) -> str:
    """The website's base address in the request's language, worked out once per answer."""
    base = context.get("web_base")
    if base is None:
        base = context["web_base"] = web_base()
    return str(base)


class LatLngSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


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
    category = serializers.CharField(allow_null=True, help_text=_("Category slug."))
    url = serializers.URLField(help_text=_("The product's page on the website."))
    api_url = serializers.URLField(help_text=_("The product in the API."))


class SearchShopSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField(help_text=_("Street, postcode and town in one line."))
    location = LatLngSerializer()
    url = serializers.URLField(help_text=_("The shop's page on the website."))
    api_url = serializers.URLField(help_text=_("The shop in the API."))


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


def shop_address(shop: Shop) -> str:
    return f"{shop.street}, {shop.postcode} {shop.city}"


class ShopAddressSerializer(serializers.Serializer):
    street = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField(allow_blank=True)


class AccessibilitySerializer(serializers.Serializer):
    """A shop's accessibility facts (decision 1700); false and empty mean "not stated"."""

    step_free = serializers.ChoiceField(
        choices=["", *Shop.StepFree.values],
        allow_blank=True,
        help_text=_("Step-free entrance: yes, limited, no, or empty when not known."),
    )
    accessible_toilet = serializers.BooleanField()
    seating = serializers.BooleanField()
    quiet_hours = serializers.CharField(allow_blank=True, help_text=_("Quiet hours as the shop words them."))
    hearing_loop = serializers.BooleanField()
    disabled_parking_nearby = serializers.BooleanField()


class ShopSerializer(serializers.ModelSerializer):
    """A shop in lists: address, location, categories, practical attributes, pickup today."""

    address = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    # empty when the shop has none, so not typed as uri/email in the schema
    email = serializers.CharField(read_only=True, help_text=_("The shop's e-mail address; empty when none."))
    website = serializers.CharField(read_only=True, help_text=_("The shop's own website; empty when none."))
    url = serializers.SerializerMethodField(help_text=_("The shop's page on the website."))
    api_url = serializers.HyperlinkedIdentityField(view_name="api-shop-detail", lookup_field="slug")
    step_free_entrance = serializers.SerializerMethodField(
        help_text=_("True when `accessibility.step_free` is `yes` (kept for older clients).")
    )
    accessibility = serializers.SerializerMethodField()
    distance_m = serializers.SerializerMethodField()
    open_now = serializers.SerializerMethodField()
    pickup_today_until = serializers.SerializerMethodField()
    listing = serializers.BooleanField(
        source="is_listing",
        read_only=True,
        help_text=_("A listing from OpenStreetMap, not on Ladenkarte yet: no products, no reservations."),
    )
    attribution = serializers.SerializerMethodField(
        help_text=_("Credit to show with the shop's data when it came from OpenStreetMap; else empty.")
    )

    class Meta:
        model = Shop
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "address",
            "location",
            "categories",
            "phone",
            "email",
            "website",
            "photo_url",
            "step_free_entrance",
            "accessibility",
            "card_payment",
            "bicycle_parking",
            "gift_wrapping",
            "url",
            "api_url",
            "distance_m",
            "open_now",
            "pickup_today_until",
            "listing",
            "attribution",
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_step_free_entrance(self, shop: Shop) -> bool:
        return shop.step_free == Shop.StepFree.YES

    @extend_schema_field(AccessibilitySerializer)
    def get_accessibility(self, shop: Shop) -> dict[str, Any]:
        return {name: getattr(shop, name) for name in ACCESSIBILITY_FIELDS}

    @extend_schema_field(serializers.CharField())
    def get_attribution(self, shop: Shop) -> str:
        return OSM_ATTRIBUTION if hasattr(shop, "osm") else ""

    @extend_schema_field(ShopAddressSerializer)
    def get_address(self, shop: Shop) -> dict[str, str]:
        return {
            "street": shop.street,
            "postcode": shop.postcode,
            "city": shop.city,
            "district": shop.district,
        }

    @extend_schema_field(LatLngSerializer)
    def get_location(self, shop: Shop) -> dict[str, float]:
        return {"lat": shop.location.y, "lng": shop.location.x}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, shop: Shop) -> list[str]:
        return [category.slug for category in shop.categories.all()]

    @extend_schema_field(serializers.URLField())
    def get_url(self, shop: Shop) -> str:
        return shop_page_url(slug=shop.slug, base=_web(self.context))

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_photo_url(self, shop: Shop) -> str:
        return shop.photo.url if shop.photo else ""

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text=_("With lat/lng: metres.")))
    def get_distance_m(self, shop: Shop) -> int | None:
        distance = getattr(shop, "distance", None)
        return None if distance is None else round(distance.m)

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, shop: Shop) -> bool:
        board, now = self.context["board"], self.context["now"]
        return bool(board.is_open(shop.pk, now))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pickup_today_until(self, shop: Shop) -> str | None:
        board, now = self.context["board"], self.context["now"]
        until = board.pickup_today_until(shop.pk, now)
        return None if until is None else until.isoformat()


class IntervalSerializer(serializers.Serializer):
    opens = serializers.CharField(help_text="HH:MM")
    closes = serializers.CharField(help_text=_("HH:MM; earlier than `opens` means after midnight."))


class WeeklyHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 = Monday ... 6 = Sunday"))
    opens = serializers.CharField()
    closes = serializers.CharField()


class DayHoursSerializer(serializers.Serializer):
    date = serializers.DateField()
    closed = serializers.BooleanField()
    intervals = IntervalSerializer(many=True)
    reason = serializers.CharField(allow_blank=True, help_text=_("Holiday or special day, else empty."))
    source = serializers.ChoiceField(
        choices=["weekly", "city", "shop"],
        help_text=_("weekly hours, city calendar or the shop's special day"),
    )


class TodaySerializer(serializers.Serializer):
    opens = serializers.DateTimeField()
    closes = serializers.DateTimeField()
    intervals = IntervalSerializer(many=True)


class ShopDetailSerializer(ShopSerializer):
    """One shop with its hours: weekly hours, today, upcoming special days, pickup."""

    opening_hours = WeeklyHoursSerializer(many=True, read_only=True, source="weekly_hours")
    today = TodaySerializer(allow_null=True, read_only=True)
    special_days = DayHoursSerializer(many=True, read_only=True, source="special_days_ahead")
    next_pickup_from = serializers.DateTimeField(allow_null=True, read_only=True)
    social_links = serializers.DictField(child=serializers.CharField(), read_only=True)
    time_zone = serializers.CharField(read_only=True)
    pickup_lead_minutes = serializers.IntegerField(read_only=True)
    hold_minutes = serializers.IntegerField(allow_null=True, read_only=True)
    pickup_days = PickupDayOutput(
        many=True,
        read_only=True,
        help_text=_("The days a reservation placed now can be collected (`pickup_date` of a reservation)."),
    )

    class Meta(ShopSerializer.Meta):
        fields = [
            *ShopSerializer.Meta.fields,
            "social_links",
            "time_zone",
            "pickup_lead_minutes",
            "hold_minutes",
            "opening_hours",
            "today",
            "special_days",
            "next_pickup_from",
            "pickup_days",
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, shop: Shop) -> bool:
        return bool(shop.open_now)  # type: ignore[attr-defined]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pickup_today_until(self, shop: Shop) -> str | None:
        until = shop.pickup_today_until  # type: ignore[attr-defined]
        return None if until is None else until.isoformat()


class ShopMapSerializer(GeoFeatureModelSerializer):
    """A shop as a GeoJSON feature for the map."""

    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text=_("The shop's page on the website."))
    api_url = serializers.HyperlinkedIdentityField(view_name="api-shop-detail", lookup_field="slug")
    open_now = serializers.SerializerMethodField()
    pickup_today_until = serializers.SerializerMethodField()
    listing = serializers.BooleanField(
        source="is_listing", read_only=True, help_text=_("Not on Ladenkarte yet (from OpenStreetMap).")
    )

    class Meta:
        model = Shop
        geo_field = "location"
        id_field = "id"
        fields = [
            "id",
            "slug",
            "name",
            "street",
            "postcode",
            "city",
            "categories",
            "url",
            "api_url",
            "open_now",
            "pickup_today_until",
            "listing",
        ]

    @extend_schema_field(serializers.URLField())
    def get_url(self, shop: Shop) -> str:
        return shop_page_url(slug=shop.slug, base=_web(self.context))

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, shop: Shop) -> bool:
        return bool(self.context["board"].is_open(shop.pk, self.context["now"]))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pickup_today_until(self, shop: Shop) -> str | None:
        until = self.context["board"].pickup_today_until(shop.pk, self.context["now"])
        return None if until is None else until.isoformat()


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ProductSerializer(serializers.ModelSerializer):
    """A listed product with what can be reserved now."""

    gtin = serializers.CharField(read_only=True, help_text=_("8, 12, 13 or 14 digits; empty when unknown."))
    currency = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    image_thumb_url = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
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
        return product_page_url(pk=product.pk, title=product.title, base=_web(self.context))

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
        category = product.category
        return None if category is None else {"slug": category.slug, "name": category.name}

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


class ProductShopSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    location = LatLngSerializer()
    url = serializers.URLField(help_text=_("The shop's page on the website."))
    api_url = serializers.URLField(help_text=_("The shop in the API."))


class ProductDetailSerializer(ProductSerializer):
    shop = serializers.SerializerMethodField()
    pickup_today_until = serializers.DateTimeField(allow_null=True, read_only=True)
    next_pickup_from = serializers.DateTimeField(allow_null=True, read_only=True)
    open_now = serializers.BooleanField(read_only=True)

    class Meta(ProductSerializer.Meta):
        fields = [
            *ProductSerializer.Meta.fields,
            "shop",
            "pickup_today_until",
            "next_pickup_from",
            "open_now",
        ]

    @extend_schema_field(ProductShopSerializer)
    def get_shop(self, product: Product) -> dict[str, Any]:
        shop = product.shop
        request = self.context["request"]
        return {
            "id": shop.pk,
            "slug": shop.slug,
            "name": shop.name,
            "address": shop_address(shop),
            "location": {"lat": shop.location.y, "lng": shop.location.x},
            "url": shop_page_url(slug=shop.slug, base=_web(self.context)),
            "api_url": request.build_absolute_uri(reverse("api-shop-detail", kwargs={"slug": shop.slug})),
        }


class CategoryTreeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    children = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(), help_text=_("Same shape, nested."))
    )
    def get_children(self, node: Any) -> list[dict[str, Any]]:
        return [CategoryTreeSerializer(child).data for child in node.children]


def hours_day_data(day: Any) -> dict[str, Any]:
    return {
        "date": day.date.isoformat() if isinstance(day.date, date) else day.date,
        "closed": day.closed,
        "intervals": [
            {"opens": interval.opens.strftime("%H:%M"), "closes": interval.closes.strftime("%H:%M")}
            for interval in day.intervals
        ],
        "reason": day.reason,
        "source": day.source,
    }
