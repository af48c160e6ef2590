"""Shops for residents (API.md "Shops"): the list filters, a shop in lists, one shop, the GeoJSON map."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api.serializers.fields import FiniteFloatField
from api.serializers.hours import DayHoursSerializer, TodaySerializer, WeeklyHoursSerializer, hours_day_data
from api.serializers.refs import (
    CategoryRefSerializer,
    LatLngSerializer,
    ShopAddressSerializer,
    category_refs_data,
    shop_address_data,
    shop_location_data,
    web,
)
from api.serializers.reservations import PickupDayOutput, pickup_days_data
from marketplace.models import Shop
from marketplace.selectors import search as search_selector
from marketplace.selectors.shops import ShopWeek
from marketplace.services.accessibility import ACCESSIBILITY_FIELDS
from marketplace.social_links import social_links_safe
from marketplace.web_pages import shop_page_url

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"


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


@extend_schema_serializer(deprecate_fields=["address", "categories", "step_free_entrance"])
class ShopSerializer(serializers.ModelSerializer):
    """A shop in lists: address, location, categories, practical attributes, pickup today.

    A superset of `ShopRef`: `postal_address`, `location` and `category_refs` have the same shape everywhere.
    """

    address = serializers.SerializerMethodField(help_text=_("Deprecated: the same as `postal_address`."))
    postal_address = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField(help_text=_("Deprecated: the slugs of `category_refs`."))
    category_refs = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    # empty when the shop has none, so not typed as uri/email in the schema
    email = serializers.CharField(read_only=True, help_text=_("The shop's e-mail address; empty when none."))
    website = serializers.CharField(read_only=True, help_text=_("The shop's own website; empty when none."))
    url = serializers.SerializerMethodField(help_text=_("The shop's page on the website."))
    api_url = serializers.HyperlinkedIdentityField(view_name="api-shop-detail", lookup_field="slug")
    step_free_entrance = serializers.SerializerMethodField(
        help_text=_("Deprecated: true when `accessibility.step_free` is `yes` (kept for older clients).")
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
            "postal_address",
            "location",
            "categories",
            "category_refs",
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
        return shop_address_data(shop)

    @extend_schema_field(ShopAddressSerializer)
    def get_postal_address(self, shop: Shop) -> dict[str, str]:
        return shop_address_data(shop)

    @extend_schema_field(LatLngSerializer)
    def get_location(self, shop: Shop) -> dict[str, float]:
        return shop_location_data(shop)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, shop: Shop) -> list[str]:
        return [category.slug for category in shop.categories.all()]

    @extend_schema_field(CategoryRefSerializer(many=True))
    def get_category_refs(self, shop: Shop) -> list[dict[str, str]]:
        return category_refs_data(shop.categories)

    @extend_schema_field(serializers.URLField())
    def get_url(self, shop: Shop) -> str:
        return shop_page_url(slug=shop.slug, base=web(self.context))

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


_DATETIME = serializers.DateTimeField()  # ISO 8601 in the current zone, as DRF writes datetimes


class SocialLinksField(serializers.DictField):
    """Network name -> http(s) URL; only links that pass `marketplace.social_links` (a stored value from
    before the rule, a list or a `javascript:` URL, never breaks the answer or reaches a client)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(), read_only=True, **kwargs)

    def to_representation(self, value: Any) -> dict[str, Any]:
        return dict(super().to_representation(social_links_safe(value)))


