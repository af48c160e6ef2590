"""Residents' pages: home, product, shop, collections, featured shops, imprint and privacy.

Views are thin: they read through `marketplace.selectors` and shape values for the templates.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from frontend import formatting, structured_data
from frontend.forms.reservations import ReserveForm
from frontend.forms.search import SearchForm
from marketplace.exceptions import NotFound
from marketplace.models import Collection, Product, Shop
from marketplace.selectors import curation, shops, website
from marketplace.selectors.feedback import NO_CONFIDENCE, shop_feedback_summary, stock_confidence
from marketplace.selectors.hours import shop_schedule
from marketplace.selectors.pickup import PickupOptions, pickup_options, shop_pickup_status
from marketplace.selectors.stock import availability_label, collectable_today, sold_recently_days
from marketplace.web_pages import product_slug

SHOP_PRODUCTS_PER_PAGE = 24


def product_path(pk: int, title: str) -> str:
    """The canonical URL of a product page: /produkt/<id>-<slug of the title>/."""
    return reverse("public:product", kwargs={"pk": pk, "slug": product_slug(title)})


def product_url(product: Product) -> str:
    return product_path(product.pk, product.title)


def shop_url(shop: Shop) -> str:
    return reverse("public:shop", kwargs={"slug": shop.slug})


def localized(obj: Any, field: str) -> str:
    """The English variant of a curated text (`title_en`) on /en/, when the city wrote one."""
    if get_language() == "en":
        value = getattr(obj, f"{field}_en", "")
        if value:
            return str(value)
    return str(getattr(obj, field))


def shop_marker(shop: Shop, *, news: str = "") -> dict[str, Any]:
    """A shop as a map marker (read by static/frontend/js/map.js); `news`: title of its newest post."""
    marker: dict[str, Any] = {
        "id": shop.pk,
        "lat": shop.location.y,
        "lng": shop.location.x,
        "title": shop.name,
        "subtitle": f"{shop.street}, {shop.postcode} {shop.city}"
        + (" · " + gettext("not on Ladenkarte yet") if shop.status == Shop.Status.LISTED else ""),
        "url": shop_url(shop),
    }
    if news:
        marker["news"] = news
        marker["newsLabel"] = gettext("New")
    return marker


def news_by_shop(*, now: Any) -> dict[int, str]:
    """Shop id -> title of its newest live post (the badge on the map marker)."""
    from marketplace.selectors.posts import newest_post_titles

    return newest_post_titles(now=now)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    all_shops = list(
        shops.shops_filtered(now=now).only(
            "id", "name", "slug", "street", "postcode", "city", "location", "status"
        )
    )
    featured = list(curation.featured_shops_live(now=now)[:6])
    live = list(curation.collections_live(now=now)[:6])
    news = news_by_shop(now=now)
    return render(
        request,
        "frontend/public/home.html",
        {
            "form": SearchForm(),
            "shops": [{"item": shop, "url": shop_url(shop)} for shop in all_shops],
            "markers": [shop_marker(shop, news=news.get(shop.pk, "")) for shop in all_shops],
            "featured": [{"item": f, "url": shop_url(f.shop)} for f in featured],
            "collections": [
                {"item": c, "title": localized(c, "title"), "text": localized(c, "text")} for c in live
            ],
        },
    )


@require_safe
def product_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    now = timezone.now()
    try:
        product = shops.product_get_public(product_id=pk, now=now)
    except NotFound:
        raise Http404(gettext("This product is not available.")) from None
    canonical = product_url(product)
    if request.path_info != canonical:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(canonical + (f"?{query}" if query else ""))
    form = ReserveForm(product=product, pickup=product_pickup_options(product, now=now), now=now)
    return render_product(request, product=product, form=form, now=now)


def product_pickup_options(product: Product, *, now: Any) -> PickupOptions:
    """The pickup days the product's shop offers now (the one rule: `selectors.pickup.pickup_options`)."""
    shop = product.shop
    return pickup_options(
        shop=shop,
        schedule=shop_schedule(shop, now=now),
        now=now,
        from_next_day=not collectable_today(product.stock_mode),  # "next day" products (decision 1600)
    )


def render_product(
    request: HttpRequest,
    *,
    product: Product,
    form: ReserveForm,
    now: Any,
    status: int = 200,
    problem: dict[str, Any] | None = None,
) -> HttpResponse:
    """The product page, also re-rendered by the reserve view with the form's errors."""
    shop = product.shop
    pickup_state = shop_pickup_status(
        shop=shop, now=now, from_next_day=not collectable_today(product.stock_mode)
    )
    available: int = product.available  # type: ignore[attr-defined]
    options = pickup_state.options
    pickup = formatting.pickup_words(
        pickup_today_until=pickup_state.pickup_today_until,
        next_pickup_from=pickup_state.next_pickup_from,
        tz_name=shop.time_zone,
        now=now,
    )
    url = product_url(product)
    context = {
        "product": product,
        "shop": shop,
        "shop_url": shop_url(shop),
        "available": available,
        "availability": availability_label(available, product.stock_mode),
        "stock_mode_note": formatting.stock_mode_note(product.stock_mode),
        "pickup": pickup,
        "can_reserve": available > 0 and bool(options.days),
        "sold_recently_days": sold_recently_days(product.last_sold_at, now=now),
        "today_short": options.today_short,
        "form": form,
        "problem": problem,
        "category_name": localized(product.category, "name") if product.category else "",
        "markers": [shop_marker(shop)],
        "json_ld": structured_data.product(product, url=url, shop_url=shop_url(shop), available=available),
        "canonical": structured_data.absolute(url),
        **voice_for_product(product, url=url, now=now),
    }
    return render(request, "frontend/public/product.html", context, status=status)


