"""Reading reservations: residents reach one only with code and token, merchants only their shop's."""

from __future__ import annotations

import hmac
from datetime import date

from django.db.models import F, Prefetch, QuerySet

from marketplace.exceptions import NotFound
from marketplace.models import Reservation, ReservationLine, Shop
from marketplace.reservation_codes import reservation_code_normalize, reservation_token_hash

# Compared against when the code is unknown, so both cases cost the same.
_DUMMY_HASH = reservation_token_hash("no-such-reservation")


def _with_lines(queryset: QuerySet[Reservation]) -> QuerySet[Reservation]:
    lines = ReservationLine.objects.select_related("product").order_by("product_id")
    return queryset.select_related("shop").prefetch_related(Prefetch("lines", queryset=lines))


def reservation_get_by_token(*, code: str, token: str) -> Reservation:
    """The reservation with `code` if `token` is its secret; else `NotFound`, the same for every failure."""
    reservation = _with_lines(Reservation.objects.filter(code=reservation_code_normalize(code or ""))).first()
    expected = reservation.token_hash if reservation is not None else _DUMMY_HASH
    matches = hmac.compare_digest(expected, reservation_token_hash(token or ""))
    if reservation is None or not token or not matches:
        raise NotFound()
    return reservation


def reservations_of_shop(
    *, shop: Shop, status: str | None = None, pickup_date: date | None = None
) -> QuerySet[Reservation]:
    """A shop's reservations for the merchant by pickup day, then soonest expiry, with lines and products."""
    queryset = Reservation.objects.filter(shop=shop)
    if status:
        queryset = queryset.filter(status=status)
    if pickup_date:
        queryset = queryset.filter(pickup_date=pickup_date)
    return _with_lines(queryset).order_by(F("pickup_date").asc(nulls_first=True), "expires_at", "pk")


def reservation_get_in_shop(*, shop: Shop, code: str) -> Reservation:
    """One reservation of `shop` by code (the caller has been authorised for the shop); else `NotFound`."""
    reservation = _with_lines(
        Reservation.objects.filter(shop=shop, code=reservation_code_normalize(code))
    ).first()
    if reservation is None:
        raise NotFound()
    return reservation
