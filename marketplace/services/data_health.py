"""Keeping the town's data healthy: the daily snapshot of the totals, the weekly "is your stock still
true?" e-mail to merchants whose stock went stale, and the one-tap confirmation behind its link.

The link carries a signed, expiring token (shop and owner, `django.core.signing`); it confirms the stock
of that one shop and nothing else, and only while the signer's owner still owns the shop.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import ValidationFailed
from marketplace.models import HealthSnapshot, OutboxMessage, Product, Shop, ShopMembership
from marketplace.selectors.data_health import data_health_shops, data_health_totals, stale_stock_shops
from marketplace.services.emails import email_compose
from marketplace.services.outbox import Outgoing, outbox_message_id, outbox_put_all

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


@transaction.atomic
def stale_stock_reminders_send(*, now: datetime | None = None) -> int:
    """The weekly e-mail to the owners of shops with stale stock: one outbox row per owner and shop, written
    in one transaction (Celery beat); returns the number of e-mails queued."""
    now = now or timezone.now()
    messages = []
    for stale in stale_stock_shops(now=now):
        owner_ids = (
            ShopMembership.objects.filter(
                shop=stale.shop, role=ShopMembership.Role.OWNER, user__is_active=True
            )
            .exclude(user__email="")
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        messages += [
            Outgoing("email.stale_stock", {"shop_id": stale.shop.pk, "user_id": user_id}, shop=stale.shop.pk)
            for user_id in owner_ids
        ]
    outbox_put_all(messages, now=now)
    return len(messages)


def stale_stock_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: one "is your stock still true?" e-mail with the owner's own signed link; nothing
    when the stock was confirmed meanwhile or the user no longer owns the shop."""
    now = timezone.now()
    shop_id, user_id = int(message.payload["shop_id"]), int(message.payload["user_id"])
    stale = next(iter(stale_stock_shops(now=now, shop_id=shop_id)), None)
    owner = (
        get_user_model()
        .objects.filter(
            pk=user_id,
            is_active=True,
            shop_memberships__shop_id=shop_id,
            shop_memberships__role=ShopMembership.Role.OWNER,
        )
        .exclude(email="")
        .first()
    )
    if stale is None or owner is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "shop": stale.shop,
            "stale_products": stale.stale_products,
            "last_confirmed": stale.last_stock_update,
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
            headers={"Message-ID": outbox_message_id(message)},
        )
    email.send()
