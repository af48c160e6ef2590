"""Availability: on-hand minus what unexpired reservations hold, at a given instant.

`Product.quantity_held` also counts reservations past `expires_at` that the sweeper has not tidied yet,
so reads never trust it alone: when it is non-zero, the unexpired holds are summed at `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from marketplace.models import Product, Reservation, ReservationLine

ACTIVE_STATUSES = [Reservation.Status.HELD, Reservation.Status.READY]


def active_line_filter(*, now: datetime, prefix: str = "") -> Q:
    """Reservation lines that hold stock at `now` (status held/ready and not yet expired)."""
    return Q(
        **{f"{prefix}reservation__status__in": ACTIVE_STATUSES, f"{prefix}reservation__expires_at__gt": now}
    )


def held_now_expression(*, now: datetime) -> Case:
    """Units of a product held at `now`; skips the sub-query for the common case of no holds at all."""
    held = (
        ReservationLine.objects.filter(active_line_filter(now=now), product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Case(
        When(quantity_held=0, then=Value(0)),
        default=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)),
        output_field=IntegerField(),
    )


def available_expression(*, now: datetime) -> Greatest:
    """Units a resident can still reserve at `now`: never below 0."""
    return Greatest(
        F("quantity_on_hand") - held_now_expression(now=now), Value(0), output_field=IntegerField()
    )


def products_with_availability(queryset: QuerySet[Product], *, now: datetime) -> QuerySet[Product]:
    """Annotate `available` (int) on products."""
    return queryset.annotate(available=available_expression(now=now))


def stock_fresh_since(*, now: datetime) -> datetime:
    """Stock confirmed before this instant is stale: it does not count as available today."""
    return now - timedelta(days=settings.LADENKARTE_STOCK_FRESH_DAYS)


def availability_label(available: int) -> str:
    """`in_stock`, `limited` (1-2 left) or `out_of_stock`, as in API.md."""
    if available <= 0:
        return "out_of_stock"
    if available <= settings.LADENKARTE_LIMITED_THRESHOLD:
        return "limited"
    return "in_stock"
