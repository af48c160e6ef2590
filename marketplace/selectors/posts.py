"""What residents see of posts: live ones (started, not ended, not hidden, active shop), newest first."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.exceptions import NotFound
from marketplace.models import Post, Product, Shop
from marketplace.selectors.city_todo import TodoItem, todo_provider
from marketplace.selectors.shops import Near

# New posts are on the city's to-do list for this long (there is no "looked at" mark: a quick look a day).
POSTS_TO_LOOK_OVER = timedelta(days=1)


def posts_live(*, now: datetime) -> QuerySet[Post]:
    """Every live post with its shop, newest first."""
    return (
        Post.objects.live(at=now)
        .select_related("shop")
        .prefetch_related(Prefetch("products", queryset=Product.objects.listed().order_by("title")))
        .order_by("-starts_at", "-pk")
    )


def posts_feed(
    *, now: datetime, category_slug: str = "", near: Near | None = None, shop: Shop | None = None
) -> QuerySet[Post]:
    """The town feed (`/neu/`, API, RSS): live posts, optionally of one shop category, near a point."""
    posts = posts_live(now=now)
    if shop is not None:
        posts = posts.filter(shop=shop)
    if category_slug:
        posts = posts.filter(
            Exists(
                Shop.categories.through.objects.filter(
                    Q(category__slug=category_slug) | Q(category__parent__slug=category_slug),
                    shop_id=OuterRef("shop_id"),
                )
            )
        )
    if near is not None:
        point = Point(near.lng, near.lat, srid=4326)
        posts = posts.filter(shop__location__dwithin=(point, D(km=near.radius_km))).annotate(
            distance=Distance("shop__location", point)
        )
    return posts


def post_get_public(*, post_id: int, now: datetime) -> Post:
    """A live post; `NotFound` for ended, hidden, future or unknown ones and for inactive shops."""
    post = posts_live(now=now).filter(pk=post_id).first()
    if post is None:
        raise NotFound()
    return post


def posts_about_product(*, product: Product, now: datetime) -> list[Post]:
    """Live posts that point to `product` ("in the news")."""
    return list(Post.objects.live(at=now).filter(products=product).order_by("-starts_at", "-pk")[:3])


def posts_for_member(*, shop: Shop, now: datetime) -> list[Post]:
    """The shop's own recent posts for my-shop: live, upcoming, hidden (with reason) and ended this week."""
    return list(
        Post.objects.filter(shop=shop, ends_at__gt=now - timedelta(days=7))
        .prefetch_related("products")
        .order_by("-created_at", "-pk")[:30]
    )


def post_get_for_shop(*, shop: Shop, post_id: int) -> Post:
    """One post of `shop` (the caller's shop, found through the merchant selectors); `NotFound` otherwise."""
    post = Post.objects.filter(shop=shop, pk=post_id).first()
    if post is None:
        raise NotFound()
    return post


def newest_post_titles(*, now: datetime) -> dict[int, str]:
    """Shop id -> title of its newest live post (one query; the map marker badge)."""
    rows = (
        Post.objects.live(at=now)
        .order_by("shop_id", "-starts_at", "-pk")
        .distinct("shop_id")
        .values_list("shop_id", "title")
    )
    return dict(rows)


@todo_provider(key="posts", permission="marketplace.hide_post", order=35)
def posts_todo(*, now: datetime) -> TodoItem | None:
    """Moderation: posts written in the last day that residents see now, for the city to look over."""
    count = Post.objects.live(at=now).filter(created_at__gte=now - POSTS_TO_LOOK_OVER).count()
    return TodoItem.of(
        key="posts",
        count=count,
        label=ngettext(
            "%(count)d new post of the last day to look over",
            "%(count)d new posts of the last day to look over",
            count,
        )
        % {"count": count},
        detail=_("Hide a post with a reason if it breaks the rules; the shop sees the reason."),
        url=reverse("admin:marketplace_post_changelist") + "?state=live",
    )
