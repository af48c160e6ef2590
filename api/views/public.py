"""Residents' read API: the nearby search, shops, the shop map, opening hours, products and categories.

Views validate the query string, call selectors and shape the answer. The search is the hot path: its answer
is built as plain dicts and rendered with orjson (PERFORMANCE.md); the schema still documents it through
`SearchPageSerializer`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from api.serializers.categories import CategoryTreeSerializer
from api.serializers.hours import DayHoursSerializer, HoursQuerySerializer, hours_day_data
from api.serializers.products import ProductDetailSerializer, ProductSerializer
from api.serializers.refs import address_data
from api.serializers.search import SearchPageSerializer, SearchQuerySerializer
from api.serializers.shops import (
    ShopDetailSerializer,
    ShopFilterSerializer,
    ShopMapSerializer,
    ShopSerializer,
)
from marketplace.exceptions import NotFound
from marketplace.infrastructure.search_events import search_event_record
from marketplace.models import Product, Shop
from marketplace.selectors.categories import category_subtree_ids, category_tree
from marketplace.selectors.pickup import pickup_board, shop_pickup_status
from marketplace.selectors.search import (
    ORDERINGS,
    PAGE_SIZE_MAX,
    Q_MAX_LENGTH,
    RADIUS_DEFAULT_KM,
    RADIUS_MAX_KM,
    RADIUS_MIN_KM,
    SearchHit,
    SearchParams,
    SearchResult,
    product_search_nearby,
)
from marketplace.selectors.shops import (
    HOURS_MAX_DAYS,
    SPECIAL_DAYS_AHEAD,
    Near,
    product_get_public,
    products_listed_for_shop,
    shop_effective_hours,
    shop_get_public,
    shop_week,
    shops_filtered,
    shops_visible,
)
from marketplace.selectors.stock import collectable_today
from marketplace.web_pages import product_page_url, web_base


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField(help_text=_("Field name -> list of messages for validation errors."))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERRORS_400 = OpenApiResponse(ErrorSerializer, description=_("`validation_error` with field details"))
ERROR_404 = OpenApiResponse(ErrorSerializer, description=_("`not_found`: unknown, pending or suspended shop"))


# --- search -----------------------------------------------------------------------------------------


def _hit_json(hit: SearchHit, *, product_base: str, shop_base: str, web: str) -> dict[str, Any]:
    return {
        "product": {
            "id": hit.product_id,
            "sku": hit.sku,
            "gtin": hit.gtin,
            "title": hit.title,
            "brand": hit.brand,
            "price": f"{hit.price:.2f}",
            "currency": "EUR",
            "image_url": hit.image,
            "image_thumb_url": hit.image_thumb,
            "category": hit.category_slug,  # deprecated (decision 1001)
            "category_ref": None
            if hit.category_slug is None
            else {"slug": hit.category_slug, "name": hit.category_name},
            "url": product_page_url(pk=hit.product_id, title=hit.title, base=web),
            "api_url": f"{product_base}{hit.product_id}/",
        },
        "shop": {
            "id": hit.shop_id,
            "slug": hit.shop_slug,
            "name": hit.shop_name,
            "address": f"{hit.shop_street}, {hit.shop_postcode} {hit.shop_city}",  # deprecated (1001)
            "postal_address": address_data(
                street=hit.shop_street,
                postcode=hit.shop_postcode,
                city=hit.shop_city,
                district=hit.shop_district,
            ),
            "location": {"lat": hit.shop_lat, "lng": hit.shop_lng},
            "url": f"{web}/laden/{hit.shop_slug}/",  # = shop_page_url(), inlined on the hot path
            "api_url": f"{shop_base}{hit.shop_slug}/",
            "stock_confidence": {
                "share": hit.stock_confidence.share,
                "signals": hit.stock_confidence.signals,
            },
        },
        "distance_m": hit.distance_m,
        "available_quantity": hit.available_quantity,
        "availability": hit.availability,
        "stock_mode": hit.stock_mode,
        "stock_updated_at": hit.stock_updated_at,
        "stock_fresh": hit.stock_fresh,
        "pickup_today_until": hit.pickup_today_until,
        "next_pickup_from": hit.next_pickup_from,
        "open_now": hit.open_now,
        "relevance": hit.relevance,
    }


def search_page_json(result: SearchResult, request: Request) -> dict[str, Any]:
    """The search answer as plain data (the shape of `SearchPageSerializer`)."""
    url = request.build_absolute_uri()
    product_base = request.build_absolute_uri("/api/v1/products/")
    shop_base = request.build_absolute_uri("/api/v1/shops/")
    web = web_base()
    page = result.params.page
    previous = None
    if page > 1:
        previous = (
            remove_query_param(url, "page") if page == 2 else replace_query_param(url, "page", page - 1)
        )
    return {
        "count": result.count,
        "has_more": result.has_more,
        "next": replace_query_param(url, "page", page + 1) if result.has_more else None,
        "previous": previous,
        "ordering": result.ordering,
        "corrections": result.corrections,
        "results": [
            _hit_json(hit, product_base=product_base, shop_base=shop_base, web=web) for hit in result.hits
        ],
    }


_DEFAULTS: dict[str, Any] = {
    "radius_km": RADIUS_DEFAULT_KM,
    "q": "",
    "category": "",
    "available_today": True,
    "open_now": False,
    "max_price": None,
    "shop": "",
    "step_free": False,
    "ordering": "",
    "page": 1,
    "page_size": 20,
}
_NUMBER = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,15})?")
_INTEGER = re.compile(r"[0-9]{1,4}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
_FLOATS = {"lat": (-90.0, 90.0), "lng": (-180.0, 180.0), "radius_km": (RADIUS_MIN_KM, RADIUS_MAX_KM)}
_INTEGERS = {"page": (1, None), "page_size": (1, PAGE_SIZE_MAX)}
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def search_query_fast(query: Any) -> dict[str, Any] | None:
    """The search's query string parsed by hand (the hot path: a DRF serializer costs about a third of the
    view's CPU), or None when it is not plainly valid; `SearchQuerySerializer` then validates it and words
    the errors. Accepts only values the serializer maps to the same result: plain decimal numbers within
    the fields' bounds, small integers, slugs, `true`/`false`/`1`/`0`, a known ordering and printable text.
    """
    data = dict(_DEFAULTS)
    for name in query:
        value = query.get(name)
        if name in _FLOATS:
            low, high = _FLOATS[name]
            if not _NUMBER.fullmatch(value) or not low <= (number := float(value)) <= high:
                return None
            data[name] = number
        elif name in _INTEGERS:
            low_int, high_int = _INTEGERS[name]
            if not _INTEGER.fullmatch(value) or int(value) < low_int:
                return None
            if high_int is not None and int(value) > high_int:
                return None
            data[name] = int(value)
        elif name == "q":
            text = value.strip()
            if len(text) > Q_MAX_LENGTH or not value.isprintable():
                return None
            data["q"] = text
        elif name in ("category", "shop"):
            if value and not _SLUG.fullmatch(value):
                return None
            data[name] = value
        elif name in ("available_today", "open_now", "step_free"):
            if value not in _BOOLEANS:
                return None
            data[name] = _BOOLEANS[value]
        elif name == "ordering":
            if value and value not in ORDERINGS:
                return None
            data["ordering"] = value
        else:  # max_price, unknown parameters: the serializer's business
            return None
    if "lat" not in data or "lng" not in data:
        return None
    return data


class SearchView(APIView):
    """What can I pick up near me today? Products in stock nearby, nearest (or best matching) first."""

    authentication_classes: list[Any] = []  # public and read-only: no session lookup on the hot path
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="search",
        parameters=[SearchQuerySerializer],
        responses={200: SearchPageSerializer, 400: ERRORS_400},
        tags=["residents"],
    )
    def get(self, request: Request) -> HttpResponse:
        data = search_query_fast(request.query_params)
        if data is None:  # anything unusual (or wrong): the serializer validates and words the errors
            query = SearchQuerySerializer(data=request.query_params.dict())  # `page=` is invalid
            query.is_valid(raise_exception=True)
            data = query.validated_data
        params = SearchParams(
            lat=data["lat"],
            lng=data["lng"],
            radius_km=data["radius_km"],
            q=data["q"],
            category=data["category"],
            available_today=data["available_today"],
            open_now=data["open_now"],
            max_price=data["max_price"],
            shop=data["shop"],
            step_free=data["step_free"],
            ordering=data["ordering"],
            page=data["page"],
            page_size=data["page_size"],
        )
        now = timezone.now()
        result = product_search_nearby(params=params, now=now)
        body = orjson.dumps(search_page_json(result, request))
        search_event_record(
            query=params.q,
            category=params.category,
            lat=params.lat,
            lng=params.lng,
            radius_km=params.radius_km,
            available_today=params.available_today,
            result_count=result.count if result.count is not None else params.offset + len(result.hits),
            channel="api",
            now=now,
        )
        return HttpResponse(body, content_type="application/json")


# --- shops ------------------------------------------------------------------------------------------


def _shop_filter_params(request: Request) -> dict[str, Any]:
    filters = ShopFilterSerializer(data=request.query_params.dict())  # `category=` is invalid, not "not sent"
    filters.is_valid(raise_exception=True)
    data = filters.validated_data
    category_ids = None
    if data["category"]:
        category_ids = category_subtree_ids(data["category"]) or []  # unknown: matches nothing (as in search)
    near = None
    if data["lat"] is not None:
        near = Near(lat=data["lat"], lng=data["lng"], radius_km=data["radius_km"])
    return {
        "q": data["q"].strip(),
        "category_ids": category_ids,
        "featured": data["featured"],
        "bbox": data["in_bbox"],
        "near": near,
        "step_free": data["step_free"],
    }


class _BoardContextMixin:
    request: Request

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        now = timezone.now()
        context.update(now=now, board=pickup_board(now=now))
        return context


@extend_schema(
    parameters=[ShopFilterSerializer],
    responses={200: ShopSerializer(many=True), 400: ERRORS_400},
    tags=["residents"],
)
class ShopListView(_BoardContextMixin, generics.ListAPIView):
    """Active shops, by name or (with lat/lng) nearest first."""

    serializer_class = ShopSerializer
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get_queryset(self) -> Any:
        return (
            shops_filtered(**_shop_filter_params(self.request))
            .select_related("osm")
            .prefetch_related("categories")
        )


@extend_schema(
    parameters=[ShopFilterSerializer],
    responses={200: ShopMapSerializer(many=True), 400: ERRORS_400},
    tags=["residents"],
    description=_("GeoJSON FeatureCollection of the active shops (same filters as the list), not paginated."),
)
class ShopMapView(_BoardContextMixin, generics.ListAPIView):
    """The shops on the map as GeoJSON."""

    serializer_class = ShopMapSerializer
    pagination_class = None
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get_queryset(self) -> Any:
        return (
            shops_filtered(**_shop_filter_params(self.request))
            .select_related("osm")
            .prefetch_related("categories")
        )


def _local_now(shop: Shop, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(shop.time_zone))


class ShopDetailView(APIView):
    """One shop with its weekly hours, today's hours, whether it is open now and its special days ahead."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: ShopDetailSerializer, 404: ERROR_404}, tags=["residents"])
    def get(self, request: Request, slug: str) -> Response:
        now = timezone.now()
        shop = shops_visible().select_related("osm").prefetch_related("categories").filter(slug=slug).first()
        if shop is None:
            raise NotFound()
        week = shop_week(shop=shop, now=now, days_ahead=SPECIAL_DAYS_AHEAD)
        context = {"request": request, "now": now, "week": week}
        return Response(ShopDetailSerializer(shop, context=context).data)


