"""Tenancy of the merchants' admin: every query, choice and object permission scoped to the user's shops.

A merchant (staff user in the "Merchants" group) sees and edits only the objects of shops they are a member
of: querysets, foreign-key choices and object permissions are all scoped, so another shop's object answers
like a missing one. Superusers and "City editors" see everything their permissions allow. Membership comes
from the selector the API and my-shop use, so the three cannot disagree on who works for which shop.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet, URLField
from django.http import HttpRequest

from marketplace.models import Product, Shop, StockMovement
from marketplace.selectors.merchant import shops_for_member, shops_with_integrations_managed_by
from marketplace.services import products
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
    """The user's shops by the rule the API and my-shop use (`selectors.merchant.shops_for_member`)."""
    cache = "_lk_member_shops"
    if not hasattr(request, cache):
        setattr(request, cache, list(shops_for_member(user=request.user).values_list("pk", flat=True)))
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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
