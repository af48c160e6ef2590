"""How the town is doing: the week's trends and the council's monthly report match the database."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from marketplace.models import Reservation, SearchEvent, Shop
from marketplace.selectors.town import month_report, town_state, town_week
from marketplace.services.council_report import council_report_csv, council_report_html, council_report_pdf
from tests.factories import ProductFactory, ReservationFactory, ShopFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def _search(when: datetime, query: str, results: int) -> None:
    SearchEvent.objects.create(query=query, result_count=results, created_at=when)


def _reservation(
    shop: Shop, *, created: datetime, status: str, closed: datetime | None = None
) -> Reservation:
    return ReservationFactory(shop=shop, created_at=created, status=status, closed_at=closed)


@pytest.fixture
def october() -> dict[str, object]:
    """A seeded October 2026, with rows just outside it (Berlin time) that must not count."""
    shop = ShopFactory()
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    for day in range(1, 32):
        for _ in range(day % 4):
            _search(_at(date(2026, 10, day), 11), "fahrradschlauch", 3)
    for _ in range(5):
        _search(
            _at(first, 0, 1), "adventskalender", 0
        )  # just after local midnight (22:01 UTC the day before)
    _search(_at(last, 23, 59), "adventskalender", 0)
    _search(_at(first, 0, 0) - timedelta(minutes=1), "adventskalender", 0)  # 30 Sept, 23:59 local
    _search(_at(date(2026, 11, 1), 0, 0), "adventskalender", 0)  # November
    _reservation(
        shop, created=_at(date(2026, 10, 3), 10), status="collected", closed=_at(date(2026, 10, 3), 15)
    )
    _reservation(
        shop, created=_at(date(2026, 10, 3), 11), status="collected", closed=_at(date(2026, 10, 4), 9)
    )
    _reservation(
        shop, created=_at(date(2026, 10, 30), 12), status="no_show", closed=_at(date(2026, 11, 1), 9)
    )
    _reservation(
        shop, created=_at(date(2026, 10, 12), 12), status="no_show", closed=_at(date(2026, 10, 12), 20)
    )
    _reservation(
        shop, created=_at(date(2026, 10, 13), 12), status="cancelled", closed=_at(date(2026, 10, 13), 13)
    )
    _reservation(
        shop, created=_at(date(2026, 9, 30), 12), status="collected", closed=_at(date(2026, 10, 1), 10)
    )
    ShopFactory(status=Shop.Status.PENDING, created_at=_at(date(2026, 10, 20), 9))
    ShopFactory(approved_at=_at(date(2026, 10, 21), 9), created_at=_at(date(2026, 9, 2), 9))
    return {"shop": shop}


def test_month_report_figures_match_the_database(october) -> None:
    # when
    report = month_report(month=date(2026, 10, 15))

    # then: recounted straight from the rows, in local time
    start, end = _at(date(2026, 10, 1), 0), _at(date(2026, 11, 1), 0)
    searches = SearchEvent.objects.filter(created_at__gte=start, created_at__lt=end)
    assert report.month == date(2026, 10, 1)
    assert len(report.days) == 31
    assert report.totals["searches"] == searches.count() == sum(d % 4 for d in range(1, 32)) + 6
    assert report.totals["zero_results"] == searches.filter(result_count=0).count() == 6
    assert report.daily["searches"][0] == 1 % 4 + 5  # the five searches just after midnight on 1 October
    assert (
        report.totals["reservations"]
        == Reservation.objects.filter(created_at__gte=start, created_at__lt=end).count()
        == 5
    )
    assert report.totals["collected"] == 3  # by the day they were collected (1 October includes September's)
    assert report.totals["no_show"] == 1  # the one of 30 October ended in November
    assert report.reservations_cancelled == 1
    assert report.pickup_rate == pytest.approx(3 / 4)
    assert report.shops_registered == 1
    assert report.shops_approved == 1
    assert [row.query for row in report.not_found] == ["adventskalender"]
    assert report.not_found[0].zero_results == 6
    assert report.top[0].query == "fahrradschlauch"


def test_report_csv_and_pdf_carry_the_same_figures(october) -> None:
    # given
    report = month_report(month=date(2026, 10, 1))

    # when
    rows = list(csv.reader(io.StringIO(council_report_csv(report).lstrip("\ufeff")), delimiter=";"))
    pdf = council_report_pdf(report)
    html = council_report_html(report)

    # then
    figures = {(row[0], row[1]): row[2] for row in rows if len(row) == 3}
    assert figures[("searches", "searches")] == str(report.totals["searches"])
    assert figures[("reservations", "collected")] == "3"
    assert figures[("reservations", "pickup_rate")] == "0.750"
    assert ("not_found", "adventskalender") in figures
    daily = [row for row in rows if row and row[0].startswith("2026-10-")]
    assert len(daily) == 31
    assert sum(int(row[1]) for row in daily) == report.totals["searches"]
    assert pdf.startswith(b"%PDF")
    assert f'data-figure="searches">{report.totals["searches"]}<' in html
    assert "Oktober 2026" in html  # the council's language


def test_town_state_counts_shops_on_the_map_and_fresh_stock() -> None:
    # given
    old = timezone.now() - timedelta(days=30)
    fresh_shop, stale_shop = ShopFactory(), ShopFactory()
    ProductFactory(shop=fresh_shop)
    ProductFactory(shop=fresh_shop, stock_updated_at=old)
    ProductFactory(shop=stale_shop, stock_updated_at=old)
    ProductFactory(shop=ShopFactory(status=Shop.Status.PENDING))

    # when
    state = town_state()

    # then
    assert (state.shops_listed, state.shops_live, state.shops_pending) == (2, 1, 1)
    assert (state.products_listed, state.products_fresh) == (3, 1)


def test_town_week_compares_the_last_seven_days_with_the_seven_before() -> None:
    # given
    now = timezone.now()
    today = timezone.localdate(now)
    for days_ago, count in ((0, 2), (6, 1), (7, 4), (13, 1), (14, 9)):
        for _ in range(count):
            _search(_at(today - timedelta(days=days_ago), 9), "kerze", 0 if days_ago == 0 else 1)

    # when
    week = town_week(now=now)

    # then
    searches = week.trends["searches"]
    assert (searches.this_week, searches.last_week) == (3, 5)
    assert searches.change == -2
    assert searches.change_percent == -40
    assert len(searches.daily) == 28
    assert searches.daily[-1] == 2
    assert week.trends["zero_results"].this_week == 2
