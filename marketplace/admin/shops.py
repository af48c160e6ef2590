"""Admin for shops, products, stock, hours, reservations, API keys and webhooks (scoped to members).

A merchant (staff user in the "Merchants" group) sees and edits only the objects of shops they are a member
of: querysets, foreign-key choices and object permissions are all scoped, so another shop's object answers
like a missing one. Superusers and "City editors" see everything their permissions allow. Writes that carry
business rules (stock, keys, webhooks, reservation states, hours) go through the services.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.contrib.auth.models import User
from django.db.models import F, Model, QuerySet, URLField
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from geo.opening_hours import parse_interval
from marketplace.exceptions import DomainError, StockChanged
from marketplace.models import (
    ApiKey,
    IdempotencyRecord,
    ImportJob,
    OpeningHours,
    OutboxMessage,
    Product,
    Reservation,
    ReservationLine,
    Shop,
    ShopMembership,
    SpecialDay,
    StockMode,
    StockMovement,
    Webhook,
    WebhookDelivery,
    Weekday,
)
from marketplace.selectors.merchant import shops_with_integrations_managed_by
from marketplace.services import api_keys as api_key_services
from marketplace.services import csv_import, hours, products, webhooks
from marketplace.services.images import image_decode
from marketplace.services.roles import CITY_EDITORS_GROUP

ADMIN_SOURCE = StockMovement.Source.ADMIN


def sees_all_shops(request: HttpRequest) -> bool:
    """Superusers and the city's editors; everyone else is limited to their memberships."""
    user = request.user
    if user.is_superuser:
        return True
    cache = "_lk_city_editor"
    if not hasattr(request, cache):
        setattr(request, cache, user.groups.filter(name=CITY_EDITORS_GROUP).exists())
    return bool(getattr(request, cache))


def member_shop_ids(request: HttpRequest) -> list[int]:
    cache = "_lk_member_shops"
    if not hasattr(request, cache):
        ids = list(
            ShopMembership.objects.filter(user_id=request.user.pk or 0).values_list("shop_id", flat=True)
        )
        setattr(request, cache, ids)
    return list(getattr(request, cache))


def actor_for(request: HttpRequest) -> products.Actor:
    return products.Actor(source=ADMIN_SOURCE, user=request.user)


# A web address typed without a scheme means https (Django 6's default; saying so silences its warning).
HTTPS_URLS: dict[type, dict[str, Any]] = {URLField: {"assume_scheme": "https"}}


