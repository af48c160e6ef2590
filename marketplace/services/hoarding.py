"""Holds that cannot be hoarded (decision 0201): who a person is, and how much one person may hold.

- `email_identity`: the normalised e-mail address every per-person rule counts by (case, `+tag`,
  Gmail's dots and its `googlemail.com` alias), so `A.B+1@GoogleMail.com` and `ab@gmail.com` are one person.
- Per person (active, unexpired reservations): at most `LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL`
  reservations, `LADENKARTE_MAX_UNITS_PER_PERSON_PRODUCT` units of one product and
  `LADENKARTE_MAX_UNITS_PER_PERSON_SHOP` units in one shop.
- Unconfirmed holds: a line of more than `LADENKARTE_HOLD_CONFIRM_ABOVE_UNITS` units, or one that brings the
  units of unconfirmed holds on a product above `LADENKARTE_UNCONFIRMED_SHARE_PERCENT` % of its stock (at
  least one unit always passes), must be confirmed from the e-mail link within
  `LADENKARTE_HOLD_CONFIRM_MINUTES` minutes, or it expires and the stock is free again.

All of it is checked by `marketplace.services.reservations.reservation_create` inside its transaction,
under the advisory lock of the person (and, for the share, with the product rows locked).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from marketplace.exceptions import PersonProductLimit, PersonShopLimit
from marketplace.infrastructure.prepared import prepared_cursor
from marketplace.models import Reservation, ReservationLine

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def email_identity(email: str) -> str:
    """The person behind an e-mail address: lower case, without `+tag`; Gmail without dots, one domain."""
    address = email.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


# The active statuses as SQL constants, not a parameter: with `= ANY($n)` PostgreSQL estimates an array of
# unknown length and re-plans the prepared statement on every run (a custom plan costs more CPU than the
# statement's execution).
ACTIVE_STATUSES_SQL = "(" + ", ".join(f"'{status}'" for status in Reservation.ACTIVE_STATUSES) + ")"

# The person's units in one shop, line by line (active, unexpired reservations). Named parameters, so the
# reservation's insert can run it in the same statement (`services.reservations._insert_reservation`).
PERSON_LINES_SQL = (
    f"SELECT l.product_id, l.quantity FROM {ReservationLine._meta.db_table} l "  # noqa: S608
    f"JOIN {Reservation._meta.db_table} r ON r.id = l.reservation_id "
    f"WHERE r.contact_key = %(person)s AND r.shop_id = %(shop)s AND r.status IN {ACTIVE_STATUSES_SQL} "
    "AND r.expires_at > %(now)s"
)


def person_limits_enforce(*, held_lines: Iterable[tuple[int, int]], lines: dict[int, int]) -> None:
    """Raise `PersonProductLimit` / `PersonShopLimit` if these lines would take one person past a cap;
    `held_lines`: the person's (product, quantity) lines in the shop, read by `PERSON_LINES_SQL` under the
    person's lock."""
    held: dict[int, int] = defaultdict(int)
    for product_id, quantity in held_lines:
        held[product_id] += quantity
    per_product = settings.LADENKARTE_MAX_UNITS_PER_PERSON_PRODUCT
    over = sorted(pk for pk, quantity in lines.items() if held[pk] + quantity > per_product)
    if over:
        raise PersonProductLimit(
            _("You can hold at most %(max)d units of one item at a time.") % {"max": per_product},
            details={
                "max_units_per_person_product": per_product,
                "product_ids": over,
                "already_held": {str(pk): held[pk] for pk in over},
            },
        )
    per_shop = settings.LADENKARTE_MAX_UNITS_PER_PERSON_SHOP
    in_shop = sum(held.values())
    if in_shop + sum(lines.values()) > per_shop:
        raise PersonShopLimit(
            _("You can hold at most %(max)d units in one shop at a time.") % {"max": per_shop},
            details={"max_units_per_person_shop": per_shop, "already_held": in_shop},
        )


# Driven by the product's lines, each line's reservation looked up by primary key (a subplan per line): a
# join let the planner start from every active reservation of the town instead, which it did whenever the
# reservation table's statistics lagged behind a burst of holds (3,000 reservations read, 8 ms, for 300
# lines; issue 14). Only a product's lines from its oldest unconfirmed active hold on are read (reservation
# ids grow with time; `reservation_unconfirmed_idx` finds that hold at once), never the collected and
# cancelled history of a popular product (issue 14, "Fifth round"). One product per statement: with an
# array parameter PostgreSQL planned the statement afresh on every run (a custom plan), with `=` it keeps
# one generic plan.
UNCONFIRMED_UNITS_SQL = (
    f"SELECT SUM(l.quantity) FROM {ReservationLine._meta.db_table} l "  # noqa: S608
    "WHERE l.product_id = %(product)s AND l.reservation_id <> %(besides)s "
    f"AND l.reservation_id >= (SELECT COALESCE(MIN(o.id), {2**63 - 1}) FROM {Reservation._meta.db_table} o "
    f"WHERE o.status IN {ACTIVE_STATUSES_SQL} AND o.confirmed_at IS NULL AND o.expires_at > %(now)s) "
    f"AND (SELECT r.status IN {ACTIVE_STATUSES_SQL} AND r.expires_at > %(now)s "
    f"AND r.confirmed_at IS NULL FROM {Reservation._meta.db_table} r WHERE r.id = l.reservation_id)"
)


def unconfirmed_units(product_ids: list[int], *, now: datetime, besides: int = 0) -> dict[int, int]:
    """Units of active, unexpired holds nobody has confirmed yet, per product (those with any); `besides`: a
    reservation not to count (the one being made, whose line may already be written)."""
    units: dict[int, int] = {}
    with prepared_cursor() as cursor:
        for pk in product_ids:
            cursor.execute(UNCONFIRMED_UNITS_SQL, {"product": pk, "besides": besides, "now": now})
            total = cursor.fetchone()[0]
            if total:
                units[pk] = int(total)
    return units


def unconfirmed_allowance(on_hand: int) -> int:
    """Units of one product that unconfirmed holds may take together: the configured share, at least 1."""
    return max(1, math.floor(on_hand * settings.LADENKARTE_UNCONFIRMED_SHARE_PERCENT / 100))


def needs_confirmation(*, quantity: int, unconfirmed_after: int, on_hand: int) -> bool:
    """Whether a hold of `quantity` must be confirmed from the e-mail link (see the module docstring)."""
    return (
        quantity > settings.LADENKARTE_HOLD_CONFIRM_ABOVE_UNITS
        or unconfirmed_after > unconfirmed_allowance(on_hand)
    )
