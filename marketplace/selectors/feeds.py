"""Feeds that carry the town's stock and hours beyond the portal (docs/feeds.md).

- Google local inventory: one row per listed product of an active shop: store code, offer id (the SKU),
  GTIN, price, quantity, availability, pickup method `reserve` and the pickup SLA of the shop.
- OpenStreetMap `opening_hours` of each active shop's weekly hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from geo.opening_hours import Interval, Schedule, to_osm_opening_hours
from marketplace.models import OpeningHours, Product, Shop, ShopOsmRecord, StockMode
from marketplace.selectors.hours import pickup_lead, schedules_for_shops
from marketplace.selectors.media import media_url
from marketplace.selectors.stock import products_with_availability

GOOGLE_LOCAL_INVENTORY_COLUMNS = (
    "store_code",
    "id",
    "gtin",
    "title",
    "price",
    "quantity",
    "availability",
    "pickup_method",
    "pickup_sla",
    "image_link",
)
OSM_COLUMNS = ("store_code", "name", "street", "postcode", "city", "lat", "lng", "opening_hours")
# Google's pickup_sla values; a next pickup further than six days away is "multi-week".
_SLA_BY_DAYS = {0: "same day", 1: "next day", 2: "2-day", 3: "3-day", 4: "4-day", 5: "5-day", 6: "6-day"}
_CHUNK = 2000


def pickup_sla(schedule: Schedule, *, now: datetime, lead: timedelta) -> str:
    """Google's pickup SLA for an order placed at `now`: same day, next day, 2-day ... or multi-week."""
    window = schedule.next_pickup(now, lead, horizon_days=14)
    if window is None:
        return "multi-week"
    today = now.astimezone(schedule.tz).date()
    days = (window.start.astimezone(schedule.tz).date() - today).days
    return _SLA_BY_DAYS.get(days, "multi-week")


def google_availability(available: int, mode: str = StockMode.COUNTED) -> str:
    """Google's words for the rule's figure (stale stock is 0 there: the feed never promises a guess).

    Only counted stock is ever `limited_availability`; "in stock / sold out", "always" and "next day"
    products are `in_stock` while they can be reserved (decision 1600)."""
    if available <= 0:
        return "out_of_stock"
    if mode == StockMode.COUNTED and available <= settings.LADENKARTE_LIMITED_THRESHOLD:
        return "limited_availability"
    return "in_stock"


def _absolute_media(name: str) -> str:
    url = media_url(name)
    return url if not url or "://" in url else f"{settings.SITE_URL}{url}"


def google_local_inventory_rows(
    *, shop: Shop | None = None, now: datetime | None = None
) -> Iterator[dict[str, str]]:
    """Rows of the local inventory feed for one active shop (or all), streamed in chunks of products."""
    now = now or timezone.now()
    shops = list(Shop.objects.active().filter(**({"pk": shop.pk} if shop is not None else {})).order_by("pk"))
    if not shops:
        return
    schedules = schedules_for_shops(shops, start=timezone.localdate(now) - timedelta(days=1), days=20)
    slas = {s.pk: pickup_sla(schedules[s.pk], now=now, lead=pickup_lead(s)) for s in shops}
    codes = {s.pk: s.slug for s in shops}
    products = products_with_availability(
        Product.objects.listed().filter(shop_id__in=list(codes)), now=now
    ).order_by("shop_id", "pk")
    rows = products.values_list(  # type: ignore[misc]
        "shop_id", "sku", "gtin", "title", "price", "available", "stock_mode", "image"
    )
    for shop_id, sku, gtin, title, price, available, mode, image in rows.iterator(chunk_size=_CHUNK):
        sla = slas[shop_id]
        if mode == StockMode.NEXT_DAY and sla == "same day":
            sla = "next day"  # orderable for the next opening day: never today
        yield {
            "store_code": codes[shop_id],
            "id": sku,
            "gtin": gtin,
            "title": " ".join(title.split()),  # no tabs or line breaks in a TSV cell
            "price": f"{price:.2f} {settings.LADENKARTE_DEFAULT_PRICE_CURRENCY}",
            # a count only for counted stock; the other modes have none to report
            "quantity": str(available) if mode == StockMode.COUNTED else "",
            "availability": google_availability(available, mode),
            "pickup_method": "reserve",
            "pickup_sla": sla,
            "image_link": _absolute_media(image),
        }


@dataclass(frozen=True)
class ShopHoursRow:
    store_code: str
    name: str
    street: str
    postcode: str
    city: str
    lat: float
    lng: float
    opening_hours: str


def shop_osm_opening_hours(*, shop: Shop) -> str:
    """A shop's weekly hours in OSM syntax ("Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off")."""
    return osm_opening_hours_rows(shop=shop)[0].opening_hours


def osm_opening_hours_rows(*, shop: Shop | None = None) -> list[ShopHoursRow]:
    """Active shops (or one shop, in any status) with their weekly hours in OSM syntax; two queries.

    A shop whose hours are still exactly the ones imported from OpenStreetMap gets the original
    `opening_hours` text back (month ranges and dated rules included), so the round trip loses nothing.
    """
    shops = list(
        (Shop.objects.filter(pk=shop.pk) if shop is not None else Shop.objects.active())
        .select_related("osm")
        .order_by("name", "pk")
    )
    weekly: dict[int, dict[int, list[Interval]]] = {s.pk: {} for s in shops}
    for row in OpeningHours.objects.filter(shop_id__in=list(weekly)).order_by("weekday", "opens"):
        weekly[row.shop_id].setdefault(row.weekday, []).append(Interval(opens=row.opens, closes=row.closes))
    return [
        ShopHoursRow(
            store_code=s.slug,
            name=s.name,
            street=s.street,
            postcode=s.postcode,
            city=s.city,
            lat=round(s.location.y, 6),
            lng=round(s.location.x, 6),
            opening_hours=_osm_text(s, {d: tuple(v) for d, v in weekly[s.pk].items()}),
        )
        for s in shops
    ]


def _osm_text(shop: Shop, weekly: dict[int, tuple[Interval, ...]]) -> str:
    record = getattr(shop, "osm", None)
    if (
        record is not None
        and record.opening_hours
        and record.hours_status == ShopOsmRecord.HoursStatus.EXACT
        and record.imported.get("hours") == to_osm_opening_hours(weekly, public_holidays_closed=False)
    ):
        return str(record.opening_hours)
    return to_osm_opening_hours(weekly)
