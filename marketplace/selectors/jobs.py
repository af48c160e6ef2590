"""What residents see of job postings: valid through today or later, of an active shop; featured first."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from marketplace.exceptions import NotFound
from marketplace.models import JobPosting, Shop


def jobs_live(
    *, today: date, kind: str = "", category_slug: str = "", shop: Shop | None = None
) -> QuerySet[JobPosting]:
    """Open postings (the jobs page, the API, RSS): featured first, then newest."""
    jobs = JobPosting.objects.live(today=today).select_related("shop")
    if kind:
        jobs = jobs.filter(kind=kind)
    if shop is not None:
        jobs = jobs.filter(shop=shop)
    if category_slug:
        jobs = jobs.filter(
            Exists(
                Shop.categories.through.objects.filter(
                    Q(category__slug=category_slug) | Q(category__parent__slug=category_slug),
                    shop_id=OuterRef("shop_id"),
                )
            )
        )
    return jobs.order_by("-featured", "-created_at", "-pk")


def job_get_public(*, job_id: int, today: date) -> JobPosting:
    """An open posting; `NotFound` for expired or unknown ones and for inactive shops."""
    job = jobs_live(today=today).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def jobs_for_member(*, shop: Shop, today: date) -> list[JobPosting]:
    """The shop's own postings for my-shop: open ones and those that ended in the last 30 days."""
    from datetime import timedelta

    return list(
        JobPosting.objects.filter(shop=shop, valid_through__gte=today - timedelta(days=30)).order_by(
            "-valid_through", "-pk"
        )[:30]
    )


def job_get_for_shop(*, shop: Shop, job_id: int) -> JobPosting:
    """One posting of `shop`; `NotFound` otherwise."""
    job = JobPosting.objects.filter(shop=shop, pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
