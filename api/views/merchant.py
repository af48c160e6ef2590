"""Merchant API (API.md "Merchants"): products, inventory sync, CSV import, hours, special days, webhooks.

Every view finds its shop through `shop_get_for_member`, which answers 404 for any shop the caller's key or
login does not belong to; services do the writes.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FileUploadParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import MERCHANT_AUTHENTICATION
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import idempotent
from api.pagination import PageNumberPagination
from api.parsers import FormParser, JSONParser, MultiPartParser
from api.permissions import IsMerchant, request_api_key
from api.serializers import merchant as s
from api.serializers import reservations as reservation_s
from api.serializers.shops import AccessibilitySerializer
from geo.opening_hours import Interval, to_osm_opening_hours
from marketplace.exceptions import DomainError, NotFound, ValidationFailed
from marketplace.models import ImportJob, Shop, SpecialDay, StockMovement, Webhook
from marketplace.selectors import merchant as selectors
from marketplace.services import csv_import, hours, inventory, pickup_days, products, webhooks
from marketplace.services.accessibility import Accessibility, shop_accessibility_set


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    default_message = _("The request body is too large.")


class IdempotencyKeyRequired(DomainError):
    code = "idempotency_key_required"
    status = 400
    default_message = _(
        "Send an Idempotency-Key header with adjust-mode syncs, so a retry does not count twice."
    )


class CsvUploadParser(FileUploadParser):
    media_type = "text/csv"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _boolean_param(name: str, value: str) -> bool:
    """A boolean query parameter: true/false (or 1/0); anything else is a 400, not a silent false."""
    spelled = value.strip().lower()
    if spelled not in {"true", "false", "1", "0"}:
        raise ValidationFailed(details={name: ["Send true or false."]})
    return spelled in {"true", "1"}


class MerchantView(APIView):
    """Base of the merchant endpoints: API key or member session; 404 for shops the caller cannot reach."""

    authentication_classes = MERCHANT_AUTHENTICATION
    permission_classes = [IsMerchant]
    parser_classes = [JSONParser]  # JSON only (what the schema says); uploads declare their own parsers
    owner_only = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = self.body_limit()
        if length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(
                _("The request body has %(length)s bytes; at most %(limit)d are accepted.")
                % {"length": length, "limit": limit},
                details={"max_bytes": limit},
            )

    def body_limit(self) -> int:
        return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    def shop(self) -> Shop:
        if not hasattr(self, "_shop"):
            self._shop = selectors.shop_get_for_member(
                user=self.request.user,
                api_key=request_api_key(self.request),
                slug=self.kwargs["slug"],
                owner_only=self.owner_only,
            )
        return self._shop

    def person(self) -> Any:
        """The logged-in member acting, or None for an API key (which acts for its shop, not a person)."""
        return None if request_api_key(self.request) else self.request.user

    def actor(self, source: str | None = None) -> products.Actor:
        api_key = request_api_key(self.request)
        default = StockMovement.Source.API
        return products.Actor(
            source=source or default, user=None if api_key else self.request.user, api_key=api_key
        )


def _validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ProductListView(MerchantView):
    pagination_class = PageNumberPagination  # for the schema: the answer is a page

    @extend_schema(
        tags=["merchant"],
        parameters=[
            OpenApiParameter("q", str, description="SKU, GTIN or part of the title"),
            OpenApiParameter("active", bool),
        ],
        responses=s.ProductOut(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        """The shop's products (listed or not), by title."""
        active_raw = request.query_params.get("active")
        queryset = selectors.products_of_shop(
            shop=self.shop(),
            q=request.query_params.get("q", "").strip()[:100],
            active=None if active_raw is None else _boolean_param("active", active_raw),
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.ProductOut(page, many=True).data)

    @extend_schema(tags=["merchant"], request=s.ProductCreateIn, responses={201: s.ProductOut})
    @idempotent(required_for_api_keys=False)
    def post(self, request: Request, slug: str) -> Response:
        """Create a product (SKU unique per shop)."""
        shop = self.shop()
        data = _validated(s.ProductCreateIn, request.data)
        product = products.product_create(shop=shop, actor=self.actor(), **data)
        return Response(s.ProductOut(product).data, status=status.HTTP_201_CREATED)


