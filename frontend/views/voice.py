"""The shops' own voice for residents: the town feed `/neu/`, a post, the jobs page `/jobs/` and a job.

Thin views: the selectors decide what is live (posts by timestamp, jobs by the town's date).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_safe

from frontend import sharing, structured_data
from frontend.forms.search import category_choices
from frontend.views.public import product_url, shop_marker, shop_url
from marketplace.exceptions import NotFound
from marketplace.models import JobPosting, Post
from marketplace.selectors import jobs as job_selectors
from marketplace.selectors import posts as post_selectors
from marketplace.selectors.shops import Near
from marketplace.services.jobs import town_today

PER_PAGE = 20
RADIUS_CHOICES = [("", gettext_lazy("whole town")), ("1", "1 km"), ("3", "3 km"), ("10", "10 km")]


class NewsFilterForm(forms.Form):
    kategorie = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    umkreis = forms.ChoiceField(label=gettext_lazy("Distance"), required=False, choices=RADIUS_CHOICES)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kategorie"].choices = category_choices()

    def near(self) -> Near | None:
        """Distance from the resident's location when the browser sent one, else from the town centre."""
        radius = self.cleaned_data.get("umkreis") or ""
        if not radius:
            return None
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        if lat is None or lng is None:
            lat, lng = settings.LADENKARTE_MAP_CENTER
        return Near(lat=lat, lng=lng, radius_km=float(radius))


class JobFilterForm(forms.Form):
    art = forms.ChoiceField(label=gettext_lazy("Kind of job"), required=False)
    kategorie = forms.ChoiceField(label=gettext_lazy("Category"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["art"].choices = [("", gettext("all kinds")), *JobPosting.Kind.choices]
        self.fields["kategorie"].choices = category_choices()


def post_url(post: Post) -> str:
    return reverse("public:post", kwargs={"pk": post.pk})


def job_url(job: JobPosting) -> str:
    return reverse("public:job", kwargs={"pk": job.pk})


def post_entry(post: Post) -> dict[str, Any]:
    return {
        "item": post,
        "url": post_url(post),
        "shop_url": shop_url(post.shop),
        "products": [{"item": p, "url": product_url(p)} for p in post.products.all()],
    }


@require_safe
def news(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = NewsFilterForm(request.GET or None)
    category, near = "", None
    if form.is_bound and form.is_valid():
        category = form.cleaned_data.get("kategorie") or ""
        near = form.near()
    page = Paginator(
        post_selectors.posts_feed(now=now, category_slug=category, near=near), PER_PAGE
    ).get_page(request.GET.get("seite"))
    entries = [post_entry(post) for post in page.object_list]
    shops = {entry["item"].shop.pk: entry["item"] for entry in entries}
    markers = [
        {**shop_marker(post.shop), "news": post.title, "url": shop_url(post.shop)} for post in shops.values()
    ]
    return render(
        request,
        "frontend/voice/news.html",
        {
            "form": form,
            "page": page,
            "posts": entries,
            "markers": markers,
            "query": request.GET.urlencode(),
            "canonical": structured_data.absolute(reverse("public:news")),
        },
    )


@require_safe
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        post = post_selectors.post_get_public(post_id=pk, now=timezone.now())
    except NotFound:
        raise Http404(gettext("This post is no longer shown.")) from None
    url = post_url(post)
    return render(
        request,
        "frontend/voice/post.html",
        {
            "entry": post_entry(post),
            "post": post,
            "share": sharing.for_post(post, url=url),
            "canonical": structured_data.absolute(url),
            "markers": [shop_marker(post.shop)],
        },
    )


@require_safe
def jobs(request: HttpRequest) -> HttpResponse:
    today = town_today(timezone.now())
    form = JobFilterForm(request.GET or None)
    kind, category = "", ""
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data.get("art") or ""
        category = form.cleaned_data.get("kategorie") or ""
    page = Paginator(
        job_selectors.jobs_live(today=today, kind=kind, category_slug=category), PER_PAGE
    ).get_page(request.GET.get("seite"))
    return render(
        request,
        "frontend/voice/jobs.html",
        {
            "form": form,
            "page": page,
            "jobs": [{"item": job, "url": job_url(job), "shop_url": shop_url(job.shop)} for job in page],
            "query": request.GET.urlencode(),
            "canonical": structured_data.absolute(reverse("public:jobs")),
        },
    )


@require_safe
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        job = job_selectors.job_get_public(job_id=pk, today=town_today(timezone.now()))
    except NotFound:
        raise Http404(gettext("This job is no longer open.")) from None
    url = job_url(job)
    return render(
        request,
        "frontend/voice/job.html",
        {
            "job": job,
            "shop_url": shop_url(job.shop),
            "share": sharing.for_job(job, url=url),
            "json_ld": structured_data.job_posting(job, url=url, shop_url=shop_url(job.shop)),
            "canonical": structured_data.absolute(url),
        },
    )
