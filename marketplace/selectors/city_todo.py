"""The city workspace's "To do" list: a registry of to-do providers.

A provider is a selector that looks at the data and answers with one `TodoItem` (a count, a label in the
reader's language and a link to where the work is done) or `None` when there is nothing to do. Providers
register with `@todo_provider(...)`; the workspace shows the items of every provider whose `permission` the
user has (and only to users with `marketplace.view_city_workspace`). Adding an item from another feature:

    # marketplace/selectors/reviews.py
    @todo_provider(key="reviews", permission="marketplace.moderate_review", order=30)
    def reviews_todo(*, now: datetime) -> TodoItem | None:
        count = Review.objects.filter(reported=True, decided_at=None).count()
        return TodoItem.of(key="reviews", count=count, url=reverse(...), label=ngettext(...) % ...)

and add the module to `PROVIDER_MODULES` below (imported on first use, so registration needs no
app-loading side effects). See docs/ARCHITECTURE.md, "The city workspace".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.models import (
    ClaimCode,
    Collection,
    FeaturedShop,
    MerchantMessageRecipient,
    Product,
    Shop,
    SignupVerification,
    Webhook,
    WebhookDelivery,
)
from marketplace.selectors.pickup import pickup_board
from marketplace.selectors.stock import stock_fresh_q

WORKSPACE_PERMISSION = "marketplace.view_city_workspace"

# Modules whose providers the workspace collects. Another feature adds its selectors module here.
PROVIDER_MODULES: tuple[str, ...] = (
    "marketplace.selectors.city_todo",
    "marketplace.selectors.posts",
    "marketplace.selectors.outbox",
    "marketplace.selectors.feedback",
)

EXPIRING_WITHIN = timedelta(days=3)
FAILED_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class TodoItem:
    """One line of the to-do list: `count` things need attention, `url` is where to handle them."""

    key: str
    count: int
    label: str
    url: str
    detail: str = ""
    urgent: bool = False

    @classmethod
    def of(cls, **kwargs: Any) -> TodoItem | None:
        """The item, or None when its count is 0 (nothing to do)."""
        return cls(**kwargs) if kwargs.get("count") else None


Collector = Callable[..., TodoItem | None]


@dataclass(frozen=True)
class TodoProvider:
    key: str
    permission: str
    order: int
    collect: Collector


_PROVIDERS: dict[str, TodoProvider] = {}
_loaded = False


def todo_provider(*, key: str, permission: str, order: int = 100) -> Callable[[Collector], Collector]:
    """Register a to-do selector `(*, now) -> TodoItem | None`, shown to users with `permission`."""

    def register(collect: Collector) -> Collector:
        _PROVIDERS[key] = TodoProvider(key=key, permission=permission, order=order, collect=collect)
        return collect

    return register


def todo_providers() -> list[TodoProvider]:
    """Every registered provider, in display order (imports `PROVIDER_MODULES` once)."""
    global _loaded
    if not _loaded:
        for module in PROVIDER_MODULES:
            importlib.import_module(module)
        _loaded = True
    return sorted(_PROVIDERS.values(), key=lambda provider: (provider.order, provider.key))


def city_todos(*, user: Any, now: datetime | None = None) -> list[TodoItem]:
    """The to-do items this user may see and act on, those with something to do only."""
    if not user.is_active or not user.has_perm(WORKSPACE_PERMISSION):
        return []
    now = now or timezone.now()
    items = []
    for provider in todo_providers():
        if user.has_perm(provider.permission):
            item = provider.collect(now=now)
            if item is not None and item.count > 0:
                items.append(item)
    return items


def _days(delta: timedelta) -> int:
    return max(0, delta.days)


# --- the workspace's own providers ---------------------------------------------------------------------


@todo_provider(key="applications", permission="marketplace.review_shop", order=10)
def applications_todo(*, now: datetime) -> TodoItem | None:
    """Shop registrations waiting for the city's decision, with the age of the oldest."""
    waiting = applications_confirmed().aggregate(count=Count("pk"), oldest=Min("created_at"))
    if not waiting["count"]:
        return None
    age = _days(now - waiting["oldest"])
    return TodoItem(
        key="applications",
        count=waiting["count"],
        label=ngettext(
            "%(count)d shop application waiting", "%(count)d shop applications waiting", waiting["count"]
        )
        % {"count": waiting["count"]},
        detail=ngettext("the oldest for %(days)d day", "the oldest for %(days)d days", age) % {"days": age},
        url=reverse("admin:marketplace_shopapplication_changelist") + "?status=pending",
        urgent=age >= 3,
    )


