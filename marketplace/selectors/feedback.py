"""Reads of feedback after pickup (decision 1700): the shop page's figures, my-shop, the city's to-do item,
the stock-confidence figure.

No figure below `MIN_FOR_FIGURES` (5): with fewer reviews the page says how many there are, not an average.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from marketplace.models import Feedback, FeedbackReport, Reservation, Shop
from marketplace.selectors.city_todo import TodoItem, todo_provider

MIN_FOR_FIGURES = 5
LATEST_SHOWN = 5
CONFIDENCE_DAYS = 180


@dataclass(frozen=True)
class FeedbackSummary:
    """What the shop page shows: `count` published reviews; the figures are None below 5."""

    count: int
    rating_count: int
    average: float | None
    ready_yes: int | None
    ready_total: int | None
    latest: list[Feedback] = field(default_factory=list)

    @property
    def few(self) -> bool:
        return 0 < self.count < MIN_FOR_FIGURES


def shop_feedback_summary(*, shop: Shop, now: datetime | None = None) -> FeedbackSummary:
    """Published, unhidden reviews of `shop`: counts, average stars, "everything ready at X of Y pickups",
    the latest with text or stars (two queries)."""
    now = now or timezone.now()
    published = Feedback.objects.published(at=now).filter(shop=shop)
    figures = published.aggregate(
        count=Count("pk"),
        rating_count=Count("pk", filter=Q(rating__isnull=False)),
        average=Avg("rating"),
        ready_yes=Count("pk", filter=Q(ready=Feedback.Ready.YES)),
    )
    count, rating_count = figures["count"], figures["rating_count"]
    latest = list(published.order_by("-publish_at", "-pk")[:LATEST_SHOWN])
    enough = count >= MIN_FOR_FIGURES
    return FeedbackSummary(
        count=count,
        rating_count=rating_count,
        average=round(float(figures["average"]), 1)
        if rating_count >= MIN_FOR_FIGURES and figures["average"]
        else None,
        ready_yes=figures["ready_yes"] if enough else None,
        ready_total=count if enough else None,
        latest=latest,
    )


def feedback_of_shop(*, shop: Shop, limit: int = 20) -> list[Feedback]:
    """All feedback of a shop for its members, newest first, published or not (my-shop, merchant API)."""
    return list(
        Feedback.objects.filter(shop=shop).prefetch_related("reports").order_by("-created_at")[:limit]
    )


def feedback_get_for_shop(*, shop: Shop, feedback_id: int) -> Feedback | None:
    """One feedback of `shop` (None for another shop's: callers answer 404)."""
    return Feedback.objects.filter(shop=shop, pk=feedback_id).first()


def stock_confidence(*, shop_ids: list[int], now: datetime | None = None) -> dict[int, float | None]:
    """Per shop, over the last 180 days: (yes + half of "partly") / (answers + no-shows), or None with fewer
    than 5 of them. "Was it there?" answers say how well the stock shown matched the shelf; a no-show is a
    reservation that did not end in a pickup and counts as a miss (decision 1700)."""
    now = now or timezone.now()
    since = now - timedelta(days=CONFIDENCE_DAYS)
    answers = {
        row["shop_id"]: row
        for row in Feedback.objects.filter(shop_id__in=shop_ids, created_at__gte=since)
        .values("shop_id")
        .annotate(
            total=Count("pk"),
            yes=Count("pk", filter=Q(ready=Feedback.Ready.YES)),
            partly=Count("pk", filter=Q(ready=Feedback.Ready.PARTLY)),
        )
    }
    no_shows = dict(
        Reservation.objects.filter(
            shop_id__in=shop_ids, status=Reservation.Status.NO_SHOW, closed_at__gte=since
        )
        .values("shop_id")
        .annotate(n=Count("pk"))
        .values_list("shop_id", "n")
    )
    result: dict[int, float | None] = {}
    for shop_id in shop_ids:
        row = answers.get(shop_id, {"total": 0, "yes": 0, "partly": 0})
        signals = row["total"] + no_shows.get(shop_id, 0)
        result[shop_id] = (
            round((row["yes"] + row["partly"] / 2) / signals, 2) if signals >= MIN_FOR_FIGURES else None
        )
    return result


def open_reports() -> int:
    return FeedbackReport.objects.filter(handled_at__isnull=True).values("feedback_id").distinct().count()


@todo_provider(key="reviews", permission="marketplace.moderate_review", order=35)
def reviews_todo(*, now: datetime) -> TodoItem | None:
    """Reviews that a shop or a resident reported and the city has not decided on."""
    count = open_reports()
    return TodoItem.of(
        key="reviews",
        count=count,
        label=ngettext(
            "%(count)d reported review to moderate", "%(count)d reported reviews to moderate", count
        )
        % {"count": count},
        url=reverse("admin:marketplace_feedback_changelist") + "?reported=open",
        urgent=False,
    )
