"""The availability rule, stated once: what a resident can still reserve of a product at `now`.

    available = 0                                          if stock was last confirmed before
                                                              now - LADENKARTE_STOCK_FRESH_DAYS (stale)
              = max(on_hand - units of unexpired held/ready reservation lines, 0)   otherwise

Every surface reads availability from here: the search (`available_sql`), product and shop pages, website
and API collections, the product API, the feeds, JSON-LD, my-shop (`products_with_availability` /
`available_expression`), and reservations decide with the same figure (`availability_now`). Other issues
(e.g. "tell me when it's here" alerts) should import it from here too; never re-apply freshness by hand.

`Product.quantity_held` also counts reservations past `expires_at` that the sweeper has not tidied yet,
so reads never trust it alone: when it is non-zero, the unexpired holds are summed at `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from marketplace.models import Product, Reservation, ReservationLine


def stock_fresh_since(*, now: datetime) -> datetime:
    """Stock confirmed before this instant is stale: it does not count as available."""
    return now - timedelta(days=settings.LADENKARTE_STOCK_FRESH_DAYS)


def stock_is_fresh(stock_updated_at: datetime, *, now: datetime) -> bool:
    """Whether a stock figure confirmed at `stock_updated_at` still counts at `now`."""
    return stock_updated_at >= stock_fresh_since(now=now)


def stock_fresh_q(*, now: datetime, prefix: str = "") -> Q:
    """Products (through `prefix`, e.g. "products__") whose stock counts at `now`; `~` of it: the stale ones.

    For counts of fresh or stale stock (city boards, reminders); what residents can reserve is
    `available_expression`."""
    return Q(**{f"{prefix}stock_updated_at__gte": stock_fresh_since(now=now)})


def active_line_filter(*, now: datetime, prefix: str = "") -> Q:
    """Reservation lines that hold stock at `now` (status held/ready and not yet expired)."""
    return Q(
        **{
            f"{prefix}reservation__status__in": Reservation.ACTIVE_STATUSES,
            f"{prefix}reservation__expires_at__gt": now,
        }
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


def stock_fresh_expression(*, now: datetime) -> ExpressionWrapper:
    """`True` where the product's stock was confirmed recently enough to count."""
    return ExpressionWrapper(stock_fresh_q(now=now), output_field=BooleanField())


def available_expression(*, now: datetime) -> Case:
    """Units a resident can still reserve at `now`: 0 for stale stock, never below 0 (the module's rule)."""
    return Case(
        When(~stock_fresh_q(now=now), then=Value(0)),
        default=Greatest(
            F("quantity_on_hand") - held_now_expression(now=now), Value(0), output_field=IntegerField()
        ),
        output_field=IntegerField(),
    )


def products_with_availability(queryset: QuerySet[Product], *, now: datetime) -> QuerySet[Product]:
    """Annotate `available` (int, the rule) and `stock_fresh` (bool) on products."""
    return queryset.annotate(
        available=available_expression(now=now), stock_fresh=stock_fresh_expression(now=now)
    )


def availability_now(product_ids: Sequence[int], *, now: datetime) -> dict[int, int]:
    """The rule's figure per product id at `now` (products that do not exist are missing)."""
    products = Product.objects.filter(pk__in=list(product_ids))
    return dict(products.annotate(available=available_expression(now=now)).values_list("pk", "available"))


# --- the same rule for hand-written SQL (the search's one statement) --------------------------------------
# Parameters: %(now)s and %(fresh_since)s (`stock_fresh_since(now=now)`); `alias` is the product table's alias
# in the statement, whose rows need `id`, `quantity_on_hand`, `quantity_held` and `stock_updated_at`.


def held_now_sql(alias: str = "p") -> str:
    """SQL: units held at %(now)s of the product row `alias` (as `held_now_expression`)."""
    line = ReservationLine._meta.db_table
    reservation = Reservation._meta.db_table
    statuses = ", ".join(f"'{status.value}'" for status in Reservation.ACTIVE_STATUSES)
    return (
        f"CASE WHEN {alias}.quantity_held = 0 THEN 0 ELSE COALESCE(("  # noqa: S608 - identifiers are ours
        f"SELECT SUM(l.quantity) FROM {line} l JOIN {reservation} r ON r.id = l.reservation_id "
        f"WHERE l.product_id = {alias}.id AND r.status IN ({statuses}) AND r.expires_at > %(now)s"
        "), 0) END"
    )


