"""What residents may see of shops and products: active shops, listed products (anything else is 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from geo.opening_hours import SOURCE_WEEKLY, EffectiveDay, Interval, Window
from marketplace.exceptions import NotFound
from marketplace.models import FeaturedShop, Product, Shop
from marketplace.selectors.hours import shop_schedule
from marketplace.selectors.pickup import PickupStatus, pickup_status
from marketplace.selectors.stock import products_with_availability

HOURS_MAX_DAYS = 62
SPECIAL_DAYS_AHEAD = 62  # the API's shop detail
WEBSITE_SPECIAL_DAYS_AHEAD = 60  # the website's shop page


@dataclass(frozen=True)
class Near:
    lat: float
    lng: float
    radius_km: float


def shops_visible() -> QuerySet[Shop]:
    """Shops residents may see: active ones and listings (pending, suspended, rejected answer 404).

    A listing (imported from OpenStreetMap, not claimed) is on the map and in shop search with its hours;
    products, availability and reservations go by `Shop.objects.active()` alone, which it never passes.
    """
    return Shop.objects.on_map()


def shops_filtered(
    *,
    q: str = "",
    category_ids: list[int] | None = None,
    featured: bool | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    near: Near | None = None,
    step_free: bool = False,
    now: datetime | None = None,
) -> QuerySet[Shop]:
    """Active shops matching the filters of `GET /shops/` and `/shops/map/`; nearest first with `near`."""
    now = now or timezone.now()
    shops = shops_visible()
    if q:
        for word in q.split()[:8]:
            in_category = Exists(
                Shop.categories.through.objects.filter(
                    shop_id=OuterRef("pk"), category__name__unaccent__icontains=word
                )
            )
            shops = shops.filter(
                Q(name__unaccent__icontains=word) | Q(description__unaccent__icontains=word) | Q(in_category)
            )
    if category_ids is not None:
        shops = shops.filter(
            Exists(
                Shop.categories.through.objects.filter(shop_id=OuterRef("pk"), category_id__in=category_ids)
            )
        )
    if featured is not None:
        live = Exists(FeaturedShop.objects.live(at=now).filter(shop_id=OuterRef("pk")))
        shops = shops.filter(live if featured else ~live)
    if step_free:
        shops = shops & Shop.objects.step_free()
    if bbox is not None:
        shops = shops.filter(location__intersects=Polygon.from_bbox(bbox))
    if near is not None:
        point = Point(near.lng, near.lat, srid=4326)
        shops = (
            shops.filter(location__dwithin=(point, D(km=near.radius_km)))
            .annotate(distance=Distance("location", point))
            .order_by("distance", "pk")
        )
    else:
        shops = shops.order_by("name", "pk")
    return shops


def shop_get_public(*, slug: str) -> Shop:
    """An active shop by slug; `NotFound` otherwise (the same for pending and unknown)."""
    shop = shops_visible().filter(slug=slug).first()
    if shop is None:
        raise NotFound()
    return shop


def products_listed_for_shop(*, shop: Shop, now: datetime | None = None) -> QuerySet[Product]:
    """A shop's listed products with `available` at `now`, by title."""
    now = now or timezone.now()
    return products_with_availability(
        Product.objects.listed().filter(shop=shop).select_related("category"), now=now
    ).order_by("title", "pk")


def product_get_public(*, product_id: int, now: datetime | None = None) -> Product:
    """A listed product of an active shop with `available` at `now`; `NotFound` otherwise."""
    now = now or timezone.now()
    product = (
        products_with_availability(
            Product.objects.listed().filter(pk=product_id, shop__status=Shop.Status.ACTIVE), now=now
        )
        .select_related("shop", "category")
        .first()
    )
    if product is None:
        raise NotFound()
    return product


def shop_effective_hours(*, shop: Shop, start: date, days: int) -> list[EffectiveDay]:
    """The effective hours of `days` days from `start` (weekly hours, city calendar, special days)."""
    if not 1 <= days <= HOURS_MAX_DAYS:
        raise ValueError(f"days must be between 1 and {HOURS_MAX_DAYS}")
    return shop_schedule(shop, start=start, days=days).days(start, days)


@dataclass(frozen=True)
class ShopWeek:
    """A shop's hours as residents read them at one instant: this week Monday to Sunday, the weekly hours,
    today's opening windows, the special or city days ahead, and its pickup status."""

    week: list[EffectiveDay]
    today: date
    weekly: dict[int, tuple[Interval, ...]]
    today_windows: list[Window]
    special_ahead: list[EffectiveDay]
    status: PickupStatus

    @property
    def open_now(self) -> bool:
        return self.status.open_now

    @property
    def pickup_today_until(self) -> datetime | None:
        return self.status.pickup_today_until

    @property
    def next_pickup_from(self) -> datetime | None:
        return self.status.next_pickup_from


def shop_week(*, shop: Shop, now: datetime, days_ahead: int = WEBSITE_SPECIAL_DAYS_AHEAD) -> ShopWeek:
    """Effective hours of the current local week, the special or city days of the next `days_ahead` days,
    and the pickup status (`selectors.pickup.pickup_status`): what the shop pages of website and API show."""
    today = now.astimezone(ZoneInfo(shop.time_zone)).date()
    monday = today - timedelta(days=today.weekday())
    schedule = shop_schedule(shop, start=monday, days=(today - monday).days + days_ahead)
    return ShopWeek(
        week=schedule.days(monday, 7),
        today=today,
        weekly=dict(schedule.weekly),
        today_windows=schedule.windows(today),
        special_ahead=[day for day in schedule.days(today, days_ahead) if day.source != SOURCE_WEEKLY],
        status=pickup_status(shop=shop, schedule=schedule, now=now),
    )
