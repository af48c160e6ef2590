"""sitemap.xml: home, active shops, listed products, live collections, open jobs; German and English."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Collection, JobPosting, Product, Shop


class _Localized(Sitemap):  # type: ignore[type-arg]
    i18n = True
    alternates = True
    x_default = True


class StaticSitemap(_Localized):
    changefreq = "daily"

    def items(self) -> list[str]:
        return [
            "public:home",
            "public:collections",
            "public:featured",
            "public:news",
            "public:jobs",
            "public:imprint",
            "public:privacy",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class ShopSitemap(_Localized):
    changefreq = "daily"
    priority = 0.8
    limit = 5000

    def items(self) -> QuerySet[Shop]:
        return Shop.objects.active().only("slug", "updated_at").order_by("pk")

    def location(self, item: Shop) -> str:
        return reverse("public:shop", kwargs={"slug": item.slug})

    def lastmod(self, item: Shop) -> datetime:
        return item.updated_at


class ProductSitemap(_Localized):
    changefreq = "hourly"
    priority = 0.6
    limit = 10000

    def items(self) -> QuerySet[Product]:
        return Product.objects.listed().only("pk", "title", "updated_at", "stock_updated_at").order_by("pk")

    def location(self, item: Product) -> str:
        from frontend.views.public import product_url

        return product_url(item)

    def lastmod(self, item: Product) -> datetime:
        return max(item.updated_at, item.stock_updated_at)


class CollectionSitemap(_Localized):
    changefreq = "weekly"

    def items(self) -> Any:
        return Collection.objects.live(at=timezone.now()).only("slug", "updated_at").order_by("pk")

    def location(self, item: Collection) -> str:
        return reverse("public:collection", kwargs={"slug": item.slug})

    def lastmod(self, item: Collection) -> datetime:
        return item.updated_at


class JobSitemap(_Localized):
    """Open job postings: search engines list jobs from their pages' JobPosting data."""

    changefreq = "daily"
    priority = 0.7

    def items(self) -> Any:
        from marketplace.selectors.jobs import jobs_live
        from marketplace.services.jobs import town_today

        return (
            jobs_live(today=town_today(timezone.now()))
            .select_related(None)
            .only("pk", "updated_at")
            .order_by("pk")
        )

    def location(self, item: JobPosting) -> str:
        return reverse("public:job", kwargs={"pk": item.pk})

    def lastmod(self, item: JobPosting) -> datetime:
        return item.updated_at


SITEMAPS = {
    "pages": StaticSitemap,
    "shops": ShopSitemap,
    "products": ProductSitemap,
    "collections": CollectionSitemap,
    "jobs": JobSitemap,
}
