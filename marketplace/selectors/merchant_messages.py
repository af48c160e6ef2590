"""Reads of the city's messages to merchants: the city's overview and a shop's banners on "my shop"."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from marketplace.models import MerchantMessage, MerchantMessageRecipient, Shop

BANNER_DAYS = 60


def merchant_messages_overview(*, limit: int = 100) -> list[MerchantMessage]:
    """The latest messages with their number of recipients and answers (`recipient_count`, `answered`)."""
    return list(
        MerchantMessage.objects.annotate(
            recipient_count=Count("recipients"),
            answered=Count("recipients", filter=~Q(recipients__answer="")),
        ).order_by("-created_at")[:limit]
    )


def merchant_message_banners(
    *, shop: Shop, now: datetime | None = None
) -> QuerySet[MerchantMessageRecipient]:
    """The shop's city messages still to show as a banner: not dismissed (answering dismisses), recent."""
    now = now or timezone.now()
    return (
        MerchantMessageRecipient.objects.filter(
            shop=shop, dismissed_at__isnull=True, message__created_at__gte=now - timedelta(days=BANNER_DAYS)
        )
        .select_related("message")
        .order_by("-message__created_at")
    )