class ProductDetailView(MerchantView):
    def product(self, *, for_update: bool = False) -> Any:
        return selectors.product_get_in_shop(shop=self.shop(), sku=self.kwargs["sku"])

    @extend_schema(tags=["merchant"], responses=s.ProductOut)
    def get(self, request: Request, slug: str, sku: str) -> Response:
        return Response(s.ProductOut(self.product()).data)

    @extend_schema(tags=["merchant"], request=s.ProductUpdateIn, responses=s.ProductOut)
    @idempotent(required_for_api_keys=False)
    def patch(self, request: Request, slug: str, sku: str) -> Response:
        """Change allow-listed fields; a new `quantity_on_hand` is logged as a stock movement."""
        product = self.product()
        changes = _validated(s.ProductUpdateIn, request.data)
        seen = changes.pop("expected_quantity_on_hand", None)
        product = products.product_update(
            product=product, changes=changes, seen_on_hand=seen, actor=self.actor()
        )
        return Response(s.ProductOut(product).data)

    @extend_schema(tags=["merchant"], responses={204: None})
    @idempotent(required_for_api_keys=False)
    def delete(self, request: Request, slug: str, sku: str) -> Response:
        """Delist the product (it keeps its history; PATCH `active: true` lists it again)."""
        products.product_deactivate(product=self.product())
        return Response(status=status.HTTP_204_NO_CONTENT)


class InventorySyncView(MerchantView):
    def body_limit(self) -> int:
        # 10,000 rows with long SKUs and titles fit; the limit still stops abuse.
        return max(int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE), 4 * 1024 * 1024)

    @extend_schema(
        tags=["merchant"],
        request=s.InventorySyncDoc,
        responses={200: s.SyncResultOut, 422: OpenApiTypes.OBJECT},
        description=(
            "Bulk stock and price sync, up to 10,000 rows. All-or-nothing unless `partial`. Send an "
            "`Idempotency-Key` (required for API keys in `adjust` mode: a retry must not count twice)."
        ),
    )
    @idempotent(required_for_api_keys=False)
    def post(self, request: Request, slug: str) -> Response:
        shop = self.shop()
        data = _validated(s.InventorySyncIn, request.data)
        if (
            data["mode"] == inventory.MODE_ADJUST
            and request_api_key(request)
            and not request.headers.get(IDEMPOTENCY_HEADER)
        ):
            raise IdempotencyKeyRequired()
        rows, errors = inventory.rows_from_payload(data["items"], mode=data["mode"])
        result = inventory.inventory_sync(
            shop=shop,
            rows=rows,
            row_errors=errors,
            mode=data["mode"],
            partial=data["partial"],
            actor=self.actor(),
        )
        return Response(result.as_dict())


def _job_data(request: Request, job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "state": job.state,
        "dry_run": job.dry_run,
        "partial": job.partial,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "report": job.report,
        "created_at": job.created_at,
        "url": request.build_absolute_uri(
            f"/api/v1/merchant/shops/{job.shop.slug}/inventory/imports/{job.pk}/"
        ),
    }


class CsvImportView(MerchantView):
    parser_classes = [MultiPartParser, FormParser, CsvUploadParser]

    def body_limit(self) -> int:
        return int(settings.LADENKARTE_CSV_MAX_BYTES) + 64 * 1024  # the file plus multipart framing

    @extend_schema(
        tags=["merchant"],
        parameters=[
            OpenApiParameter("dry_run", bool, description="report what would change, write nothing"),
            OpenApiParameter("partial", bool, description="write the good lines even if some are bad"),
        ],
        request={"multipart/form-data": inline_serializer("CsvUpload", {"file": serializers.FileField()})},
        responses={200: s.SyncResultOut, 202: s.ImportJobOut, 422: OpenApiTypes.OBJECT},
        description=(
            "CSV upload: sku;title;quantity;price;gtin;category (German headers accepted, `;` or `,`, UTF-8 "
            "with or without BOM, decimal comma). Large files run in the background: 202 with the job."
        ),
    )
    def post(self, request: Request, slug: str) -> Response:
        shop = self.shop()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(details={"file": ["Upload the CSV file in the field 'file'."]})
        if upload.size and upload.size > settings.LADENKARTE_CSV_MAX_BYTES:
            raise csv_import.CsvTooLarge(
                f"The file has {upload.size} bytes; "
                f"at most {settings.LADENKARTE_CSV_MAX_BYTES} are accepted.",
                details={"max_bytes": settings.LADENKARTE_CSV_MAX_BYTES},
            )
        data = upload.read()
        dry_run = _truthy(request.query_params.get("dry_run"))
        partial = _truthy(request.query_params.get("partial"))
        actor = self.actor(StockMovement.Source.CSV)
        if csv_import.csv_row_count(data) > settings.LADENKARTE_CSV_ASYNC_ROWS:
            job = csv_import.import_job_create(
                shop=shop, data=data, name=upload.name or "", dry_run=dry_run, partial=partial, actor=actor
            )
            job.refresh_from_db()
            return Response(_job_data(request, job), status=status.HTTP_202_ACCEPTED)
        report = csv_import.csv_import(shop=shop, data=data, dry_run=dry_run, partial=partial, actor=actor)
        return Response(report)


