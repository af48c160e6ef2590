"""Merchant API input and output shapes. Inputs allow-list their fields: anything else is a 400."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.refs import CategoryRefSerializer, category_ref_data
from marketplace.models import Category, Product, StockMode, Webhook, WebhookDelivery
from marketplace.selectors.media import media_url
from marketplace.selectors.stock import STOCK_MODE_HELP
from marketplace.services.inventory import MODES
from marketplace.services.webhooks import EVENTS


class StrictInput(serializers.Serializer):
    """Rejects fields it does not declare, so read-only data (held stock, shop, status ...) cannot be sent,
    and numbers where the schema says string (DRF's CharField would quietly turn 12 into "12")."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, item in self.fields.items() if not item.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown or read-only field."] for name in unknown})
            not_text = sorted(
                name
                for name, item in self.fields.items()
                if isinstance(item, serializers.CharField)
                and data.get(name) is not None
                and not isinstance(data[name], str)
            )
            if not_text:
                raise serializers.ValidationError({name: ["Send text (a JSON string)."] for name in not_text})
        return super().to_internal_value(data)


class CategoryBySlug(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Category.objects.all(), **kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": r"^\d{1,5}(\.\d{1,2})?$"},
            {"type": "number", "minimum": 0, "maximum": 99999.99, "multipleOf": 0.01},
        ],
        "description": "0 to 99999.99 (two decimals), as a string or a number",
    }
)
class PriceField(serializers.DecimalField):
    """A price in euros: 0 to `LADENKARTE_MAX_PRICE`, cents at most (the schema states the same bounds)."""


def _price_field(**kwargs: Any) -> serializers.DecimalField:
    return PriceField(
        max_digits=10, decimal_places=2, min_value=0, max_value=settings.LADENKARTE_MAX_PRICE, **kwargs
    )