@require_safe
def shop_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    try:
        shop = shops.shop_get_public(slug=slug)
    except NotFound:
        raise Http404(gettext("This shop is not on Ladenkarte.")) from None
    hours = shops.shop_week(shop=shop, now=now)
    q = request.GET.get("q", "")[:100]
    paginator = Paginator(website.shop_products_matching(shop=shop, now=now, q=q), SHOP_PRODUCTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("seite"))
    url = shop_url(shop)
    weekly = list(shop.opening_hours.all())
    reviews = shop_feedback_summary(shop=shop, now=now)
    context = {
        "shop": shop,
        "reviews": reviews,
        "stock_confidence": stock_confidence(shop_ids=[shop.pk], now=now).get(shop.pk, NO_CONFIDENCE),
        "hours": hours,
        "pickup": formatting.pickup_words(
            pickup_today_until=hours.pickup_today_until,
            next_pickup_from=hours.next_pickup_from,
            tz_name=shop.time_zone,
            now=now,
        ),
        "q": q,
        "page": page,
        "products": [{"item": p, "url": product_url(p)} for p in page.object_list],
        "social": structured_data.safe_links(shop.social_links),
        "categories": [localized(c, "name") for c in shop.categories.all()],
        "markers": [shop_marker(shop, news=news_by_shop(now=now).get(shop.pk, ""))],
        **voice_for_shop(shop, url=url, now=now),
        "json_ld": structured_data.local_business(
            shop, url=url, weekly=weekly, special_ahead=hours.special_ahead, reviews=reviews
        ),
        "canonical": structured_data.absolute(url),
    }
    return render(request, "frontend/public/shop.html", context)


def voice_for_shop(shop: Shop, *, url: str, now: Any) -> dict[str, Any]:
    """The shop's posts and open jobs (includes/shop_voice.html) and its share card."""
    from frontend import sharing
    from frontend.views.voice import job_url, post_entry
    from marketplace.selectors import jobs, posts
    from marketplace.services.jobs import town_today

    return {
        "voice": {
            "posts": [post_entry(p) for p in posts.posts_feed(now=now, shop=shop)[:5]],
            "jobs": [
                {"item": job, "url": job_url(job)}
                for job in jobs.jobs_live(today=town_today(now), shop=shop)[:5]
            ],
        },
        "share": sharing.for_shop(shop, url=url),
    }


def voice_for_product(product: Product, *, url: str, now: Any) -> dict[str, Any]:
    """ "In the news" (live posts pointing to the product) and the product's share card."""
    from frontend import sharing
    from frontend.views.voice import post_url
    from marketplace.selectors import posts

    return {
        "news": [
            {"item": post, "url": post_url(post)}
            for post in posts.posts_about_product(product=product, now=now)
        ],
        "share": sharing.for_product(product, url=url),
    }


@require_safe
def collections(request: HttpRequest) -> HttpResponse:
    items = curation.collections_live(now=timezone.now())
    return render(
        request,
        "frontend/public/collections.html",
        {
            "collections": [
                {"item": c, "title": localized(c, "title"), "text": localized(c, "text")} for c in items
            ]
        },
    )


@require_safe
def collection_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        collection: Collection = curation.collection_get_live(slug=slug, now=timezone.now())
    except NotFound:
        raise Http404(gettext("This collection is not online.")) from None
    items = collection.visible_items  # type: ignore[attr-defined]
    return render(
        request,
        "frontend/public/collection.html",
        {
            "collection": collection,
            "title": localized(collection, "title"),
            "text": localized(collection, "text"),
            "shops": [
                {"item": i.shop, "url": shop_url(i.shop), "note": i.note}
                for i in items
                if i.shop_id and i.shop.status == Shop.Status.ACTIVE
            ],
            "products": [
                {"item": i.product, "url": product_url(i.product), "note": i.note}
                for i in items
                if i.product_id and i.product is not None
            ],
        },
    )


@require_safe
def featured(request: HttpRequest) -> HttpResponse:
    items = curation.featured_shops_live(now=timezone.now())
    return render(
        request,
        "frontend/public/featured.html",
        {"featured": [{"item": f, "url": shop_url(f.shop)} for f in items]},
    )


@require_safe
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/public/imprint.html", {"operator": settings.LADENKARTE_OPERATOR})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/public/privacy.html",
        {"operator": settings.LADENKARTE_OPERATOR, "tile_host": _tile_host()},
    )


def _tile_host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.LADENKARTE_TILE_URL).netloc.replace("{s}.", "")
