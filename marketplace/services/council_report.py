"""The monthly report for the city council: the figures of `marketplace.selectors.town.month_report`
as a PDF (HTML + SVG charts rendered by WeasyPrint) and as CSV (one row per figure, then one per day).

The PDF is made from the same template the admin shows, in German (the council's language).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from marketplace import spreadsheet
from marketplace.charts import column_chart
from marketplace.selectors.town import MonthReport


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def council_report_context(report: MonthReport) -> dict[str, Any]:
    """Template context: the report, its day charts and the month's name."""
    labels = [str(day.day) if day.day == 1 or day.day % 5 == 0 else "" for day in report.days]
    return {
        "report": report,
        "month_name": formats.date_format(report.month, "F Y"),
        "as_of": formats.date_format(timezone.localtime(report.as_of), "DATETIME_FORMAT"),
        "searches_chart": column_chart(report.daily["searches"], labels),
        "zero_chart": column_chart(report.daily["zero_results"], labels),
        "reservations_chart": column_chart(report.daily["reservations"], labels),
        "collected_chart": column_chart(report.daily["collected"], labels),
        "town": settings.LADENKARTE_TOWN,
        "operator": settings.LADENKARTE_OPERATOR,
    }


def council_report_html(report: MonthReport) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("marketplace/report/council_report.html", council_report_context(report))


def council_report_pdf(report: MonthReport) -> bytes:
    """The report as an A4 PDF (WeasyPrint; fonts from the system, no network access)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # no py.typed

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ValueError(f"the report loads no external resources: {url}")

    return bytes(HTML(string=council_report_html(report), url_fetcher=no_fetch).write_pdf())


CSV_COLUMNS = ("section", "figure", "value")


def council_report_csv(report: MonthReport) -> str:
    """The report's figures as CSV (`;`, UTF-8 with BOM for Excel): summary rows, then one row per day."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = spreadsheet.writer(buffer, delimiter=";")
    month = f"{report.month:%Y-%m}"
    state = report.state
    writer.writerow(["month", month, f"as_of {report.as_of.isoformat()}"])
    writer.writerow(CSV_COLUMNS)
    rows: list[tuple[str, str, object]] = [
        ("shops", "shops_on_map", state.shops_listed),
        ("shops", "shops_with_fresh_stock", state.shops_live),
        ("shops", "shops_pending", state.shops_pending),
        ("shops", "listings_not_claimed", state.shops_osm_listed),
        ("shops", "shops_registered_in_month", report.shops_registered),
        ("shops", "shops_approved_in_month", report.shops_approved),
        ("catalogue", "products_listed", state.products_listed),
        ("catalogue", "products_fresh_stock", state.products_fresh),
        ("catalogue", "fresh_share", _share(state.fresh_share)),
        ("catalogue", "shop_coverage", _share(state.coverage)),
        ("searches", "searches", report.totals["searches"]),
        ("searches", "searches_without_results", report.totals["zero_results"]),
        ("searches", "zero_share", _share(report.zero_share)),
        ("reservations", "placed", report.totals["reservations"]),
        ("reservations", "collected", report.totals["collected"]),
        ("reservations", "not_collected", report.totals["no_show"]),
        ("reservations", "cancelled", report.reservations_cancelled),
        ("reservations", "expired", report.reservations_expired),
        ("reservations", "pickup_rate", _share(report.pickup_rate)),
    ]
    writer.writerows(rows)
    for row in report.top:
        writer.writerow(["top_search", row.query, row.searches])
    for row in report.not_found:
        writer.writerow(["not_found", row.query, row.zero_results])
    writer.writerow([])
    writer.writerow(["date", *report.daily])
    for index, day in enumerate(report.days):
        writer.writerow([day.isoformat(), *(values[index] for values in report.daily.values())])
    return buffer.getvalue()