class ShopHoursView(APIView):
    """The effective hours of each day of a date range (weekly hours, city calendar, special days)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description=_("First date, YYYY-MM-DD (default: today)")
            ),
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": HOURS_MAX_DAYS, "default": 7},
                description=_("Number of days, 1 to 62 (default 7)"),
            ),
        ],
        responses={200: DayHoursSerializer(many=True), 400: ERRORS_400, 404: ERROR_404},
        tags=["residents"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = HoursQuerySerializer(data=request.query_params.dict())  # `days=` is invalid
        query.is_valid(raise_exception=True)
        shop = shop_get_public(slug=slug)
        start = query.validated_data["from"] or _local_now(shop, timezone.now()).date()
        days = shop_effective_hours(shop=shop, start=start, days=query.validated_data["days"])
        return Response([hours_day_data(day) for day in days])


@extend_schema(responses={200: ProductSerializer(many=True), 404: ERROR_404}, tags=["residents"])
class ShopProductsView(generics.ListAPIView):
    """A shop's listed products with what can be reserved now, by title."""

    serializer_class = ProductSerializer
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Product.objects.none()
        shop = shop_get_public(slug=self.kwargs["slug"])
        return products_listed_for_shop(shop=shop)


class ProductDetailView(APIView):
    """One listed product with its shop and when it can be picked up."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: ProductDetailSerializer, 404: ERROR_404}, tags=["residents"])
    def get(self, request: Request, pk: int) -> Response:
        now = timezone.now()
        product = product_get_public(product_id=pk, now=now)
        # a "next day" product is never collected today (decision 1600)
        next_day = not collectable_today(product.stock_mode)
        status = shop_pickup_status(shop=product.shop, now=now, from_next_day=next_day)
        context = {"request": request, "now": now, "status": status}
        return Response(ProductDetailSerializer(product, context=context).data)


class CategoryTreeView(APIView):
    """The category tree (German names, English second)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CategoryTreeSerializer(many=True)}, tags=["residents"])
    def get(self, request: Request) -> Response:
        return Response(CategoryTreeSerializer(category_tree().roots, many=True).data)
