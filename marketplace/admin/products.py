"""Admin for products and their stock history (scoped to members, `tenancy`); stock writes go through
`marketplace.services.products`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin.tenancy import (
    ReadOnlyInline,
    ShopScopedAdmin,
    actor_for,
    sees_all_shops,
)
from marketplace.exceptions import DomainError, StockChanged
from marketplace.models import (
    Product,
    StockMode,
    StockMovement,
)
from marketplace.services import products
from marketplace.services.images import image_decode

# --- products and stock -------------------------------------------------------------------------------------


_MOVEMENT_FIELDS = (
    "created_at",
    "source",
    "on_hand_delta",
    "held_delta",
    "on_hand_after",
    "held_after",
    "note",
    "actor_user",
)


class StockMovementInline(ReadOnlyInline):
    model = StockMovement
    fields = _MOVEMENT_FIELDS
    readonly_fields = _MOVEMENT_FIELDS
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
