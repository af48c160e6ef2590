"""Keeping the town's data healthy: the daily snapshot of the totals, the weekly "is your stock still
true?" e-mail to merchants whose stock went stale, and the one-tap confirmation behind its link.

The link carries a signed, expiring token (shop and owner, `django.core.signing`); it confirms the stock
of that one shop and nothing else, and only while the signer's owner still owns the shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import ValidationFailed
from marketplace.models import HealthSnapshot, Product, Shop, ShopMembership
from marketplace.selectors.data_health import data_health_shops, data_health_totals
from marketplace.selectors.stock import stock_fresh_since
from marketplace.services.emails import email_compose

CONFIRM_SALT = "ladenkarte.stock-still-true"
CONFIRM_MAX_AGE = timedelta(days=7)


def data_health_snapshot_write(*, now: datetime | None = None) -> HealthSnapshot:
    """Store today's town totals (once a day by Celery beat; a second run the same day updates them)."""
    now = now or timezone.now()
    totals = data_health_totals(data_health_shops(now=now))
    snapshot, _created = HealthSnapshot.objects.update_or_create(
        date=timezone.localdate(now), defaults={"totals": totals}
    )
    return snapshot


def stock_confirm_token(*, shop: Shop, user_id: int) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(f"{shop.pk}:{user_id}")


def stock_confirm_url(*, shop: Shop, user_id: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("my_shop:stock-confirm", args=[stock_confirm_token(shop=shop, user_id=user_id)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def stock_confirm_shop(*, token: str) -> Shop:
    """The active shop a valid, unexpired token names, while its user still owns it; else
    `ValidationFailed`."""
    problem = ValidationFailed(
        _(
            "This link is not valid any more. Please confirm your stock in your shop's admin or on the "
            "my-shop page."
        ),
        details={"token": [_("Invalid or expired link.")]},
    )
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
        shop_id, user_id = (int(part) for part in value.split(":"))
    except (signing.BadSignature, ValueError):
        raise problem from None
    shop = (
        Shop.objects.active()
        .filter(pk=shop_id, memberships__user_id=user_id, memberships__role=ShopMembership.Role.OWNER)
        .first()
    )
    if shop is None:
        raise problem
    return shop


@transaction.atomic
def stock_confirm_still_true(*, token: str, now: datetime | None = None) -> int:
    """ "Still true": the shop's listed products count as confirmed now. Returns the products confirmed."""
    now = now or timezone.now()
    shop = stock_confirm_shop(token=token)
    return Product.objects.filter(shop=shop, active=True).update(stock_updated_at=now)


@dataclass(frozen=True)
class StaleShop:
    shop: Shop
    stale_products: int
    last_confirmed: datetime | None


def stale_stock_shops(*, now: datetime) -> list[StaleShop]:
    """Active shops with listed products whose stock is no longer fresh (they show as unavailable)."""
    fresh_since = stock_fresh_since(now=now)
    shops = (
        Shop.objects.active()
        .annotate(
            stale=Count(
                "products", filter=Q(products__active=True, products__stock_updated_at__lt=fresh_since)
            ),
            last=Max("products__stock_updated_at", filter=Q(products__active=True)),
        )
        .filter(stale__gt=0)
        .order_by("pk")
    )
    return [StaleShop(shop=shop, stale_products=shop.stale, last_confirmed=shop.last) for shop in shops]  # type: ignore[attr-defined]


def stale_stock_reminders_send(*, now: datetime | None = None) -> int:
    """The weekly e-mail to the owners of shops with stale stock, each with its own "still true" link.
    Runs in the Celery worker (beat); returns the number of e-mails sent."""
    now = now or timezone.now()
    sent = 0
    for stale in stale_stock_shops(now=now):
        owners = (
            get_user_model()
            .objects.filter(
                shop_memberships__shop=stale.shop,
                shop_memberships__role=ShopMembership.Role.OWNER,
                is_active=True,
            )
            .exclude(email="")
        )
        for owner in owners:
            with translation.override(settings.LANGUAGE_CODE):
                context = {
                    "shop": stale.shop,
                    "stale_products": stale.stale_products,
                    "last_confirmed": stale.last_confirmed,
                    "fresh_days": settings.LADENKARTE_STOCK_FRESH_DAYS,
                    "url": stock_confirm_url(shop=stale.shop, user_id=owner.pk),
                    "valid_days": CONFIRM_MAX_AGE.days,
                    "operator": settings.LADENKARTE_OPERATOR,
                }
                subject = _("%(shop)s: is your stock on Ladenkarte still true?") % {"shop": stale.shop.name}
                email = email_compose(
                    subject=subject,
                    template="marketplace/email/stale_stock.txt",
                    context=context,
                    to=[owner.email],
                )
            sent += email.send()
    return sent