class ProductCreateIn(StrictInput):
    sku = serializers.RegexField(r"^\S(.{0,62}\S)?$", max_length=64)
    title = serializers.CharField(max_length=200)
    price = _price_field()
    quantity_on_hand = serializers.IntegerField(min_value=0, max_value=1_000_000_000, default=0)
    gtin = serializers.RegexField(
        r"^(\d{8}|\d{12}|\d{13}|\d{14})?$", required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    brand = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    category = CategoryBySlug(required=False, allow_null=True, default=None)
    active = serializers.BooleanField(required=False, default=True)
    stock_mode = serializers.ChoiceField(
        choices=StockMode.choices,
        required=False,
        default=StockMode.COUNTED.value,
        help_text=STOCK_MODE_HELP,
    )


class ProductUpdateIn(StrictInput):
    title = serializers.CharField(max_length=200, required=False)
    price = _price_field(required=False)
    quantity_on_hand = serializers.IntegerField(min_value=0, max_value=1_000_000_000, required=False)
    expected_quantity_on_hand = serializers.IntegerField(
        min_value=0,
        max_value=1_000_000_000,
        required=False,
        help_text=(
            "Compare-and-set: the on-hand figure the editor saw. If the product holds another figure now, "
            "the PATCH is refused with 409 `stock_changed` (details name the current figure)."
        ),
    )
    gtin = serializers.RegexField(r"^(\d{8}|\d{12}|\d{13}|\d{14})?$", required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    brand = serializers.CharField(required=False, allow_blank=True, max_length=100)
    category = CategoryBySlug(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)
    stock_mode = serializers.ChoiceField(choices=StockMode.choices, required=False, help_text=STOCK_MODE_HELP)


class ProductOut(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.SerializerMethodField()
    category = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The slug, as written."
    )
    category_ref = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "gtin",
            "title",
            "description",
            "brand",
            "price",
            "currency",
            "category",
            "category_ref",
            "active",
            "quantity_on_hand",
            "quantity_held",
            "stock_updated_at",
            "created_at",
            "updated_at",
            "stock_mode",
            "image",
            "image_thumb",
        ]
        read_only_fields = fields

    image = serializers.SerializerMethodField()
    image_thumb = serializers.SerializerMethodField()

    def get_image(self, obj: Product) -> str | None:
        return obj.image.url if obj.image else None

    def get_image_thumb(self, obj: Product) -> str | None:
        return media_url(obj.image_thumb) or None

    def get_currency(self, obj: Product) -> str:
        return str(settings.LADENKARTE_DEFAULT_PRICE_CURRENCY)

    @extend_schema_field(CategoryRefSerializer(allow_null=True))
    def get_category_ref(self, obj: Product) -> dict[str, str] | None:
        return category_ref_data(obj.category)


class InventoryItemDoc(serializers.Serializer):
    """One sync row (documentation only: rows are validated one by one and fail as row errors)."""

    # No bounds here: a row that breaks them is reported as a row error (or rejects the sync without partial).
    sku = serializers.CharField(
        help_text="1 to 64 characters; longer or empty is the row error `invalid_sku`"
    )
    quantity = serializers.IntegerField(help_text="set: the new on-hand figure; adjust: the change (+/-)")
    price = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    expected_quantity = serializers.IntegerField(
        required=False, help_text="compare-and-set: the on-hand you expect"
    )
    title = serializers.CharField(required=False, help_text="with price: creates an unknown SKU (mode set)")
    gtin = serializers.CharField(required=False)
    stock_mode = serializers.ChoiceField(
        choices=StockMode.choices,
        required=False,
        help_text="omitted: keep the product's mode (new products: counted). " + STOCK_MODE_HELP,
    )


class InventorySyncIn(StrictInput):
    mode = serializers.ChoiceField(choices=MODES, default="set")
    partial = serializers.BooleanField(default=False)
    items = serializers.JSONField(help_text="Up to 10,000 rows, see InventoryItemDoc.")

    def validate_items(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise serializers.ValidationError("A list of rows is required.")
        return value


class InventorySyncDoc(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MODES, default="set")
    partial = serializers.BooleanField(default=False)
    items = InventoryItemDoc(many=True)


class RowErrorOut(serializers.Serializer):
    index = serializers.IntegerField()
    sku = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    line = serializers.IntegerField(required=False, help_text="CSV imports: the line in the file")


class SyncResultOut(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = RowErrorOut(many=True)
    dry_run = serializers.BooleanField(required=False)
    would_write = serializers.BooleanField(required=False)
    changes = serializers.ListField(child=serializers.DictField(), required=False)


class ImportJobOut(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    dry_run = serializers.BooleanField()
    partial = serializers.BooleanField()
    rows_total = serializers.IntegerField()
    rows_done = serializers.IntegerField()
    report = serializers.DictField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField()


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:30"})
class ClockTimeField(serializers.TimeField):
    """A time of day as `hh:mm` (in and out), what the schema states."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", "example": "18:00"})
class ClosingTimeField(ClockTimeField):
    """`hh:mm`, or 24:00 for midnight."""


class IntervalIn(StrictInput):
    opens = ClockTimeField()
    closes = ClosingTimeField()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and data.get("closes") == "24:00":
            data = {**data, "closes": "00:00"}
        return super().to_internal_value(data)


class WeeklyIntervalIn(IntervalIn):
    weekday = serializers.IntegerField(min_value=0, max_value=6)


class HoursIn(StrictInput):
    weekly = WeeklyIntervalIn(many=True, max_length=7 * 4)


class WeeklyIntervalOut(serializers.Serializer):
    weekday = serializers.IntegerField()
    opens = serializers.CharField()
    closes = serializers.CharField()


class HoursOut(serializers.Serializer):
    weekly = WeeklyIntervalOut(many=True)
    osm = serializers.CharField(help_text="The weekly hours in OpenStreetMap opening_hours syntax")


class SpecialDayIn(StrictInput):
    date = serializers.DateField()
    closed = serializers.BooleanField(default=True)
    intervals = IntervalIn(many=True, required=False, default=list, max_length=4)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class SpecialDayOut(serializers.Serializer):
    date = serializers.DateField()
    closed = serializers.BooleanField()
    intervals = serializers.ListField(child=serializers.DictField())
    name = serializers.CharField()


class WebhookIn(StrictInput):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENTS), required=False, default=list, max_length=len(EVENTS)
    )


class WebhookOut(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "active", "consecutive_failures", "disabled_at", "created_at"]
        read_only_fields = fields


class WebhookCreatedOut(WebhookOut):
    secret = serializers.SerializerMethodField(
        help_text="Shown only in this answer: keep it to verify signatures"
    )

    class Meta(WebhookOut.Meta):
        fields = [*WebhookOut.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, obj: Webhook) -> str:
        return str(self.context["secret"])


class WebhookDeliveryOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "attempt",
            "status_code",
            "error",
            "duration_ms",
            "created_at",
            "payload",
        ]
        read_only_fields = fields


def interval_pairs(items: list[dict[str, time]]) -> list[tuple[time, time]]:
    return [(item["opens"], item["closes"]) for item in items]


class AccessibilityIn(StrictInput):
    """The shop's accessibility facts, all at once (PUT); see `AccessibilitySerializer` for the output."""

    step_free = serializers.ChoiceField(choices=["", "yes", "limited", "no"], allow_blank=True)
    accessible_toilet = serializers.BooleanField()
    seating = serializers.BooleanField()
    quiet_hours = serializers.CharField(allow_blank=True, max_length=200, trim_whitespace=True)
    hearing_loop = serializers.BooleanField()
    disabled_parking_nearby = serializers.BooleanField()
