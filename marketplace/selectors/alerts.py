"""Reads of "tell me when it's here" alerts for shops (decision 1700): what residents near a shop wait for.

Counts only, never an address: per product of the shop, the people waiting for it; per search text whose
circle covers the shop, the people waiting for it - the text shown only when at least
`MIN_PEOPLE_FOR_TEXT` people asked for it (a one-off text could say who typed it), the rest counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, Count, Min
from django.db.models.expressions import RawSQL
from django.utils import timezone

from marketplace.models import Shop, StockAlert

MIN_PEOPLE_FOR_TEXT = 2
SHOWN = 20
RADIUS_MAX_M = 25_000  # as `services.alerts.RADIUS_MAX_KM`: lets the spatial index find the candidates


@dataclass(frozen=True)
class Waiting:
    """People (distinct e-mail addresses) with a live alert for a product of the shop or for a text."""

    people: int
    text: str = ""
    product_id: int | None = None
    product_title: str = ""


@dataclass(frozen=True)
class AlertDemand:
    """What residents near a shop wait for: the shop's products, texts, and how many rarer texts."""

    products: list[Waiting] = field(default_factory=list)
    texts: list[Waiting] = field(default_factory=list)
    rare_texts: int = 0  # texts asked for by fewer than MIN_PEOPLE_FOR_TEXT people (not shown)

    @property
    def empty(self) -> bool:
        return not (self.products or self.texts or self.rare_texts)


def alert_demand_for_shop(*, shop: Shop, now: datetime | None = None, limit: int = SHOWN) -> AlertDemand:
    """Live alerts (confirmed, not expired or unsubscribed) for the shop's products, and text alerts whose
    radius covers the shop, most people first (two queries). Texts are grouped by their stemmed words, so
    "Fahrradschlauch" and "fahrradschläuche" are one line."""
    now = now or timezone.now()
    live = StockAlert.objects.active(at=now)
    products = [
        Waiting(people=row["people"], product_id=row["product_id"], product_title=row["product__title"])
        for row in live.filter(product__shop=shop)
        .values("product_id", "product__title")
        .annotate(people=Count("email_key", distinct=True))
        .order_by("-people", "product__title", "product_id")[:limit]
    ]
    table = StockAlert._meta.db_table
    covering = RawSQL(  # noqa: S611 - identifiers are ours, values are parameters
        f"ST_DWithin({table}.location, %s::geography, %s)"
        f" AND ST_DWithin({table}.location, %s::geography, {table}.radius_km * 1000)",
        [shop.location.ewkt, RADIUS_MAX_M, shop.location.ewkt],
        output_field=BooleanField(),
    )
    texts = list(
        live.filter(product__isnull=True)
        .filter(covering)
        .values("lexemes")
        .annotate(people=Count("email_key", distinct=True), text=Min("query"))
        .order_by("-people", "text")
    )
    shown = [row for row in texts if row["people"] >= MIN_PEOPLE_FOR_TEXT]
    return AlertDemand(
        products=products,
        texts=[Waiting(people=row["people"], text=row["text"]) for row in shown[:limit]],
        rare_texts=len(texts) - len(shown),
    )
