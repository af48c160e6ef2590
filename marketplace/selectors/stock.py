"""The availability rule, stated once: what a resident can still reserve of a product at `now`.

By the product's stock mode (`Product.stock_mode`, decision 1600):

    always, next_day:  available = LADENKARTE_MAX_UNITS_PER_LINE   (no stock figure, never stale; next_day
                                                                    is collectable from the next opening day)
    counted, toggle:   available = 0                               if stock was last confirmed before
                                                                    now - LADENKARTE_STOCK_FRESH_DAYS (stale)
    toggle:            available = LADENKARTE_TOGGLE_MAX_UNITS     if on hand > 0 ("in stock"), else 0
                                                                    (no count; the shop confirms each hold)
    counted:           available = max(on_hand - units of unexpired held/ready reservation lines, 0)

So `available` is what one hold may take now; only `counted` is a count of units on the shelf.

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

from marketplace.models import UNCOUNTED_MODES, Product, Reservation, ReservationLine, StockMode

_UNCOUNTED_SQL = ", ".join(f"'{mode.value}'" for mode in UNCOUNTED_MODES)


def uncounted_units() -> int:
    """`available` of an "always" or "next day" product: what one hold may take."""
    return int(settings.LADENKARTE_MAX_UNITS_PER_LINE)


def toggle_units() -> int:
    """`available` of an "in stock / sold out" product that is in stock: the most one hold may take."""
    return int(settings.LADENKARTE_TOGGLE_MAX_UNITS)


def stock_fresh_since(*, now: datetime) -> datetime:
    """Stock confirmed before this instant is stale: it does not count as available."""
    return now - timedelta(days=settings.LADENKARTE_STOCK_FRESH_DAYS)


def stock_is_fresh(stock_updated_at: datetime, *, now: datetime, mode: str = StockMode.COUNTED) -> bool:
    """Whether a stock figure confirmed at `stock_updated_at` still counts at `now` (always for the modes
    without a figure)."""
    return mode in UNCOUNTED_MODES or stock_updated_at >= stock_fresh_since(now=now)


def stock_fresh_q(*, now: datetime, prefix: str = "") -> Q:
    """Products (through `prefix`, e.g. "products__") whose stock counts at `now`; `~` of it: the stale ones.

    For counts of fresh or stale stock (city boards, reminders); what residents can reserve is
    `available_expression`. Products without a stock figure ("always", "next day") are never stale."""
    return Q(**{f"{prefix}stock_updated_at__gte": stock_fresh_since(now=now)}) | Q(
        **{f"{prefix}stock_mode__in": list(UNCOUNTED_MODES)}
    )


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
        When(stock_mode__in=list(UNCOUNTED_MODES), then=Value(uncounted_units())),
        When(~stock_fresh_q(now=now), then=Value(0)),
        When(stock_mode=StockMode.TOGGLE, quantity_on_hand__gt=0, then=Value(toggle_units())),
        When(stock_mode=StockMode.TOGGLE, then=Value(0)),
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
        f"CASE WHEN {alias}.stock_mode IN ({_UNCOUNTED_SQL}) THEN {uncounted_units()} "
        f"WHEN {alias}.stock_updated_at < %(fresh_since)s THEN 0 "
        f"WHEN {alias}.stock_mode = '{StockMode.TOGGLE.value}' "
        f"THEN CASE WHEN {alias}.quantity_on_hand > 0 THEN {toggle_units()} ELSE 0 END "
        f"ELSE GREATEST({alias}.quantity_on_hand - {held_now_sql(alias)}, 0) END"
    )


def _positive_sql(alias: str, *, held: str, today: bool) -> str:
    # counted first (nearly every row): fresh, then on-hand above what is held, each a row filter; then a
    # fresh "in stock" toggle; then the modes without a figure (next_day only when not asked for today)
    counted = (
        f"{alias}.stock_mode = '{StockMode.COUNTED.value}' AND {alias}.stock_updated_at >= %(fresh_since)s "
        f"AND {alias}.quantity_on_hand > {held}"
    )
    toggle = (
        f"{alias}.stock_mode = '{StockMode.TOGGLE.value}' AND {alias}.stock_updated_at >= %(fresh_since)s "
        f"AND {alias}.quantity_on_hand > 0"
    )
    uncounted = (
        f"{alias}.stock_mode = '{StockMode.ALWAYS.value}'"
        if today
        else f"{alias}.stock_mode IN ({_UNCOUNTED_SQL})"
    )
    return f"(({counted}) OR ({toggle}) OR {uncounted})"


def available_positive_sql(alias: str = "p", *, today: bool = False) -> str:
    """SQL condition: the rule's `available` of row `alias` is above 0 (with `today`: and it can be collected
    today, i.e. not "next day")."""
    return _positive_sql(alias, held=held_now_sql(alias), today=today)


def stocked_sql(alias: str = "p") -> str:
    """SQL condition: row `alias` has something on hand, or needs no stock figure (what the search lists)."""
    return f"({alias}.quantity_on_hand > 0 OR {alias}.stock_mode IN ({_UNCOUNTED_SQL}))"


def availability_label(available: int, mode: str = StockMode.COUNTED) -> str:
    """`in_stock`, `limited` (1-2 left), `out_of_stock`, `always_available` or `next_day`, as in API.md.

    `limited` is only said of counted stock: an "in stock / sold out" product has no count."""
    if mode == StockMode.ALWAYS:
        return "always_available"
    if mode == StockMode.NEXT_DAY:
        return "next_day"
    if available <= 0:
        return "out_of_stock"
    if mode == StockMode.COUNTED and available <= settings.LADENKARTE_LIMITED_THRESHOLD:
        return "limited"
    return "in_stock"


STOCK_MODE_HELP = (
    "counted: quantity_on_hand is the count; toggle: in stock (quantity_on_hand > 0) or sold out (0), no "
    "count, holds of 1-2 units that the shop confirms; always: always available (services, made to order), "
    "no stock figure; next_day: the shop can get it by the next opening day, pickup from then."
)
AVAILABILITY_LABELS = ("in_stock", "limited", "out_of_stock", "always_available", "next_day")


def collectable_today(mode: str) -> bool:
    """Whether a product of this mode can be collected on the day it is reserved (all but "next day")."""
    return mode != StockMode.NEXT_DAY


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


def available_counted_positive_sql(alias: str = "p", *, today: bool = False) -> str:
    """SQL condition: the rule's `available` of row `alias` is above 0, from the held counter (see above);
    with `today`: and it can be collected today (not "next day")."""
    return _positive_sql(alias, held=held_counted_sql(alias), today=today)


def sold_recently_days(last_sold_at: datetime | None, *, now: datetime) -> int | None:
    """N when the till's sales export saw a sale within the last N days (`LADENKARTE_SOLD_RECENTLY_DAYS`):
    a likely-in-stock signal, shown as such and never counted as stock (decision 1601); else None."""
    days = int(settings.LADENKARTE_SOLD_RECENTLY_DAYS)
    if last_sold_at is None or last_sold_at < now - timedelta(days=days):
        return None
    return days