class ShopDetailSerializer(ShopSerializer):
    """One shop with its hours: weekly hours, today, upcoming special days, pickup."""

    # hours and pickup come from the `ShopWeek` (`selectors.shops.shop_week`) in the context, key `week`

    opening_hours = serializers.SerializerMethodField()
    today = serializers.SerializerMethodField()
    special_days = serializers.SerializerMethodField()
    next_pickup_from = serializers.SerializerMethodField()
    social_links = SocialLinksField()
    time_zone = serializers.CharField(read_only=True)
    pickup_lead_minutes = serializers.IntegerField(read_only=True)
    hold_minutes = serializers.IntegerField(allow_null=True, read_only=True)
    pickup_days = serializers.SerializerMethodField(
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

    def _week(self) -> ShopWeek:
        week: ShopWeek = self.context["week"]
        return week

    @extend_schema_field(WeeklyHoursSerializer(many=True))
    def get_opening_hours(self, shop: Shop) -> list[dict[str, Any]]:
        weekly = self._week().weekly
        return [
            {"weekday": weekday, "opens": i.opens.strftime("%H:%M"), "closes": i.closes.strftime("%H:%M")}
            for weekday in sorted(weekly)
            for i in weekly[weekday]
        ]

    @extend_schema_field(TodaySerializer(allow_null=True))
    def get_today(self, shop: Shop) -> dict[str, Any] | None:
        windows = self._week().today_windows
        if not windows:
            return None
        return {
            "opens": _DATETIME.to_representation(windows[0].start),
            "closes": _DATETIME.to_representation(windows[-1].end),
            "intervals": [
                {"opens": w.start.strftime("%H:%M"), "closes": w.end.strftime("%H:%M")} for w in windows
            ],
        }

    @extend_schema_field(DayHoursSerializer(many=True))
    def get_special_days(self, shop: Shop) -> list[dict[str, Any]]:
        return [hours_day_data(day) for day in self._week().special_ahead]

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, shop: Shop) -> bool:
        return self._week().status.open_now

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pickup_today_until(self, shop: Shop) -> str | None:
        until = self._week().status.pickup_today_until
        return None if until is None else until.isoformat()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_pickup_from(self, shop: Shop) -> str | None:
        following = self._week().status.next_pickup_from
        return None if following is None else _DATETIME.to_representation(following)

    @extend_schema_field(PickupDayOutput(many=True))
    def get_pickup_days(self, shop: Shop) -> list[dict[str, Any]]:
        return pickup_days_data(self._week().status.options, shop.time_zone)


@extend_schema_serializer(deprecate_fields=["street", "postcode", "city", "categories"])
class ShopMapSerializer(GeoFeatureModelSerializer):
    """A shop as a GeoJSON feature for the map (`postal_address` and `category_refs` as everywhere)."""

    street = serializers.CharField(read_only=True, help_text=_("Deprecated: `postal_address.street`."))
    postcode = serializers.CharField(read_only=True, help_text=_("Deprecated: `postal_address.postcode`."))
    city = serializers.CharField(read_only=True, help_text=_("Deprecated: `postal_address.city`."))
    postal_address = serializers.SerializerMethodField()
    categories = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        read_only=True,
        help_text=_("Deprecated: the slugs of `category_refs`."),
    )
    category_refs = serializers.SerializerMethodField()
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
            "postal_address",
            "categories",
            "category_refs",
            "url",
            "api_url",
            "open_now",
            "pickup_today_until",
            "listing",
        ]

    @extend_schema_field(ShopAddressSerializer)
    def get_postal_address(self, shop: Shop) -> dict[str, str]:
        return shop_address_data(shop)

    @extend_schema_field(CategoryRefSerializer(many=True))
    def get_category_refs(self, shop: Shop) -> list[dict[str, str]]:
        return category_refs_data(shop.categories)

    @extend_schema_field(serializers.URLField())
    def get_url(self, shop: Shop) -> str:
        return shop_page_url(slug=shop.slug, base=web(self.context))

    @extend_schema_field(serializers.BooleanField())
    def get_open_now(self, shop: Shop) -> bool:
        return bool(self.context["board"].is_open(shop.pk, self.context["now"]))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pickup_today_until(self, shop: Shop) -> str | None:
        until = self.context["board"].pickup_today_until(shop.pk, self.context["now"])
        return None if until is None else until.isoformat()