CLAIM_UNANSWERED_AFTER = timedelta(days=14)


@todo_provider(key="claim_letters", permission="marketplace.view_claimcode", order=20)
def claim_letters_todo(*, now: datetime) -> TodoItem | None:
    """Listings whose claim letter or e-mail went out two weeks ago or more and that nobody claimed yet."""
    count = (
        Shop.objects.filter(status=Shop.Status.LISTED)
        .filter(
            Exists(
                ClaimCode.objects.filter(
                    shop=OuterRef("pk"),
                    used_at__isnull=True,
                    revoked_at__isnull=True,
                    created_at__lte=now - CLAIM_UNANSWERED_AFTER,
                )
            )
        )
        .count()
    )
    return TodoItem.of(
        key="claim_letters",
        count=count,
        label=ngettext(
            "%(count)d listing has not answered its claim letter",
            "%(count)d listings have not answered their claim letters",
            count,
        )
        % {"count": count},
        detail=_("sent %(days)d days ago or earlier") % {"days": CLAIM_UNANSWERED_AFTER.days},
        url=reverse("admin:marketplace_claimcode_changelist") + "?used_at__isempty=1",
    )


def awaiting_owner_confirmation() -> Exists:
    """For a shop query: the owner registered through the public form and has not confirmed the e-mail
    address yet. Such registrations are not the city's work yet and lapse by themselves (decision 1200)."""
    return Exists(
        SignupVerification.objects.filter(verified_at=None, user__shop_memberships__shop=OuterRef("pk"))
    )


def applications_confirmed() -> QuerySet[Shop]:
    """Pending registrations whose owner confirmed the e-mail address."""
    return Shop.objects.filter(status=Shop.Status.PENDING).exclude(awaiting_owner_confirmation())


def applications_waiting(*, limit: int = 5) -> QuerySet[Shop]:
    """The oldest shop registrations waiting for the city's decision."""
    return applications_confirmed().order_by("created_at", "pk")[:limit]


def stale_stock_shop_count(*, now: datetime) -> int:
    """Active shops with listed products none of which had its stock confirmed recently: on the map, but
    nothing of theirs counts as available any more (their till stopped syncing, or nobody updates)."""
    return (
        Shop.objects.active()
        .filter(Exists(Product.objects.filter(shop=OuterRef("pk"), active=True)))
        .exclude(Exists(Product.objects.filter(stock_fresh_q(now=now), shop=OuterRef("pk"), active=True)))
        .count()
    )


@todo_provider(key="stale_stock", permission="marketplace.view_insights", order=40)
def stale_stock_todo(*, now: datetime) -> TodoItem | None:
    count = stale_stock_shop_count(now=now)
    return TodoItem.of(
        key="stale_stock",
        count=count,
        label=ngettext(
            "%(count)d shop has not confirmed any stock for %(days)d days",
            "%(count)d shops have not confirmed any stock for %(days)d days",
            count,
        )
        % {"count": count, "days": settings.LADENKARTE_STOCK_FRESH_DAYS},
        detail=_("residents see none of their products as available"),
        url=reverse("admin:marketplace_searchevent_insights") + "#stale",
    )


