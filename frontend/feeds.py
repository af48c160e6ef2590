"""RSS 2.0 and Atom feeds of the town's posts, its jobs and one shop's posts (django.contrib.syndication).

For local newspapers, the city's own website and social media tools. Only what the website shows: live
posts of active shops, open job postings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from frontend.views.public import shop_url
from frontend.views.voice import job_url, post_url
from marketplace.exceptions import NotFound
from marketplace.models import JobPosting, Post, Shop
from marketplace.selectors import jobs as job_selectors
from marketplace.selectors import posts as post_selectors
from marketplace.selectors import shops
from marketplace.services.jobs import town_today

FEED_ITEMS = 50


class NewsFeed(Feed):
    """The town's new posts, newest first."""

    def title(self) -> str:
        return gettext("New in the shops of %(town)s") % {"town": settings.LADENKARTE_TOWN}

    def description(self) -> str:
        return gettext("News, offers and events of the independent shops of %(town)s.") % {
            "town": settings.LADENKARTE_TOWN
        }

    def link(self) -> str:
        return reverse("public:news")

    def items(self) -> list[Post]:
        return list(post_selectors.posts_feed(now=timezone.now())[:FEED_ITEMS])

    def item_title(self, item: Post) -> str:
        return f"{item.shop.name}: {item.title}"

    def item_description(self, item: Post) -> str:
        return item.text or item.title

    def item_link(self, item: Post) -> str:
        return post_url(item)

    def item_guid(self, item: Post) -> str:
        return f"{settings.SITE_URL}{post_url(item)}"

    item_guid_is_permalink = True

    def item_pubdate(self, item: Post) -> datetime:
        return item.starts_at

    def item_updateddate(self, item: Post) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Post) -> str:
        return item.shop.name

    def item_categories(self, item: Post) -> list[str]:
        return [str(item.get_kind_display())]


class NewsAtomFeed(NewsFeed):
    feed_type = Atom1Feed
    subtitle = NewsFeed.description


class ShopNewsFeed(NewsFeed):
    """One shop's live posts."""

    def get_object(self, request: HttpRequest, slug: str) -> Shop:  # type: ignore[override]
        try:
            return shops.shop_get_public(slug=slug)
        except NotFound:
            raise Http404 from None

    def title(self, obj: Shop) -> str:  # type: ignore[override]
        return gettext("New at %(shop)s") % {"shop": obj.name}

    def description(self, obj: Shop) -> str:  # type: ignore[override]
        return gettext("News, offers and events of %(shop)s, %(town)s.") % {
            "shop": obj.name,
            "town": settings.LADENKARTE_TOWN,
        }

    def link(self, obj: Shop) -> str:  # type: ignore[override]
        return shop_url(obj)

    def items(self, obj: Shop) -> list[Post]:  # type: ignore[override]
        return list(post_selectors.posts_feed(now=timezone.now(), shop=obj)[:FEED_ITEMS])


class ShopNewsAtomFeed(ShopNewsFeed):
    feed_type = Atom1Feed
    subtitle = ShopNewsFeed.description


class JobsFeed(Feed):
    """The town's open job postings, featured first."""

    def title(self) -> str:
        return gettext("Jobs in the shops of %(town)s") % {"town": settings.LADENKARTE_TOWN}

    def description(self) -> str:
        return gettext(
            "Open positions, apprenticeships and mini jobs in the independent shops of %(town)s."
        ) % {"town": settings.LADENKARTE_TOWN}

    def link(self) -> str:
        return reverse("public:jobs")

    def items(self) -> list[JobPosting]:
        return list(job_selectors.jobs_live(today=town_today(timezone.now()))[:FEED_ITEMS])

    def item_title(self, item: JobPosting) -> str:
        return f"{item.title} ({item.get_kind_display()}) \u2013 {item.shop.name}"

    def item_description(self, item: JobPosting) -> str:
        return item.description

    def item_link(self, item: JobPosting) -> str:
        return job_url(item)

    def item_pubdate(self, item: JobPosting) -> datetime:
        return item.created_at

    def item_updateddate(self, item: JobPosting) -> datetime:
        return item.updated_at

    def item_author_name(self, item: JobPosting) -> str:
        return item.shop.name

    def item_categories(self, item: JobPosting) -> list[Any]:
        return [str(item.get_kind_display())]


class JobsAtomFeed(JobsFeed):
    feed_type = Atom1Feed
    subtitle = JobsFeed.description
