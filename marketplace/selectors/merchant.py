"""What a merchant may reach: only the shops of its memberships or of its API key (fails closed as 404)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import NotFound, PermissionDenied
from marketplace.models import (
    ApiKey,
    OpeningHours,
    Product,
    Shop,
    ShopMembership,
    SpecialDay,
    Webhook,
)


def shop_email_addresses(*, shop: Shop, owners_only: bool = False) -> list[str]:
    """Where a shop's e-mails go: its active (confirmed) owners' addresses and the shop's own, lower-cased,
    once each. `owners_only`: not the shop's own address (the registration: that address is whatever the
    form said until the city has looked at the shop; decision 1200)."""
    owners = (
        get_user_model()
        .objects.filter(
            shop_memberships__shop=shop, shop_memberships__role=ShopMembership.Role.OWNER, is_active=True
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    own = [shop.email.lower()] if shop.email and not owners_only else []
    return sorted({*(address.lower() for address in owners), *own})


def shops_for_member(*, user: Any = None, api_key: ApiKey | None = None) -> QuerySet[Shop]:
    """The shops the caller works for: the key's shop (if not revoked) or the user's memberships.

    Superusers get no special reach here: the merchant API and the "my shop" page act for shop members;
    the city works through the admin.
    """
    if api_key is not None:
        if not api_key.is_active:
            return Shop.objects.none()
        return Shop.objects.filter(pk=api_key.shop_id)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Shop.objects.none()
    return Shop.objects.filter(memberships__user=user)


def shop_get_for_member(
    *, user: Any = None, api_key: ApiKey | None = None, slug: str, owner_only: bool = False
) -> Shop:
    """The shop `slug` if the caller may reach it, else `NotFound` (the same as an unknown slug).

    `owner_only`: a member of staff may see the shop but not manage keys and webhooks (`PermissionDenied`).
    """
    shop = shops_for_member(user=user, api_key=api_key).filter(slug=slug).first()
    if shop is None:
        raise NotFound()
    if owner_only and api_key is None and not may_manage_integrations(user=user, shop=shop):
        raise PermissionDenied(_("Only the shop owner may do this."))
    return shop


def shop_member_is_owner(*, user: Any, shop: Shop) -> bool:
    return ShopMembership.objects.filter(user=user, shop=shop, role=ShopMembership.Role.OWNER).exists()


def may_manage_integrations(*, user: Any, shop: Shop) -> bool:
    """The one rule for API keys and webhooks (admin, API, my-shop; enforced by their services): the shop's
    owners, and superusers (the operators). Staff members, city editors and everyone else may not."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or shop_member_is_owner(user=user, shop=shop)


def shops_with_integrations_managed_by(*, user: Any) -> QuerySet[Shop]:
    """The shops whose API keys and webhooks `user` may manage (`may_manage_integrations`, as a set)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Shop.objects.none()
    if user.is_superuser:
        return Shop.objects.all()
    return Shop.objects.filter(memberships__user=user, memberships__role=ShopMembership.Role.OWNER).distinct()


def product_get_in_shop(*, shop: Shop, sku: str) -> Product:
    product = Product.objects.filter(shop=shop, sku=sku).select_related("category").first()
    if product is None:
        raise NotFound()
    return product


def products_of_shop(*, shop: Shop, q: str = "", active: bool | None = None) -> QuerySet[Product]:
    """A shop's products for the merchant (listed or not), by title; `q` matches SKU, GTIN or title."""
    queryset = Product.objects.filter(shop=shop).select_related("category").order_by("title", "pk")
    if q:
        queryset = queryset.filter(
            Q(sku__iexact=q) | Q(gtin=q) | Q(title__icontains=q) | Q(sku__istartswith=q)
        )
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset


def webhook_get_for_shop(*, shop: Shop, webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(shop=shop, pk=webhook_id).first()
    if webhook is None:
        raise NotFound()
    return webhook


def api_keys_of_shop(*, shop: Shop) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(shop=shop).order_by("-created_at")


def weekly_hours_of_shop(*, shop: Shop) -> list[OpeningHours]:
    return list(OpeningHours.objects.filter(shop=shop).order_by("weekday", "opens"))


def special_days_of_shop(*, shop: Shop, start: date | None = None) -> list[SpecialDay]:
    """The shop's special days from `start` (default: today in the shop's zone) on."""
    if start is None:
        from zoneinfo import ZoneInfo

        start = timezone.now().astimezone(ZoneInfo(shop.time_zone)).date()
    return list(SpecialDay.objects.filter(shop=shop, date__gte=start).order_by("date"))
