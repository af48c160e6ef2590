"""Figures for running the service, read from the database at scrape time (see `ops.metrics`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from marketplace.models import Reservation


@dataclass(frozen=True)
class ReservationCounts:
    """How many reservations were ever placed, and how many are in each status now.

    Statuses after `held`/`ready` are final, so their counts only grow: Prometheus can take their rate.
    """

    placed: int
    by_status: dict[str, int]


def reservation_counts() -> ReservationCounts:
    rows = Reservation.objects.values_list("status").annotate(n=Count("id")).order_by()
    by_status = dict.fromkeys(Reservation.Status.values, 0)
    by_status.update(dict(rows))
    return ReservationCounts(placed=sum(by_status.values()), by_status=by_status)
