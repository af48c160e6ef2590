"""A shop's posts: write (with daily limit), end, and the city's hide / show again.

A post is visible from `starts_at` until `ends_at` (by timestamp, no sweeper: it expires by itself). The
daily limit counts every post the shop created on its local day, ended and hidden ones included, under a
lock on the shop row so two phones posting at once cannot both take the last slot. The photo is cleaned
and stored before the transaction (file I/O holds no row lock) and removed again if the write fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import LimitExceeded, ValidationFailed
from marketplace.models import Post, Product, Shop
from marketplace.services.images import StoredImage, image_delete, image_store

# A start a little in the past is "from now" sent by a client with a slow clock; one long ago is a mistake
# (and a date before 1893 would render with Berlin's local mean time offset, not a valid RFC 3339 time).
START_PAST_TOLERANCE = timedelta(days=1)


class PostLimitReached(LimitExceeded):
    code = "post_limit_reached"
    status = 429


@dataclass(frozen=True)
class PostInput:
    """What a merchant sends for a post (shape-checked by the form or serializer)."""

    title: str
    ends_at: datetime
    kind: str = Post.Kind.NEWS
    text: str = ""
    starts_at: datetime | None = None
    product_ids: Sequence[int] = ()
    photo: bytes | None = None


def local_day_start(moment: datetime, tz_name: str) -> datetime:
    """Midnight of `moment`'s date in the time zone `tz_name` (an aware datetime)."""
    local = moment.astimezone(ZoneInfo(tz_name))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def end_of_local_day(day: Any, tz_name: str) -> datetime:
    """23:59:59 of the local date `day` in `tz_name`: "until Saturday" means the whole Saturday."""
    return datetime.combine(day, datetime.max.time().replace(microsecond=0), tzinfo=ZoneInfo(tz_name))


def _check(shop: Shop, data: PostInput, now: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = [_("Please write a title.")]
    elif len(title) > 120:
        errors["title"] = [_("At most 120 characters.")]
    if len(data.text) > 1000:
        errors["text"] = [_("At most 1000 characters.")]
    if data.kind not in Post.Kind.values:
        errors["kind"] = [_("Unknown kind of post.")]
    starts = data.starts_at or now
    if data.ends_at <= max(now, starts):
        errors["ends_at"] = [_("The end must be in the future.")]
    elif data.ends_at > now + timedelta(days=settings.LADENKARTE_POST_MAX_DAYS + 1):
        errors["ends_at"] = [
            _("A post can be shown for at most %(days)s days.") % {"days": settings.LADENKARTE_POST_MAX_DAYS}
        ]
    if data.starts_at is not None and data.starts_at > now + timedelta(
        days=settings.LADENKARTE_POST_MAX_DAYS
    ):
        errors["starts_at"] = [_("The start is too far ahead.")]
    elif data.starts_at is not None and data.starts_at < now - START_PAST_TOLERANCE:
        errors["starts_at"] = [_("The start may lie at most a day in the past.")]
    product_ids = list(dict.fromkeys(data.product_ids))
    if len(product_ids) > settings.LADENKARTE_POST_MAX_PRODUCTS:
        errors["products"] = [
            _("At most %(n)s products per post.") % {"n": settings.LADENKARTE_POST_MAX_PRODUCTS}
        ]
    elif product_ids:
        own = Product.objects.filter(shop=shop, pk__in=product_ids).count()
        if own != len(product_ids):
            errors["products"] = [_("Choose products of your own shop.")]
    return errors


def post_create(*, shop: Shop, data: PostInput, user: Any = None, now: datetime | None = None) -> Post:
    """Write a post for `shop`; `ValidationFailed` for bad input, `PostLimitReached` past the daily limit."""
    now = now or timezone.now()
    errors = _check(shop, data, now)
    if errors:
        raise ValidationFailed(details=errors)
    stored: StoredImage | None = image_store(data.photo, folder="posts") if data.photo else None
    try:
        return _post_write(shop=shop, data=data, user=user, now=now, photo=stored)
    except Exception:
        if stored is not None:
            image_delete(stored.name)
        raise


@transaction.atomic
def _post_write(*, shop: Shop, data: PostInput, user: Any, now: datetime, photo: StoredImage | None) -> Post:
    locked = Shop.objects.select_for_update().only("pk", "time_zone").get(pk=shop.pk)
    day_start = local_day_start(now, locked.time_zone)
    today = Post.objects.filter(shop=locked, created_at__gte=day_start).count()
    limit = settings.LADENKARTE_POSTS_PER_DAY
    if today >= limit:
        raise PostLimitReached(
            _("Your shop has written %(n)s posts today; more are possible tomorrow.") % {"n": limit},
            details={"limit": limit, "resets_at": (day_start + timedelta(days=1)).isoformat()},
        )
    post = Post.objects.create(
        shop=locked,
        kind=data.kind,
        title=data.title.strip(),
        text=data.text.strip(),
        photo=photo.name if photo else "",
        starts_at=data.starts_at or now,
        ends_at=data.ends_at,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        created_at=now,
    )
    if data.product_ids:
        post.products.set(list(dict.fromkeys(data.product_ids)))
    return post


@transaction.atomic
def post_end(*, post: Post, now: datetime | None = None) -> Post:
    """The shop takes a post down now (the row stays: it still counts for the daily limit)."""
    now = now or timezone.now()
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if locked.ends_at <= now:
        return locked
    locked.ends_at = now
    if locked.starts_at >= now:
        locked.starts_at = now - timedelta(microseconds=1)
    locked.save(update_fields=["ends_at", "starts_at", "updated_at"])
    return locked


@transaction.atomic
def post_hide(*, post: Post, reason: str, by: Any = None, now: datetime | None = None) -> Post:
    """The city hides a post from residents; the reason is shown to the shop."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(details={"reason": [_("Please give a reason; the shop will see it.")]})
    if len(reason) > 300:
        raise ValidationFailed(details={"reason": [_("At most 300 characters.")]})
    locked = Post.objects.select_for_update().get(pk=post.pk)
    locked.hidden_at = now
    locked.hidden_reason = reason
    locked.hidden_by = by if getattr(by, "is_authenticated", False) else None
    locked.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "updated_at"])
    return locked


@transaction.atomic
def post_unhide(*, post: Post) -> Post:
    """The city shows a hidden post again (until its own end)."""
    locked = Post.objects.select_for_update().get(pk=post.pk)
    locked.hidden_at = None
    locked.hidden_reason = ""
    locked.hidden_by = None
    locked.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "updated_at"])
    return locked