def featured_needing_attention(*, now: datetime) -> list[FeaturedShop]:
    """Live featured shops whose window ends within three days or whose shop has no pickup today."""
    collectable = set(pickup_board(now=now).collectable_ids(now.timestamp()))
    live = FeaturedShop.objects.live(at=now).select_related("shop")
    return [
        featured
        for featured in live
        if (featured.publish_until is not None and featured.publish_until <= now + EXPIRING_WITHIN)
        or featured.shop_id not in collectable
    ]


def collections_needing_attention(*, now: datetime) -> list[Collection]:
    """Live collections whose window ends within three days or of which nothing is collectable today."""
    collectable = set(pickup_board(now=now).collectable_ids(now.timestamp()))
    live = list(Collection.objects.live(at=now).prefetch_related("items__product"))
    result = []
    for collection in live:
        shops = {
            item.shop_id or (item.product.shop_id if item.product else None)
            for item in collection.items.all()
        }
        ending = collection.publish_until is not None and collection.publish_until <= now + EXPIRING_WITHIN
        if ending or not (shops & collectable):
            result.append(collection)
    return result


@todo_provider(key="featured", permission="marketplace.change_featuredshop", order=50)
def featured_todo(*, now: datetime) -> TodoItem | None:
    count = len(featured_needing_attention(now=now))
    return TodoItem.of(
        key="featured",
        count=count,
        label=ngettext(
            "%(count)d featured shop ends soon or has no pickup today",
            "%(count)d featured shops end soon or have no pickup today",
            count,
        )
        % {"count": count},
        url=reverse("admin:marketplace_featuredshop_changelist") + "?live=now",
    )


@todo_provider(key="collections", permission="marketplace.change_collection", order=55)
def collections_todo(*, now: datetime) -> TodoItem | None:
    count = len(collections_needing_attention(now=now))
    return TodoItem.of(
        key="collections",
        count=count,
        label=ngettext(
            "%(count)d collection ends soon or has nothing collectable today",
            "%(count)d collections end soon or have nothing collectable today",
            count,
        )
        % {"count": count},
        url=reverse("admin:marketplace_collection_changelist") + "?live=now",
    )


@todo_provider(key="message_answers", permission="marketplace.view_merchantmessage", order=60)
def message_answers_todo(*, now: datetime) -> TodoItem | None:
    """Shops that have not answered a question about a day that is still ahead."""
    open_questions = MerchantMessageRecipient.objects.filter(
        answer="", message__question__gt="", message__question_date__gte=timezone.localdate(now)
    )
    count = open_questions.count()
    return TodoItem.of(
        key="message_answers",
        count=count,
        label=ngettext(
            "%(count)d shop has not answered your question yet",
            "%(count)d shops have not answered your questions yet",
            count,
        )
        % {"count": count},
        url=reverse("admin:city_messages"),
    )


@todo_provider(key="webhook_failures", permission="marketplace.view_webhookdelivery", order=90)
def webhook_failures_todo(*, now: datetime) -> TodoItem | None:
    """Technical (operators only): deliveries that failed for good in the last week, disabled webhooks."""
    failed = (
        WebhookDelivery.objects.filter(
            created_at__gte=now - FAILED_LOOKBACK, attempt__gte=settings.LADENKARTE_WEBHOOK_MAX_ATTEMPTS
        )
        .exclude(status_code__gte=200, status_code__lt=300)
        .count()
    )
    disabled = Webhook.objects.filter(active=False, disabled_at__isnull=False).count()
    count = failed + disabled
    return TodoItem.of(
        key="webhook_failures",
        count=count,
        label=ngettext(
            "%(count)d webhook delivery failed for good or hook was disabled",
            "%(count)d webhook deliveries failed for good or hooks were disabled",
            count,
        )
        % {"count": count},
        detail=_("%(failed)d failed deliveries, %(disabled)d disabled webhooks")
        % {"failed": failed, "disabled": disabled},
        url=reverse("admin:marketplace_webhook_changelist") + "?active__exact=0",
    )
