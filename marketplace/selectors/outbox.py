"""Reads of the outbox: its depth and age (for /readyz, metrics and the admin) and a webhook's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.models import OutboxMessage, Webhook
from marketplace.selectors.city_todo import TodoItem, todo_provider

WAITING = (OutboxMessage.State.PENDING, OutboxMessage.State.RETRYING)


@dataclass(frozen=True)
class OutboxDepth:
    pending: int
    retrying: int
    dead: int
    oldest_due_at: datetime | None  # the oldest waiting row that is due (None: nothing overdue)
    oldest_age_seconds: float  # how long that row has been due (0: nothing waiting is due)

    @property
    def waiting(self) -> int:
        return self.pending + self.retrying


def outbox_depth(*, now: datetime | None = None) -> OutboxDepth:
    """How many rows wait (pending, retrying), how many are dead, and how long the oldest due one waits.

    Two index-backed queries; for /readyz, the admin and /metrics (`ladenkarte_outbox_messages{state}`,
    `ladenkarte_outbox_oldest_age_seconds`).
    """
    now = now or timezone.now()
    counts = dict(
        OutboxMessage.objects.filter(state__in=[*WAITING, OutboxMessage.State.DEAD])
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    oldest = OutboxMessage.objects.filter(state__in=WAITING, due_at__lte=now).aggregate(oldest=Min("due_at"))[
        "oldest"
    ]
    return OutboxDepth(
        pending=counts.get(OutboxMessage.State.PENDING, 0),
        retrying=counts.get(OutboxMessage.State.RETRYING, 0),
        dead=counts.get(OutboxMessage.State.DEAD, 0),
        oldest_due_at=oldest,
        oldest_age_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )


def webhook_queue(*, webhook: Webhook) -> QuerySet[OutboxMessage]:
    """A webhook's events not delivered (yet): pending, retrying and dead, oldest first."""
    return (
        OutboxMessage.objects.filter(webhook=webhook)
        .exclude(state=OutboxMessage.State.DELIVERED)
        .order_by("created_at", "pk")
    )


@todo_provider(key="outbox_dead", permission="marketplace.view_outboxmessage", order=95)
def outbox_dead_todo(*, now: datetime) -> TodoItem | None:
    """Side effects (e-mails, webhook events, jobs) that failed for good, for whoever may see the outbox."""
    count = outbox_depth(now=now).dead
    return TodoItem.of(
        key="outbox_dead",
        count=count,
        label=ngettext(
            "%(count)d e-mail or event failed for good",
            "%(count)d e-mails or events failed for good",
            count,
        )
        % {"count": count},
        detail=_("See the last error, then send again from the outbox."),
        url=reverse("admin:marketplace_outboxmessage_changelist") + "?state__exact=dead",
        urgent=True,
    )