class ImportJobView(MerchantView):
    @extend_schema(tags=["merchant"], responses=s.ImportJobOut)
    def get(self, request: Request, slug: str, job_id: int) -> Response:
        """Progress and report of a background CSV import."""
        job = ImportJob.objects.filter(shop=self.shop(), pk=job_id).select_related("shop").first()
        if job is None:
            raise NotFound()
        return Response(_job_data(request, job))


def _hours_data(shop: Shop) -> dict[str, Any]:
    weekly = selectors.weekly_hours_of_shop(shop=shop)
    osm_weekly: dict[int, tuple[Interval, ...]] = {}
    for row in weekly:
        osm_weekly[row.weekday] = (
            *osm_weekly.get(row.weekday, ()),
            Interval(opens=row.opens, closes=row.closes),
        )
    return {
        "weekly": [
            {"weekday": row.weekday, "opens": f"{row.opens:%H:%M}", "closes": f"{row.closes:%H:%M}"}
            for row in weekly
        ],
        "osm": to_osm_opening_hours(osm_weekly),
    }


class HoursView(MerchantView):
    @extend_schema(tags=["merchant"], responses=s.HoursOut)
    def get(self, request: Request, slug: str) -> Response:
        """The shop's weekly opening hours (several intervals a day allowed)."""
        return Response(_hours_data(self.shop()))

    @extend_schema(tags=["merchant"], request=s.HoursIn, responses=s.HoursOut)
    @idempotent(required_for_api_keys=False)
    def put(self, request: Request, slug: str) -> Response:
        """Replace the whole week at once; closing after midnight up to 06:00 is allowed."""
        shop = self.shop()
        data = _validated(s.HoursIn, request.data)
        hours.opening_hours_replace(
            shop=shop,
            intervals=[
                hours.HoursInterval(weekday=item["weekday"], opens=item["opens"], closes=item["closes"])
                for item in data["weekly"]
            ],
        )
        return Response(_hours_data(shop))


def _pickup_settings_data(shop: Shop) -> dict[str, Any]:
    return {name: getattr(shop, name) for name in pickup_days.PICKUP_SETTINGS}


