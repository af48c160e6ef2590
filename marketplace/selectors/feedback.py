"""Reads of feedback after pickup (decision 1700): the shop page's figures, my-shop, the city's to-do item,
the stock-confidence figure.

No figure below `MIN_FOR_FIGURES` (5): with fewer reviews the page says how many there are, not an average.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from marketplace.infrastructure.process_cache import ProcessCache
from marketplace.models import Feedback, FeedbackReport, Reservation, Shop
from marketplace.selectors.city_todo import TodoItem, todo_provider

MIN_FOR_FIGURES = 5
LATEST_SHOWN = 5
CONFIDENCE_DAYS = 180
# the search's pages read every shop's figure from a per-process copy this old at most: a figure over 180
# days of answers that are published 72 hours after they are given does not move within minutes
CONFIDENCE_TTL_SECONDS = 300


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


def published_review_of_shop(*, shop: Shop, feedback_id: int, now: datetime | None = None) -> Feedback | None:
    """One review of `shop` as residents see it (published, not hidden); None otherwise (callers answer 404),
    so nobody can probe for feedback still in the shop's 72 hours or hidden by the city."""
    return Feedback.objects.published(at=now or timezone.now()).filter(shop=shop, pk=feedback_id).first()


@dataclass(frozen=True)
class StockConfidence:
    """How often a shop's stock shown matched its shelf: `signals` ("was it there?" answers and no-shows
    of the last 180 days) and `share` (0-1), None below `MIN_FOR_FIGURES` signals (no fake precision)."""

    signals: int
    share: float | None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


def stock_confidence(
    *, shop_ids: Sequence[int] | None = None, now: datetime | None = None, for_city: bool = False
) -> dict[int, StockConfidence]:
    """Per shop (all shops for `shop_ids=None`; shops without signals are missing), over the last 180 days:
    (yes + half of "partly") / (answers + no-shows). The answers are those residents can read (published,
    not hidden: the shop sees an answer before it counts); a no-show is a reservation that did not end in a
    pickup and counts as a miss (decision 1700). One query.

    No fake precision: the share is None below 5 signals, and on the residents' pages, the API and my-shop
    also while fewer than half of the signals are residents' answers (no-shows lower a figure but do not
    make one: a shop with six no-shows and no answer would read "0 %" above "no reviews yet");
    `for_city` (the data-health board) takes any 5 signals, since a run of no-shows is what the city wants
    to see there."""
    now = now or timezone.now()
    since = now - timedelta(days=CONFIDENCE_DAYS)
    answers = Feedback.objects.published(at=now).filter(created_at__gte=since)
    no_shows = Reservation.objects.filter(status=Reservation.Status.NO_SHOW, closed_at__gte=since)
    if shop_ids is not None:
        ids = sorted(set(shop_ids))
        if not ids:
            return {}
        answers, no_shows = answers.filter(shop_id__in=ids), no_shows.filter(shop_id__in=ids)
    per_shop = (
        answers.order_by()
        .values("shop_id")
        .annotate(
            n=Count("pk"),
            yes=Count("pk", filter=Q(ready=Feedback.Ready.YES)),
            partly=Count("pk", filter=Q(ready=Feedback.Ready.PARTLY)),
            answered=Count("pk"),
        )
        .values_list("shop_id", "n", "yes", "partly", "answered")
        .union(
            no_shows.order_by()
            .values("shop_id")
            .annotate(n=Count("pk"), yes=Value(0), partly=Value(0), answered=Value(0))
            .values_list("shop_id", "n", "yes", "partly", "answered"),
            all=True,
        )
    )
    counts: dict[int, list[int]] = {}
    for shop_id, n, yes, partly, answered in per_shop:
        total = counts.setdefault(shop_id, [0, 0, 0, 0])
        total[0] += n
        total[1] += yes
        total[2] += partly
        total[3] += answered
    return {
        shop_id: StockConfidence(
            signals=n,
            share=round((yes + partly / 2) / n, 2)
            if n >= MIN_FOR_FIGURES and (for_city or 2 * answered >= n)
            else None,
        )
        for shop_id, (n, yes, partly, answered) in sorted(counts.items())
    }


NO_CONFIDENCE = StockConfidence(signals=0, share=None)


@dataclass(frozen=True)
class _ConfidenceBoard:
    built_for: float  # the `now` (timestamp) the figures were computed for
    figures: dict[int, StockConfidence]


_CONFIDENCE: ProcessCache[_ConfidenceBoard] = ProcessCache(
    "stock-confidence", ttl_seconds=CONFIDENCE_TTL_SECONDS, background_refresh=True
)


def _confidence_board(now: datetime) -> _ConfidenceBoard:
    return _ConfidenceBoard(built_for=now.timestamp(), figures=stock_confidence(now=now))


def stock_confidence_of_page(*, shop_ids: Sequence[int], now: datetime) -> dict[int, StockConfidence]:
    """`stock_confidence` of the shops of a search page, from every shop's figures computed at most
    `CONFIDENCE_TTL_SECONDS` before `now` (one query per process and five minutes instead of one per search:
    it was half the CPU of a search request). A `now` further from the copy's (tests, a pinned instant)
    computes anew."""
    board = _CONFIDENCE.get(
        lambda: _confidence_board(now),
        valid=lambda board: abs(now.timestamp() - board.built_for) < CONFIDENCE_TTL_SECONDS,
        rebuild=lambda: _confidence_board(timezone.now()),
    )
    return {shop_id: board.figures[shop_id] for shop_id in shop_ids if shop_id in board.figures}


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