def available_sql(alias: str = "p") -> str:
    """SQL: the rule's `available` of the product row `alias` (as `available_expression`)."""
    return (
        f"CASE WHEN {alias}.stock_updated_at < %(fresh_since)s THEN 0 "
        f"ELSE GREATEST({alias}.quantity_on_hand - {held_now_sql(alias)}, 0) END"
    )


def available_positive_sql(alias: str = "p") -> str:
    """SQL condition: the rule's `available` of row `alias` is above 0 (written as row filters the KNN
    scan can apply one by one: fresh first, then on-hand above what is held)."""
    return f"{alias}.stock_updated_at >= %(fresh_since)s AND {alias}.quantity_on_hand > {held_now_sql(alias)}"


def availability_label(available: int) -> str:
    """`in_stock`, `limited` (1-2 left) or `out_of_stock`, as in API.md."""
    if available <= 0:
        return "out_of_stock"
    if available <= settings.LADENKARTE_LIMITED_THRESHOLD:
        return "limited"
    return "in_stock"


# --- the search's scan filter: the held counter with lazy expiry, no sub-query per row ---------------------
# `Product.quantity_held` is maintained by the reservation services and the sweeper as the units of held/ready
# lines, including those past `expires_at` the sweeper has not tidied yet (decision 0200; the stock stress
# test checks it). So the units held at `now` are the counter minus the units of active lines already past
# expiry - a handful, found once per statement through `reservation_active_expiry_idx`, instead of a
# correlated sub-query for every row the scan looks at (whose cost estimate made the planner JIT-compile the
# text search, issue 14). The figure shown on a result is still `available_sql` (the rule, on the page's
# rows only).

EXPIRED_HOLDS_CTE = "expired_holds"


def expired_holds_cte_sql() -> str:
    """SQL for a `WITH` list: one row with the ids (`ids`) and units (`units`) of active holds past expiry
    at %(now)s that the counter still includes (the sweeper's backlog; usually empty)."""
    line = ReservationLine._meta.db_table
    reservation = Reservation._meta.db_table
    statuses = ", ".join(f"'{status.value}'" for status in Reservation.ACTIVE_STATUSES)
    return (
        f"{EXPIRED_HOLDS_CTE} AS MATERIALIZED (SELECT COALESCE(array_agg(e.product_id), '{{}}') AS ids, "  # noqa: S608
        "COALESCE(array_agg(e.units), '{}') AS units FROM ("
        f"SELECT l.product_id, SUM(l.quantity)::int AS units FROM {line} l "
        f"JOIN {reservation} r ON r.id = l.reservation_id "
        f"WHERE r.status IN ({statuses}) AND r.expires_at <= %(now)s GROUP BY l.product_id) e)"
    )


def held_counted_sql(alias: str = "p") -> str:
    """SQL: units held at %(now)s of row `alias` from the counter minus its expired holds (needs the CTE of
    `expired_holds_cte_sql` in the statement; two one-time InitPlans, nothing per row but an array lookup)."""
    cte = EXPIRED_HOLDS_CTE
    return (
        f"({alias}.quantity_held - COALESCE((SELECT units FROM {cte})"  # noqa: S608 - identifiers are ours
        f"[array_position((SELECT ids FROM {cte}), {alias}.id)], 0))"
    )


def available_counted_positive_sql(alias: str = "p") -> str:
    """SQL condition: the rule's `available` of row `alias` is above 0, from the held counter (see above)."""
    fresh = f"{alias}.stock_updated_at >= %(fresh_since)s"
    return f"{fresh} AND {alias}.quantity_on_hand > {held_counted_sql(alias)}"


def sold_recently_days(last_sold_at: datetime | None, *, now: datetime) -> int | None:
    """N when the till's sales export saw a sale within the last N days (`LADENKARTE_SOLD_RECENTLY_DAYS`):
    a likely-in-stock signal, shown as such and never counted as stock (decision 1601); else None."""
    days = int(settings.LADENKARTE_SOLD_RECENTLY_DAYS)
    if last_sold_at is None or last_sold_at < now - timedelta(days=days):
        return None
    return days