class ShopScopedAdmin(admin.ModelAdmin):
    """Limits every query, choice and object permission to the user's shops (`shop_field` path)."""

    shop_field = "shop"
    formfield_overrides = HTTPS_URLS
    # API keys and webhooks: only the shops whose integrations the user manages (owners; one rule with the
    # API and my-shop, `may_manage_integrations`); a staff member sees none and may add none.
    owners_only = False

    def shop_ids(self, request: HttpRequest) -> list[int]:
        if self.owners_only:
            return list(shops_with_integrations_managed_by(user=request.user).values_list("pk", flat=True))
        return member_shop_ids(request)

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.owners_only and not request.user.is_superuser:
            return queryset.filter(**{f"{self.shop_field}__in": self.shop_ids(request)})
        if sees_all_shops(request):
            return queryset
        return queryset.filter(**{f"{self.shop_field}__in": self.shop_ids(request)})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(request, super().get_queryset(request))

    def _own(self, request: HttpRequest, obj: Model | None) -> bool:
        if self.owners_only and not request.user.is_superuser:
            if obj is None:
                return bool(self.shop_ids(request))
            return self.scope(request, self.model.objects.filter(pk=obj.pk)).exists()
        return (
            obj is None
            or sees_all_shops(request)
            or self.scope(request, self.model.objects.filter(pk=obj.pk)).exists()
        )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and self._own(request, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self._own(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._own(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._own(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not sees_all_shops(request) or (self.owners_only and not request.user.is_superuser):
            if db_field.related_model is Shop:
                kwargs["queryset"] = Shop.objects.filter(pk__in=self.shop_ids(request))
            elif db_field.related_model is Product:
                kwargs["queryset"] = Product.objects.filter(shop_id__in=member_shop_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """Inlines of a scoped parent: the parent page is already scoped; foreign keys are limited too."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not sees_all_shops(request) and db_field.related_model is Product:
            kwargs["queryset"] = Product.objects.filter(shop_id__in=member_shop_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- shops, hours, special days --------------------------------------------------------------------------


class OpeningHoursFormSet(BaseInlineFormSet):
    """Checks the week like `opening_hours_replace`: no overlaps, past midnight only until 06:00."""

    def clean(self) -> None:
        super().clean()
        by_day: dict[int, list[Any]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("opens") is None or data.get("closes") is None:
                continue
            by_day.setdefault(data["weekday"], []).append((data["opens"], data["closes"]))
        problems = [
            problem
            for weekday, intervals in sorted(by_day.items())
            for problem in hours.check_intervals(intervals, label=str(Weekday(weekday).label))
        ]
        if problems:
            raise forms.ValidationError(problems)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0
    fields = ["weekday", "opens", "closes"]


class SpecialDayForm(forms.ModelForm):
    hours_text = forms.CharField(
        label=_("opening hours"),
        required=False,
        help_text=_("For open days, e.g. “10:00-14:00” or “10:00-13:00, 14:00-18:00”."),
    )

    class Meta:
        model = SpecialDay
        fields = ["date", "closed", "hours_text", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.intervals:
            self.initial["hours_text"] = ", ".join(
                f"{i['opens']}-{i['closes']}" for i in self.instance.intervals
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [
            part.strip()
            for part in (data.get("hours_text") or "").replace(";", ",").split(",")
            if part.strip()
        ]
        try:
            intervals = [parse_interval(part) for part in parts]
        except ValueError as exc:
            raise forms.ValidationError({"hours_text": str(exc)}) from exc
        if data.get("closed") and intervals:
            self.add_error("hours_text", _("A closed day has no opening hours."))
        elif not data.get("closed") and not intervals:
            self.add_error("hours_text", _("An open special day needs opening hours."))
        problems = hours.check_intervals(
            [(i.opens, i.closes) for i in intervals], label=str(data.get("date"))
        )
        if problems:
            self.add_error("hours_text", problems)
        self.instance.intervals = [
            {"opens": f"{i.opens:%H:%M}", "closes": f"{i.closes:%H:%M}"} for i in intervals
        ]
        return data


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    form = SpecialDayForm
    extra = 0


class MembershipInline(ReadOnlyInline):
    model = ShopMembership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]


# The city decides these; a merchant can never change them here.
CITY_FIELDS = ["status", "status_message", "approved_at", "slug"]


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    shop_field = "pk"
    list_display = ["name", "status", "district", "product_count_link", "pickup_lead_minutes"]
    list_filter = ["status", "district"]
    search_fields = ["name", "slug", "street"]
    inlines = [OpeningHoursInline, SpecialDayInline, MembershipInline]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "status", "status_message", "approved_at", "description", "photo"]},
        ),
        (_("Address"), {"fields": ["street", "postcode", "city", "district", "location_text"]}),
        (_("Contact"), {"fields": ["phone", "email", "website", "social_links"]}),
        (
            _("Pickup"),
            {
                "fields": [
                    "time_zone",
                    "pickup_lead_minutes",
                    "hold_minutes",
                    "pickup_days_ahead",
                    "pickup_min_window_minutes",
                    "pickup_later_days",
                    "pickup_move_allowed",
                ]
            },
        ),
        (_("Practical"), {"fields": ["card_payment", "bicycle_parking", "gift_wrapping"]}),
        (
            _("Accessibility"),
            {
                "fields": [
                    "step_free",
                    "accessible_toilet",
                    "seating",
                    "quiet_hours",
                    "hearing_loop",
                    "disabled_parking_nearby",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # status decisions are the city's (approval queue); the pin moves with `shop_move`, so the address
        # (which the pin was geocoded from) is changed by the city as well
        fixed = [*CITY_FIELDS, "location_text", "time_zone"]
        if not request.user.is_superuser:
            fixed += ["street", "postcode", "city", "district"]
        return fixed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reservations and the stock history must stay; the city suspends instead

    @admin.display(description=_("location"))
    def location_text(self, obj: Shop) -> str:
        return f"{obj.location.y:.5f}, {obj.location.x:.5f}" if obj.location else "-"

    @admin.display(description=_("products"))
    def product_count_link(self, obj: Shop) -> str:
        return format_html('<a href="../product/?shop__id__exact={}">{}</a>', obj.pk, _("products"))


# --- products and stock -------------------------------------------------------------------------------------


class StockMovementInline(ReadOnlyInline):
    model = StockMovement
    fields = [
        "created_at",
        "source",
        "on_hand_delta",
        "held_delta",
        "on_hand_after",
        "held_after",
        "note",
        "actor_user",
    ]
    readonly_fields = [
        "created_at",
        "source",
        "on_hand_delta",
        "held_delta",
        "on_hand_after",
        "held_after",
        "note",
        "actor_user",
    ]
    ordering = ["-created_at", "-pk"]
    verbose_name_plural = _("stock history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockMovement]:
        return super().get_queryset(request).select_related("actor_user")


class ProductAdminForm(forms.ModelForm):
    """Refuses a stock figure typed over a value that changed meanwhile (a sale, a reservation, the till).

    Used by the change form and by the product list's quick-edit rows alike. The figure the merchant saw
    travels with the form (Django's hidden initial value); the form checks it for a friendly message and
    `product_update` checks it again under the row lock (compare-and-set), so a change between the two is
    refused too. Bad values are form errors.
    """

    class Meta:
        model = Product
        fields = ["quantity_on_hand", "price", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "quantity_on_hand" in self.fields:
            # the figure the merchant saw travels with the form, to notice a change made meanwhile
            self.fields["quantity_on_hand"].show_hidden_initial = True
        if "stock_mode" in self.fields:
            # a form posted without the mode (an older page) keeps the product's mode
            self.fields["stock_mode"].required = False

    def seen_on_hand(self) -> int | None:
        """The on-hand figure shown when the form was loaded (None on a new product or a hand-made POST)."""
        if not self.instance.pk or "quantity_on_hand" not in self.fields:
            return None
        raw = self.data.get(self.add_initial_prefix("quantity_on_hand"))
        try:
            return int(str(raw).strip())
        except (TypeError, ValueError):
            return None

    def clean_quantity_on_hand(self) -> int:
        value = int(self.cleaned_data["quantity_on_hand"])
        error = products.quantity_error(value)
        if error:
            raise forms.ValidationError(error)
        if self.instance.pk and "quantity_on_hand" in self.changed_data:
            seen = self.seen_on_hand()
            if seen is None:
                raise forms.ValidationError(_("Please reload the page and enter the stock again."))
            current = (
                Product.objects.filter(pk=self.instance.pk).values_list("quantity_on_hand", flat=True).first()
            )
            if current is not None and current != seen:
                raise forms.ValidationError(
                    _("The stock changed to %(current)d meanwhile; please check and enter it again.")
                    % {"current": current}
                )
        return value

    def clean_price(self) -> Any:
        price = self.cleaned_data.get("price")
        if price is not None:
            error = products.price_error(price)
            if error:
                raise forms.ValidationError(error)
        return price

    def clean_stock_mode(self) -> str:
        return str(self.cleaned_data.get("stock_mode") or self.instance.stock_mode or StockMode.COUNTED)

    def clean_image(self) -> Any:
        """A new photo is checked here (size, type, readable) so a bad file is a form error; the service
        stores it upright and without metadata as WebP (decision 1600)."""
        upload = self.cleaned_data.get("image")
        if upload and "image" in self.changed_data and hasattr(upload, "read"):
            upload.seek(0)
            try:
                image_decode(upload.read())
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
            finally:
                upload.seek(0)
        return upload


def _upload_bytes(upload: Any) -> bytes:
    upload.seek(0)
    return bytes(upload.read())


class StockStateFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("out", _("out of stock")), ("in", _("in stock")), ("conflict", _("less than reserved"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "out":
            return queryset.filter(quantity_on_hand__lte=0)
        if self.value() == "in":
            return queryset.filter(quantity_on_hand__gt=0)
        if self.value() == "conflict":
            return queryset.filter(quantity_on_hand__lt=F("quantity_held"))
        return queryset


@admin.register(Product)
class ProductAdmin(ShopScopedAdmin):
    form = ProductAdminForm
    list_display = [
        "sku",
        "title",
        "shop",
        "price",
        "quantity_on_hand",
        "quantity_held",
        "stock_mode",
        "active",
        "stock_updated_at",
    ]
    list_display_links = ["sku", "title"]
    list_editable = ["quantity_on_hand", "price", "active"]
    list_filter = [StockStateFilter, "stock_mode", "active", "category"]
    list_select_related = ["shop"]
    search_fields = ["sku", "title", "gtin", "brand"]
    list_per_page = 50
    inlines = [StockMovementInline]
    readonly_fields = ["quantity_held", "stock_updated_at", "created_at", "updated_at"]
    fields = [
        "shop",
        "sku",
        "gtin",
        "title",
        "brand",
        "description",
        "price",
        "category",
        "image",
        "active",
        "stock_mode",
        "quantity_on_hand",
        "quantity_held",
        "stock_updated_at",
        "created_at",
        "updated_at",
    ]
    actions = ["mark_out_of_stock", "delist"]

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [*self.list_filter, "shop"] if sees_all_shops(request) else list(self.list_filter)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["shop", "sku"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Product, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = products.product_create(
                shop=data["shop"],
                sku=data["sku"],
                title=data["title"],
                price=data["price"],
                quantity_on_hand=data.get("quantity_on_hand") or 0,
                gtin=data.get("gtin") or "",
                description=data.get("description") or "",
                brand=data.get("brand") or "",
                category=data.get("category"),
                active=data.get("active", True),
                stock_mode=data.get("stock_mode") or StockMode.COUNTED,
                actor=actor_for(request),
            )
            if data.get("image"):
                products.product_photo_set(product=created, data=_upload_bytes(data["image"]))
            obj.pk = created.pk
            return
        changes = {name: data[name] for name in form.changed_data if name in products.EDITABLE_FIELDS}
        if "image" in form.changed_data:
            # through the photo service: upright, without metadata, WebP + thumbnail (decision 1600)
            if data["image"]:
                products.product_photo_set(product=obj, data=_upload_bytes(data["image"]))
            else:
                products.product_photo_remove(product=obj)
        if changes:
            seen = form.seen_on_hand() if isinstance(form, ProductAdminForm) else None
            products.product_update(
                product=obj, changes=changes, seen_on_hand=seen, actor=actor_for(request), note="admin"
            )

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        # The list's quick-edit rows get the same form as the change page (compare-and-set, bounds),
        # not Django's plain ModelForm.
        kwargs.setdefault("form", ProductAdminForm)
        return super().get_changelist_form(request, **kwargs)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        try:
            return super().changelist_view(request, extra_context)
        except StockChanged as exc:  # changed between the form's check and the locked write: all rolled back
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(
        self, request: HttpRequest, object_id: Any = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StockChanged as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        products.product_deactivate(product=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            products.product_deactivate(product=product)

    @admin.action(description=_("Set stock of selected products to 0"), permissions=["change"])
    def mark_out_of_stock(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = 0
        for product in queryset.order_by("pk"):
            products.product_update(
                product=product, changes={"quantity_on_hand": 0}, actor=actor_for(request)
            )
            count += 1
        self.message_user(request, ngettext("%d product updated.", "%d products updated.", count) % count)

    @admin.action(description=_("Take selected products off the map"), permissions=["change"])
    def delist(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            products.product_deactivate(product=product)


@admin.register(StockMovement)
class StockMovementAdmin(ShopScopedAdmin):
    shop_field = "product__shop"
    list_display = ["created_at", "product", "source", "on_hand_delta", "held_delta", "on_hand_after", "note"]
    list_filter = ["source"]
    search_fields = ["product__sku", "product__title"]
    list_select_related = ["product"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in StockMovement._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- reservations ---------------------------------------------------------------------------------------


class ReservationLineInline(ReadOnlyInline):
    model = ReservationLine
    fields = ["product", "quantity", "unit_price"]
    readonly_fields = ["product", "quantity", "unit_price"]


@admin.register(Reservation)
class ReservationAdmin(ShopScopedAdmin):
    list_display = ["code", "shop", "customer_name", "status", "pickup_from", "expires_at", "stock_conflict"]
    list_filter = ["status", "stock_conflict"]
    search_fields = ["code", "customer_name", "customer_email"]
    list_select_related = ["shop"]
    date_hierarchy = "created_at"
    inlines = [ReservationLineInline]
    actions = ["mark_ready", "mark_collected", "mark_no_show"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Reservation._meta.fields if field.name != "token_hash"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents reserve; the merchant acts on reservations

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _transition(self, request: HttpRequest, queryset: QuerySet[Reservation], action: str) -> None:
        from marketplace.services import reservations as services

        actor = services.Actor(user=request.user)
        done = 0
        for reservation in queryset.order_by("pk"):
            try:
                if action == "ready":
                    services.reservation_mark_ready(reservation=reservation)
                elif action == "collected":
                    services.reservation_collect(reservation=reservation, actor=actor)
                else:
                    services.reservation_mark_no_show(reservation=reservation, actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{reservation.code}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(
                request, ngettext("%d reservation updated.", "%d reservations updated.", done) % done
            )

    @admin.action(description=_("Mark as ready for pickup"), permissions=["change"])
    def mark_ready(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self._transition(request, queryset, "ready")

    @admin.action(description=_("Mark as collected"), permissions=["change"])
    def mark_collected(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self._transition(request, queryset, "collected")

    @admin.action(description=_("Mark as not collected (no-show)"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self._transition(request, queryset, "no_show")


# --- API keys, webhooks, imports --------------------------------------------------------------------------


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["shop", "name", "scope"]


@admin.register(ApiKey)
class ApiKeyAdmin(ShopScopedAdmin):
    owners_only = True
    list_display = ["name", "shop", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    list_select_related = ["shop"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["shop", "name", "scope"]
        return ["shop", "name", "prefix", "scope", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["shop", "prefix", "scope", "created_by", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool) -> None:
        if change:
            ApiKey.objects.filter(pk=obj.pk).update(name=form.cleaned_data["name"])
            return
        data = form.cleaned_data
        api_key, raw_key = api_key_services.api_key_create(
            shop=data["shop"], name=data["name"], scope=data["scope"], created_by=cast(User, request.user)
        )
        obj.pk = api_key.pk
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                _("The new API key (shown only now, copy it to your till):"),
                raw_key,
            ),
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: movements keep pointing at the key

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            api_key_services.api_key_revoke(api_key=api_key, by_user=request.user)
        self.message_user(request, _("Keys revoked."))


class WebhookDeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["created_at", "event", "attempt", "status_code", "error", "duration_ms"]
    readonly_fields = ["created_at", "event", "attempt", "status_code", "error", "duration_ms"]
    ordering = ["-created_at", "-pk"]
    max_num = 50


class WebhookQueueInline(ReadOnlyInline):
    """The webhook's events not delivered yet: pending, retrying (with the last error) and dead."""

    model = OutboxMessage
    verbose_name = _("event waiting")
    verbose_name_plural = _("events waiting, retrying or dead")
    fields = ["created_at", "state", "attempts", "due_at", "last_error"]
    readonly_fields = ["created_at", "state", "attempts", "due_at", "last_error"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxMessage]:
        waiting = super().get_queryset(request).exclude(state=OutboxMessage.State.DELIVERED)
        return waiting.order_by("created_at", "pk")


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(event, event) for event in webhooks.EVENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None selected: all events."),
    )
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", widget=AdminURLFieldWidget)

    class Meta:
        model = Webhook
        fields = ["shop", "url", "events", "active"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            webhooks.validate_webhook_url(url)
        except DomainError as exc:
            raise forms.ValidationError(exc.details.get("url") or exc.message) from exc
        return url


@admin.register(Webhook)
class WebhookAdmin(ShopScopedAdmin):
    owners_only = True
    form = WebhookForm
    list_display = ["url", "shop", "active", "consecutive_failures", "disabled_at"]
    list_filter = ["active"]
    list_select_related = ["shop"]
    inlines = [WebhookQueueInline, WebhookDeliveryInline]
    readonly_fields = ["consecutive_failures", "disabled_at"]
    actions = ["enable"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["shop", *self.readonly_fields] if obj is not None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Webhook, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            webhooks.webhook_update(
                webhook=obj,
                url=data["url"],
                events=list(data["events"]),
                active=data["active"],
                by_user=request.user,
            )
            return
        webhook, secret = webhooks.webhook_create(
            shop=data["shop"], url=data["url"], events=list(data["events"]), by_user=request.user
        )
        obj.pk = webhook.pk
        self.message_user(
            request,
            format_html("{} <code>{}</code>", _("The signing secret (shown only now):"), secret),
            messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhooks.webhook_delete(webhook=obj, by_user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhooks.webhook_delete(webhook=webhook, by_user=request.user)

    @admin.action(description=_("Enable selected webhooks again"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhooks.webhook_enable(webhook=webhook, by_user=request.user)


class ImportJobForm(forms.ModelForm):
    upload = forms.FileField(label=_("CSV file"), help_text=_("sku;title;quantity;price;gtin;category"))

    class Meta:
        model = ImportJob
        fields = ["shop", "dry_run", "partial"]

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        try:
            csv_import.decode(upload.read())
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        upload.seek(0)
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(ShopScopedAdmin):
    list_display = ["created_at", "shop", "original_name", "state", "dry_run", "rows_done", "rows_total"]
    list_filter = ["state", "dry_run"]
    list_select_related = ["shop"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ImportJobForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["shop", "upload", "dry_run", "partial"]
        return [
            "shop",
            "original_name",
            "state",
            "dry_run",
            "partial",
            "rows_done",
            "rows_total",
            "report",
            "created_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ImportJob, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        upload = data["upload"]
        job = csv_import.import_job_create(
            shop=data["shop"],
            data=upload.read(),
            name=upload.name or "",
            dry_run=data["dry_run"],
            partial=data["partial"],
            actor=products.Actor(source=StockMovement.Source.CSV, user=request.user),
        )
        obj.pk = job.pk


@admin.register(ShopMembership)
class ShopMembershipAdmin(ShopScopedAdmin):
    list_display = ["user", "shop", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "shop__name"]
    list_select_related = ["user", "shop"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["scope", "state", "response_status", "created_at", "expires_at"]
    list_filter = ["state"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
