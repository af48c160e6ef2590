"""The data-health board: per shop on the map a score (0-100) and its parts, needs-help-first, and the
town's totals for the chart over time.

One query for all shops (aggregates as sub-queries, so joins never multiply rows) and one for their stock
confidence (`selectors/feedback.stock_confidence`, the rule the search shows too); the score is plain
arithmetic on the parts, stated once in `health_score`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.models import HealthSnapshot, Product, Reservation, Shop, TillConnector
from marketplace.selectors.feedback import NO_CONFIDENCE, stock_confidence
from marketplace.selectors.stock import stock_fresh_q

NO_SHOW_DAYS = 90
UNHANDLED_AFTER = timedelta(hours=2)  # a held reservation not marked ready after this needs the shop
HOURS_CONFIRMED_GOOD_DAYS = 180
HOURS_CONFIRMED_OLD_DAYS = 365
PRODUCTS_FULL = 10

# What each part is worth (sums to 100).
WEIGHTS = {
    "claimed": 25,
    "products": 15,
    "gtin": 10,
    "photo": 10,
    "price": 5,
    "stock_fresh": 15,
    "hours": 10,
    "reservations_handled": 5,
    "stock_confidence": 5,  # "was it there?" answers and no-shows (decision 1700)
}


@dataclass(frozen=True)
class ShopHealth:
    """One shop's data health: the facts, and the score they give."""

    shop_id: int
    name: str
    slug: str
    status: str
    claimed: bool
    products: int
    gtin_share: float
    photo_share: float
    price_share: float
    stock_age_days: float | None  # since the newest stock confirmation; None without products
    hours_confirmed_at: datetime | None
    open_unhandled: int
    no_show_rate: float | None  # of the last 90 days' finished pickups; None without any
    stock_confidence: float | None  # 0-1 over 180 days; None below 5 signals
    stock_signals: int  # "was it there?" answers and no-shows of the last 180 days
    score: int
    parts: dict[str, float]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def health_score(
    *,
    claimed: bool,
    products: int,
    gtin_share: float,
    photo_share: float,
    price_share: float,
    stock_age_days: float | None,
    hours_age_days: float | None,
    open_unhandled: int,
    stock_confidence: float | None,
) -> tuple[int, dict[str, float]]:
    """The score and the points of each part (see `WEIGHTS`); an unknown stock confidence (fewer than 5
    signals) costs nothing."""
    fresh_days = settings.LADENKARTE_STOCK_FRESH_DAYS
    if stock_age_days is None:
        stock = 0.0
    elif stock_age_days <= 3:
        stock = 1.0
    else:
        stock = max(0.0, (fresh_days - stock_age_days) / (fresh_days - 3))
    if hours_age_days is None:
        hours = 0.0
    elif hours_age_days <= HOURS_CONFIRMED_GOOD_DAYS:
        hours = 1.0
    elif hours_age_days <= HOURS_CONFIRMED_OLD_DAYS:
        hours = 0.5
    else:
        hours = 0.0
    fractions = {
        "claimed": 1.0 if claimed else 0.0,
        "products": min(products, PRODUCTS_FULL) / PRODUCTS_FULL,
        "gtin": gtin_share,
        "photo": photo_share,
        "price": price_share,
        "stock_fresh": stock,
        "hours": hours,
        "reservations_handled": 0.0 if open_unhandled else 1.0,
        "stock_confidence": 1.0 if stock_confidence is None else stock_confidence,
    }
    parts = {name: round(WEIGHTS[name] * value, 1) for name, value in fractions.items()}
    return round(sum(parts.values())), parts


def _count(queryset: object) -> Coalesce:
    return Coalesce(Subquery(queryset, output_field=IntegerField()), Value(0))  # type: ignore[arg-type]


def data_health_shops(*, now: datetime | None = None) -> list[ShopHealth]:
    """Every shop on the map (active and listings) with its health, lowest score first."""
    now = now or timezone.now()
    listed = Product.objects.filter(shop=OuterRef("pk"), active=True).order_by().values("shop")
    reservations = Reservation.objects.filter(shop=OuterRef("pk")).order_by().values("shop")
    recent = reservations.filter(created_at__gte=now - timedelta(days=NO_SHOW_DAYS))
    shops = (
        Shop.objects.on_map()
        .annotate(
            n_products=_count(listed.annotate(n=Count("pk")).values("n")),
            n_gtin=_count(listed.exclude(gtin="").annotate(n=Count("pk")).values("n")),
            n_photo=_count(listed.exclude(image="").annotate(n=Count("pk")).values("n")),
            n_price=_count(listed.filter(price__gt=0).annotate(n=Count("pk")).values("n")),
            newest_stock=Subquery(listed.annotate(m=Max("stock_updated_at")).values("m")),
            n_unhandled=_count(
                reservations.filter(status=Reservation.Status.HELD, created_at__lt=now - UNHANDLED_AFTER)
                .annotate(n=Count("pk"))
                .values("n")
            ),
            n_collected=_count(
                recent.filter(status=Reservation.Status.COLLECTED).annotate(n=Count("pk")).values("n")
            ),
            n_no_show=_count(
                recent.filter(status=Reservation.Status.NO_SHOW).annotate(n=Count("pk")).values("n")
            ),
        )
        .order_by("pk")
    )
    confidence = stock_confidence(now=now, for_city=True)
    rows = []
    for shop in shops:
        claimed = shop.is_active  # live on Ladenkarte; a listing is not (yet)
        products = shop.n_products  # type: ignore[attr-defined]
        newest = shop.newest_stock  # type: ignore[attr-defined]
        stock_age = None if newest is None else (now - newest).total_seconds() / 86400
        hours_age = (
            None
            if shop.hours_confirmed_at is None
            else (now - shop.hours_confirmed_at).total_seconds() / 86400
        )
        finished = shop.n_collected + shop.n_no_show  # type: ignore[attr-defined]
        no_show_rate = shop.n_no_show / finished if finished else None  # type: ignore[attr-defined]
        stock = confidence.get(shop.pk, NO_CONFIDENCE)
        values = {
            "gtin_share": _share(shop.n_gtin, products),  # type: ignore[attr-defined]
            "photo_share": _share(shop.n_photo, products),  # type: ignore[attr-defined]
            "price_share": _share(shop.n_price, products),  # type: ignore[attr-defined]
        }
        score, parts = health_score(
            claimed=claimed,
            products=products,
            stock_age_days=stock_age,
            hours_age_days=hours_age,
            open_unhandled=shop.n_unhandled,  # type: ignore[attr-defined]
            stock_confidence=stock.share,
            **values,
        )
        rows.append(
            ShopHealth(
                shop_id=shop.pk,
                name=shop.name,
                slug=shop.slug,
                status=shop.status,
                claimed=claimed,
                products=products,
                stock_age_days=None if stock_age is None else round(stock_age, 1),
                hours_confirmed_at=shop.hours_confirmed_at,
                open_unhandled=shop.n_unhandled,  # type: ignore[attr-defined]
                no_show_rate=no_show_rate,
                stock_confidence=stock.share,
                stock_signals=stock.signals,
                score=score,
                parts=parts,
                **values,
            )
        )
    rows.sort(key=lambda row: (row.score, row.name, row.shop_id))
    return rows


