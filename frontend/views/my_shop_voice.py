"""My-shop: write and end posts and job postings, share the shop (phone first).

The shop is found through `shop_get_for_member` (404 for shops the user does not work for); the services
do the writes and check the rules, errors are shown next to the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend import sharing
from frontend.forms.voice import JobForm, PostForm
from frontend.views.public import shop_url
from frontend.views.voice import job_url, post_url
from marketplace.exceptions import DomainError, NotFound
from marketplace.models import Shop
from marketplace.selectors import jobs as job_selectors
from marketplace.selectors import merchant as selectors
from marketplace.selectors import posts as post_selectors
from marketplace.services import jobs, posts
from marketplace.services.jobs import JobInput, town_today
from marketplace.services.posts import PostInput, end_of_local_day


def _shop(request: HttpRequest, slug: str) -> Shop:
    try:
        return selectors.shop_get_for_member(user=request.user, slug=slug)
    except NotFound:
        raise Http404 from None


def voice_context(
    shop: Shop, *, post_form: PostForm | None = None, job_form: JobForm | None = None
) -> dict[str, Any]:
    """What the my-shop page shows of posts, jobs and sharing."""
    now = timezone.now()
    url = shop_url(shop)
    return {
        "post_form": post_form or PostForm(shop=shop),
        "job_form": job_form or JobForm(),
        "my_posts": [
            {"item": p, "url": post_url(p), "live": p.hidden_at is None and p.starts_at <= now < p.ends_at}
            for p in post_selectors.posts_for_member(shop=shop, now=now)
        ],
        "my_jobs": [
            {"item": j, "url": job_url(j), "open": j.valid_through >= town_today(now)}
            for j in job_selectors.jobs_for_member(shop=shop, today=town_today(now))
        ],
        "shop_share": sharing.for_shop(shop, url=url) if shop.is_active else None,
    }


def _error_text(exc: DomainError) -> str:
    parts = [str(m) for messages_ in exc.details.values() if isinstance(messages_, list) for m in messages_]
    return " ".join(parts) or exc.message


@require_POST
@login_required
def post_create(request: HttpRequest, slug: str) -> HttpResponse:
    shop = _shop(request, slug)
    form = PostForm(request.POST, request.FILES, shop=shop)
    if not form.is_valid():
        return _page_with(request, shop, post_form=form)
    data = form.cleaned_data
    upload = data.get("photo")
    try:
        posts.post_create(
            shop=shop,
            data=PostInput(
                kind=data["kind"],
                title=data["title"],
                text=data.get("text") or "",
                ends_at=end_of_local_day(data["ends_on"], shop.time_zone),
                product_ids=[p.pk for p in data.get("products") or []],
                photo=upload.read() if upload else None,
            ),
            user=request.user,
        )
    except DomainError as exc:
        form.add_error(None, _error_text(exc))
        return _page_with(request, shop, post_form=form, status=exc.status)
    messages.success(request, _("Your post is online."))
    return redirect(reverse("my_shop:shop", kwargs={"slug": shop.slug}) + "#news")


@require_POST
@login_required
def post_end(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    shop = _shop(request, slug)
    try:
        post = post_selectors.post_get_for_shop(shop=shop, post_id=post_id)
    except NotFound:
        raise Http404 from None
    posts.post_end(post=post)
    messages.success(request, _("The post has been taken down."))
    return redirect(reverse("my_shop:shop", kwargs={"slug": shop.slug}) + "#news")


@require_POST
@login_required
def job_create(request: HttpRequest, slug: str) -> HttpResponse:
    shop = _shop(request, slug)
    form = JobForm(request.POST)
    if not form.is_valid():
        return _page_with(request, shop, job_form=form)
    data = form.cleaned_data
    try:
        jobs.job_create(
            shop=shop,
            data=JobInput(
                title=data["title"],
                kind=data["kind"],
                description=data["description"],
                valid_through=data["valid_through"],
                hours_per_week=data.get("hours_per_week"),
                starts_on=data.get("starts_on"),
                apply_email=data.get("apply_email") or "",
                apply_phone=data.get("apply_phone") or "",
                apply_note=data.get("apply_note") or "",
            ),
        )
    except DomainError as exc:
        form.add_error(None, _error_text(exc))
        return _page_with(request, shop, job_form=form, status=exc.status)
    messages.success(request, _("Your job posting is online."))
    return redirect(reverse("my_shop:shop", kwargs={"slug": shop.slug}) + "#jobs")


@require_POST
@login_required
def job_end(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    shop = _shop(request, slug)
    try:
        job = job_selectors.job_get_for_shop(shop=shop, job_id=job_id)
    except NotFound:
        raise Http404 from None
    jobs.job_end(job=job)
    messages.success(request, _("The job posting has been taken down."))
    return redirect(reverse("my_shop:shop", kwargs={"slug": shop.slug}) + "#jobs")


def _page_with(request: HttpRequest, shop: Shop, status: int = 400, **forms: Any) -> HttpResponse:
    from frontend.views.my_shop import render_shop_page

    return render_shop_page(request, shop, extra=voice_context(shop, **forms), status=status)