class PickupSettingsView(MerchantView):
    @extend_schema(tags=["merchant"], responses=reservation_s.PickupSettingsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        """The shop's pickup settings: lead time, minimum window today, days ahead, later days, moves."""
        return Response(_pickup_settings_data(self.shop()))

    @extend_schema(
        tags=["merchant"],
        request=reservation_s.PickupSettingsSerializer,
        responses=reservation_s.PickupSettingsSerializer,
    )
    @idempotent(required_for_api_keys=False)
    def patch(self, request: Request, slug: str) -> Response:
        """Change some pickup settings (all fields optional); bad input changes nothing."""
        data = _validated(reservation_s.PickupSettingsSerializer, request.data)
        shop = pickup_days.shop_pickup_settings_update(shop=self.shop(), changes=data)
        return Response(_pickup_settings_data(shop))


class AccessibilityView(MerchantView):
    @extend_schema(tags=["merchant"], responses=AccessibilitySerializer)
    def get(self, request: Request, slug: str) -> Response:
        """The shop's accessibility facts (step-free entrance, toilet, seating, quiet hours, hearing loop,
        disabled parking nearby)."""
        return Response(asdict(Accessibility.of(self.shop())))

    @extend_schema(tags=["merchant"], request=s.AccessibilityIn, responses=AccessibilitySerializer)
    @idempotent(required_for_api_keys=False)
    def put(self, request: Request, slug: str) -> Response:
        """Replace the facts at once; `step_free` is `yes`, `limited`, `no` or empty (not known). A value set
        here is kept when the OpenStreetMap import later brings another `wheelchair` value."""
        shop = self.shop()
        data = _validated(s.AccessibilityIn, request.data)
        shop_accessibility_set(shop=shop, facts=Accessibility(**data))
        return Response(asdict(Accessibility.of(shop)))


def _special_day_data(day: SpecialDay) -> dict[str, Any]:
    return {"date": day.date, "closed": day.closed, "intervals": day.intervals, "name": day.name}


class SpecialDayListView(MerchantView):
    @extend_schema(
        tags=["merchant"],
        parameters=[OpenApiParameter("from", OpenApiTypes.DATE, description="default: today")],
        responses=s.SpecialDayOut(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        """The shop's special days from `from` on (closed days or other hours)."""
        raw_from = request.query_params.get("from")
        start = _date_param(raw_from) if raw_from is not None else None  # `from=` is a bad date, not "today"
        days = selectors.special_days_of_shop(shop=self.shop(), start=start)
        return Response([_special_day_data(day) for day in days])

    @extend_schema(tags=["merchant"], request=s.SpecialDayIn, responses={201: s.SpecialDayOut})
    @idempotent(required_for_api_keys=False)
    def post(self, request: Request, slug: str) -> Response:
        """Add or replace the rule for one date."""
        shop = self.shop()
        data = _validated(s.SpecialDayIn, request.data)
        day = hours.special_day_set(
            shop=shop,
            day=data["date"],
            closed=data["closed"],
            intervals=s.interval_pairs(data["intervals"]),
            name=data["name"],
        )
        return Response(_special_day_data(day), status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["merchant"],
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
        responses={204: None},
    )
    def delete(self, request: Request, slug: str) -> Response:
        """Remove the rule for `?date=YYYY-MM-DD` (also `DELETE .../special-days/YYYY-MM-DD/`)."""
        return _special_day_delete(self.shop(), request.query_params.get("date"))


def _date_param(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        raise ValidationFailed(details={"date": ["Enter a date as YYYY-MM-DD."]}) from None


def _special_day_delete(shop: Shop, raw: str | None) -> Response:
    if not hours.special_day_delete(shop=shop, day=_date_param(raw)):
        raise NotFound()
    return Response(status=status.HTTP_204_NO_CONTENT)


class SpecialDayDetailView(MerchantView):
    @extend_schema(
        tags=["merchant"],
        responses={204: None},
        operation_id="v1_merchant_shops_special_days_destroy_by_date",
    )
    def delete(self, request: Request, slug: str, day: str) -> Response:
        return _special_day_delete(self.shop(), day)


class WebhookListView(MerchantView):
    owner_only = True

    @extend_schema(tags=["merchant"], responses=s.WebhookOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return Response(s.WebhookOut(Webhook.objects.filter(shop=self.shop()).order_by("pk"), many=True).data)

    @extend_schema(tags=["merchant"], request=s.WebhookIn, responses={201: s.WebhookCreatedOut})
    @idempotent(required_for_api_keys=False, seal_fields=("secret",))  # the secret is stored sealed
    def post(self, request: Request, slug: str) -> Response:
        """Register a URL; the answer holds the signing secret, shown only this once."""
        shop = self.shop()
        data = _validated(s.WebhookIn, request.data)
        webhook, secret = webhooks.webhook_create(
            shop=shop, url=data["url"], events=list(data["events"]), by_user=self.person()
        )
        return Response(
            s.WebhookCreatedOut(webhook, context={"secret": secret}).data, status=status.HTTP_201_CREATED
        )


class WebhookDetailView(MerchantView):
    owner_only = True

    @extend_schema(tags=["merchant"], responses=s.WebhookOut)
    def get(self, request: Request, slug: str, webhook_id: int) -> Response:
        return Response(
            s.WebhookOut(selectors.webhook_get_for_shop(shop=self.shop(), webhook_id=webhook_id)).data
        )

    @extend_schema(tags=["merchant"], responses={204: None})
    def delete(self, request: Request, slug: str, webhook_id: int) -> Response:
        webhooks.webhook_delete(
            webhook=selectors.webhook_get_for_shop(shop=self.shop(), webhook_id=webhook_id),
            by_user=self.person(),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(MerchantView):
    pagination_class = PageNumberPagination  # for the schema: the answer is a page
    owner_only = True

    @extend_schema(tags=["merchant"], responses=s.WebhookDeliveryOut(many=True))
    def get(self, request: Request, slug: str, webhook_id: int) -> Response:
        """The delivery log of one webhook, newest first."""
        webhook = selectors.webhook_get_for_shop(shop=self.shop(), webhook_id=webhook_id)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            webhook.deliveries.order_by("-created_at", "-pk"), request, view=self
        )
        return paginator.get_paginated_response(s.WebhookDeliveryOut(page, many=True).data)