def data_health_totals(rows: list[ShopHealth]) -> dict[str, float | int]:
    """The town's totals of one board: shops, claimed, listings, average score, stale stock, products."""
    fresh_days = settings.LADENKARTE_STOCK_FRESH_DAYS
    return {
        "shops": len(rows),
        "claimed": sum(1 for row in rows if row.claimed),
        "listings": sum(1 for row in rows if row.status == Shop.Status.LISTED),
        "average_score": round(sum(row.score for row in rows) / len(rows), 1) if rows else 0,
        "stale_stock": sum(
            1 for row in rows if row.stock_age_days is not None and row.stock_age_days > fresh_days
        ),
        "products": sum(row.products for row in rows),
    }


def data_health_history(*, days: int = 365, now: datetime | None = None) -> list[HealthSnapshot]:
    """The daily snapshots of the town's totals, oldest first."""
    today = timezone.localdate(now or timezone.now())
    return list(HealthSnapshot.objects.filter(date__gt=today - timedelta(days=days)).order_by("date"))


def data_health_table(rows: list[ShopHealth]) -> list[list[object]]:
    """The board as a table (header first) for CSV exports."""
    header: list[object] = [
        "shop", "slug", "status", "score", "claimed", "products", "gtin_share", "photo_share", "price_share",
        "stock_age_days", "hours_confirmed", "open_unhandled", "no_show_rate", "stock_confidence",
        "stock_signals",
        *(f"points_{part}" for part in WEIGHTS),  # the score's parts; "claimed" etc. above are the values
    ]  # fmt: skip
    return [header] + [
        [
            row.name,
            row.slug,
            row.status,
            row.score,
            int(row.claimed),
            row.products,
            f"{row.gtin_share:.2f}",
            f"{row.photo_share:.2f}",
            f"{row.price_share:.2f}",
            "" if row.stock_age_days is None else row.stock_age_days,
            "" if row.hours_confirmed_at is None else row.hours_confirmed_at.date().isoformat(),
            row.open_unhandled,
            "" if row.no_show_rate is None else f"{row.no_show_rate:.2f}",
            "" if row.stock_confidence is None else f"{row.stock_confidence:.2f}",
            row.stock_signals,
            *(row.parts[name] for name in WEIGHTS),
        ]
        for row in rows
    ]


def till_connectors_board() -> list[TillConnector]:
    """Every shop's till connectors for the city's board: failing ones first, then by shop (issue 16)."""
    return list(
        TillConnector.objects.select_related("shop")
        .annotate(failing=Count("pk", filter=Q(state=TillConnector.State.ERROR)))
        .order_by("-failing", "shop__name", "kind")
    )


@dataclass(frozen=True)
class StaleShop:
    """An active shop some of whose listed products show as unavailable because their stock is stale."""

    shop: Shop
    listed_products: int
    stale_products: int
    last_stock_update: datetime | None


def stale_stock_shops(
    *, now: datetime, shop_id: int | None = None, limit: int | None = None
) -> list[StaleShop]:
    """Active shops (or the one shop) with listed products whose stock is no longer fresh (they show as
    unavailable), the stalest first."""
    listed = Q(products__active=True)
    shops = Shop.objects.active() if shop_id is None else Shop.objects.active().filter(pk=shop_id)
    rows = (
        shops.annotate(
            listed_products=Count("products", filter=listed),
            stale_products=Count("products", filter=listed & ~stock_fresh_q(now=now, prefix="products__")),
            last_stock_update=Max("products__stock_updated_at", filter=listed),
        )
        .filter(stale_products__gt=0)
        .order_by("last_stock_update", "name", "pk")
    )
    return [
        StaleShop(
            shop=shop,
            listed_products=shop.listed_products,  # type: ignore[attr-defined]
            stale_products=shop.stale_products,  # type: ignore[attr-defined]
            last_stock_update=shop.last_stock_update,  # type: ignore[attr-defined]
        )
        for shop in (rows if limit is None else rows[:limit])
    ]
