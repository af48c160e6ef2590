"""The city's public endpoints: live collections and featured shops, and the stock/hours feeds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.city import CollectionDetailOut, CollectionOut, DataHealthOut, FeaturedShopOut
from api.views.public import ErrorSerializer
from marketplace import spreadsheet
from marketplace.exceptions import NotFound
from marketplace.models import Collection, FeaturedShop, Shop
from marketplace.selectors.curation import collection_get_live, collections_live, featured_shops_live
from marketplace.selectors.data_health import (
    data_health_history,
    data_health_shops,
    data_health_table,
    data_health_totals,
)
from marketplace.selectors.feeds import (
    GOOGLE_LOCAL_INVENTORY_COLUMNS,
    OSM_COLUMNS,
    google_local_inventory_rows,
    osm_opening_hours_rows,
)


@extend_schema(tags=["city"], summary="Collections live now")
class CollectionListView(generics.ListAPIView):
    """The city's themed collections within their publish window, in the city's order."""

    permission_classes = [AllowAny]
    serializer_class = CollectionOut

    def get_queryset(self) -> QuerySet[Collection]:
        return collections_live()


@extend_schema(tags=["city"], summary="One live collection with its shops and products")
class CollectionDetailView(generics.GenericAPIView):
    permission_classes = [AllowAny]
    serializer_class = CollectionDetailOut

    def get(self, request: Request, slug: str) -> Response:
        collection = collection_get_live(slug=slug)
        return Response(self.get_serializer(collection).data)


@extend_schema(tags=["city"], summary="Featured shops live now")
class FeaturedShopListView(generics.ListAPIView):
    """Shops the city features, within the publish window, active shops only."""

    permission_classes = [AllowAny]
    serializer_class = FeaturedShopOut

    def get_queryset(self) -> QuerySet[FeaturedShop]:
        return featured_shops_live()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(columns: Iterable[str], rows: Iterable[dict[str, Any]], *, delimiter: str) -> Iterator[str]:
    writer = spreadsheet.dict_writer(_Echo(), list(columns), delimiter=delimiter, lineterminator="\n")
    yield delimiter.join(columns) + "\n"
    for row in rows:
        yield writer.writerow(row)


def _delimiter(request: Request) -> tuple[str, str, str]:
    fmt = request.query_params.get("format_type", "tsv")
    if fmt not in {"tsv", "csv"}:
        raise ValidationError({"format_type": ["Use tsv or csv."]})
    return ("\t", "text/tab-separated-values", "tsv") if fmt == "tsv" else (",", "text/csv", "csv")


_FORMAT = OpenApiParameter(
    "format_type", str, enum=["tsv", "csv"], description="Tab-separated (default, Google's format) or CSV."
)
_SHOP = OpenApiParameter("shop", str, description="Store code (shop slug); all active shops when absent.")


@extend_schema(
    tags=["feeds"],
    summary="Google local inventory feed",
    parameters=[_SHOP, _FORMAT],
    responses={
        (200, "text/tab-separated-values"): OpenApiResponse(OpenApiTypes.STR, description="docs/feeds.md"),
        (200, "text/csv"): OpenApiTypes.STR,
    },
)
class GoogleLocalInventoryFeedView(APIView):
    """One row per listed product: store_code, id, gtin, title, price, quantity, availability,
    pickup_method (`reserve`), pickup_sla (`same day`, `next day`, ...)."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> StreamingHttpResponse:
        delimiter, content_type, extension = _delimiter(request)
        shop = None
        slug = request.query_params.get("shop")
        if slug:
            shop = Shop.objects.active().filter(slug=slug).first()
            if shop is None:
                raise NotFound()
        rows = google_local_inventory_rows(shop=shop)
        response = StreamingHttpResponse(
            _csv_stream(GOOGLE_LOCAL_INVENTORY_COLUMNS, rows, delimiter=delimiter),
            content_type=f"{content_type}; charset=utf-8",
        )
        name = f"local-inventory-{slug or 'all'}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@extend_schema(
    tags=["feeds"],
    summary="Opening hours of active shops in OpenStreetMap syntax",
    parameters=[_FORMAT],
    responses={(200, "text/tab-separated-values"): OpenApiTypes.STR, (200, "text/csv"): OpenApiTypes.STR},
)
class OsmOpeningHoursFeedView(APIView):
    """store_code, name, address, lat, lng and `opening_hours` ("Mo-Fr 09:00-18:00; PH off")."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> StreamingHttpResponse:
        delimiter, content_type, extension = _delimiter(request)
        rows = ({column: getattr(row, column) for column in OSM_COLUMNS} for row in osm_opening_hours_rows())
        response = StreamingHttpResponse(
            _csv_stream(OSM_COLUMNS, rows, delimiter=delimiter), content_type=f"{content_type}; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="opening-hours.{extension}"'
        return response


class CanViewInsights(BasePermission):
    """The city team (permission `marketplace.view_insights`), signed in; merchants and residents: 403/401."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            raise NotAuthenticated()
        return bool(user.has_perm("marketplace.view_insights"))


@extend_schema(
    tags=["city"],
    summary="Data-health board (city only)",
    parameters=[
        OpenApiParameter("format_type", str, enum=["json", "csv"], description="json (default) or csv")
    ],
    responses={
        200: DataHealthOut,
        401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`"),
        403: OpenApiResponse(ErrorSerializer, description="`permission_denied`: not the city team"),
    },
)
class DataHealthView(APIView):
    """Every shop on the map with its data-health score and parts, needs-help-first; the town's totals
    now and per day. `format_type=csv`: the shop rows as CSV (as the admin's export)."""

    permission_classes = [CanViewInsights]

    def get(self, request: Request) -> Any:
        now = timezone.now()
        rows = data_health_shops(now=now)
        if request.query_params.get("format_type") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="data-health.csv"'
            spreadsheet.writer(response).writerows(data_health_table(rows))
            return response
        body = {
            "totals": data_health_totals(rows),
            "history": [{"date": s.date, "totals": s.totals} for s in data_health_history(now=now)],
            "shops": [asdict(row) for row in rows],
        }
        return Response(DataHealthOut(body).data)
