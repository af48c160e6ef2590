"""The merchant's "my shop" page (/mein-laden/): today's reservations, quick stock, hours, CSV import, keys.

Made for a phone behind the counter. Every request finds the shop through `shop_get_for_member` (404 for
shops the user does not work for); every write goes through the services, like the API.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frontend.formatting import day_label
from frontend.forms.my_shop import AccessibilityForm
from frontend.forms.pickup import PickupSettingsForm
from marketplace.exceptions import DomainError, NotFound, StockChanged, ValidationFailed
from marketplace.infrastructure.uploads import UploadTooLarge, upload_receive
from marketplace.models import ApiKey, FeedbackReport, Product, Reservation, Shop, StockMovement
from marketplace.selectors import merchant as selectors
from marketplace.selectors.alerts import alert_demand_for_shop
from marketplace.selectors.feedback import (
    MIN_FOR_FIGURES,
    NO_CONFIDENCE,
    feedback_get_for_shop,
    feedback_of_shop,
    stock_confidence,
)
from marketplace.selectors.hours import shop_schedule
from marketplace.selectors.merchant_messages import merchant_message_banners
from marketplace.selectors.reservations import reservation_get_in_shop
from marketplace.selectors.stock import products_with_availability
from marketplace.services import api_keys, csv_import, merchant_messages, pickup_days, products
from marketplace.services import feedback as feedback_services
from marketplace.services.accessibility import Accessibility, shop_accessibility_set
from marketplace.services.data_health import stock_confirm_shop, stock_confirm_still_true
from marketplace.services.inventory import SyncRejected

PRODUCTS_SHOWN = 30


def _shop(request: HttpRequest, slug: str) -> Shop:
    try:
        return selectors.shop_get_for_member(user=request.user, slug=slug)
    except NotFound:
        raise Http404 from None


def _actor(request: HttpRequest) -> products.Actor:
    return products.Actor(source=StockMovement.Source.MERCHANT_PAGE, user=request.user)


def _products(shop: Shop, q: str) -> list[Product]:
    """The shop's products with what residents can reserve of each (the availability rule)."""
    queryset = selectors.products_of_shop(shop=shop, q=q)
    return list(products_with_availability(queryset, now=timezone.now())[:PRODUCTS_SHOWN])


def _product_row(product: Product) -> Product:
    return products_with_availability(Product.objects.filter(pk=product.pk), now=timezone.now()).get()


def _reservations(shop: Shop) -> list[Reservation]:
    now = timezone.now()
    return list(
        Reservation.objects.filter(shop=shop, status__in=Reservation.ACTIVE_STATUSES, expires_at__gt=now)
        .prefetch_related("lines__product")
        .order_by("pickup_date", "pickup_from", "pk")[:50]
    )


def _by_pickup_day(shop: Shop, reservations: list[Reservation]) -> list[dict[str, Any]]:
    """The open reservations grouped by pickup day: "today", "tomorrow", then dates (issue 21)."""
    today = timezone.localtime(timezone.now(), ZoneInfo(shop.time_zone)).date()
    groups: dict[date, list[Reservation]] = {}
    for reservation in reservations:
        day = (
            reservation.pickup_date
            or timezone.localtime(reservation.pickup_from, ZoneInfo(shop.time_zone)).date()
        )
        groups.setdefault(day, []).append(reservation)
    return [
        {"date": day, "label": day_label(day, today=today), "reservations": items}
        for day, items in sorted(groups.items())
    ]


def _today(shop: Shop) -> dict[str, Any]:
    now = timezone.now()
    schedule = shop_schedule(shop, now=now, days=3)
    local = now.astimezone(schedule.tz)
    day = schedule.day(local.date())
    return {"date": local.date(), "day": day, "open_now": schedule.is_open(now)}


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """One shop: straight to it; several: pick one; none: say so."""
    shops = list(selectors.shops_for_member(user=request.user).order_by("name"))
    if len(shops) == 1:
        return redirect("my_shop:shop", slug=shops[0].slug)
    return render(request, "frontend/my_shop/index.html", {"shops": shops})


@require_safe
@login_required
def shop_page(request: HttpRequest, slug: str) -> HttpResponse:
    from frontend.views.my_shop_voice import voice_context

    shop = _shop(request, slug)
    return render_shop_page(request, shop, extra=voice_context(shop))


def render_shop_page(
    request: HttpRequest, shop: Shop, *, extra: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The whole my-shop page (also re-rendered with a form's errors by the posts and jobs views)."""
    q = request.GET.get("q", "").strip()[:100]
    reservations = _reservations(shop)
    context = {
        "shop": shop,
        "q": q,
        "products": _products(shop, q),
        "reservations": reservations,
        "reservation_days": _by_pickup_day(shop, reservations),
        "pickup_form": extra.get("pickup_form") or PickupSettingsForm(shop=shop),
        "today": _today(shop),
        "api_keys": list(selectors.api_keys_of_shop(shop=shop).filter(revoked_at__isnull=True)),
        "can_manage_keys": selectors.may_manage_integrations(user=request.user, shop=shop),
        "recent_imports": list(shop.import_jobs.order_by("-created_at")[:3]),
        "accessibility_form": AccessibilityForm(initial=asdict(Accessibility.of(shop))),
        "feedback": feedback_of_shop(shop=shop),
        "stock_confidence": stock_confidence(shop_ids=[shop.pk]).get(shop.pk, NO_CONFIDENCE),
        "min_signals": MIN_FOR_FIGURES,
        "alert_demand": alert_demand_for_shop(shop=shop),
        "now": timezone.now(),
        **extra,
        "city_messages": list(merchant_message_banners(shop=shop)),
    }
    return render(request, "frontend/my_shop/shop.html", context, status=status)


@require_safe
@login_required
def product_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The product list alone (HTMX search as you type; a full page without JavaScript)."""
    shop = _shop(request, slug)
    q = request.GET.get("q", "").strip()[:100]
    if not getattr(request, "htmx", False):
        return redirect(f"{request.path.rsplit('produkte/', 1)[0]}?q={q}#produkte")
    return render(
        request, "frontend/my_shop/_products.html", {"shop": shop, "products": _products(shop, q), "q": q}
    )


@require_POST
@login_required
def stock_adjust(request: HttpRequest, slug: str, sku: str) -> HttpResponse:
    """+1 / -1 (or another small step) on one product."""
    shop = _shop(request, slug)
    try:
        product = selectors.product_get_in_shop(shop=shop, sku=sku)
    except NotFound:
        raise Http404 from None
    error = ""
    try:
        delta = int(request.POST.get("delta", "0"))
        seen = int(request.POST.get("seen", ""))  # the figure the page showed: compare-and-set
    except ValueError:
        delta, seen = 0, None
        error = _("The page was out of date; here is the current stock. Nothing was changed.")
    if delta and seen is not None and abs(delta) <= 100:
        try:
            product = products.product_adjust_stock(
                product=product, delta=delta, seen_on_hand=seen, actor=_actor(request)
            )
        except StockChanged as exc:
            error = exc.message
        except DomainError:
            error = _("Stock cannot go below 0.")
    context = {"shop": shop, "product": _product_row(product), "error": error}
    if getattr(request, "htmx", False):
        return render(request, "frontend/my_shop/_product_row.html", context)
    if error:  # without JavaScript the page reloads: the refusal (naming the current figure) goes with it
        messages.error(request, error)
    return redirect("my_shop:shop", slug=shop.slug)


@require_POST
@login_required
def reservation_action(request: HttpRequest, slug: str, code: str, action: str) -> HttpResponse:
    from marketplace.services import reservations as services

    shop = _shop(request, slug)
    try:
        reservation = reservation_get_in_shop(shop=shop, code=code)
    except NotFound:
        raise Http404 from None
    actor = services.Actor(user=request.user)
    error = ""
    try:
        if action == "ready":
            reservation = services.reservation_mark_ready(reservation=reservation)
        elif action == "collected":
            reservation = services.reservation_collect(reservation=reservation, actor=actor)
        elif action == "no-show":
            reservation = services.reservation_mark_no_show(reservation=reservation, actor=actor)
        else:
            raise Http404
    except DomainError as exc:
        error = exc.message
    if getattr(request, "htmx", False):
        reservation = Reservation.objects.prefetch_related("lines__product").get(pk=reservation.pk)
        return render(
            request,
            "frontend/my_shop/_reservation.html",
            {"shop": shop, "reservation": reservation, "error": error},
        )
    return redirect("my_shop:shop", slug=shop.slug)


@require_POST
@login_required
def accessibility_update(request: HttpRequest, slug: str) -> HttpResponse:
    """Save the accessibility facts; bad values re-render the page with the errors and change nothing."""
    from frontend.views.my_shop_voice import voice_context

    shop = _shop(request, slug)
    form = AccessibilityForm(request.POST)
    if form.is_valid():
        try:
            shop_accessibility_set(shop=shop, facts=Accessibility(**form.cleaned_data))
        except ValidationFailed as exc:
            for field, field_errors in exc.details.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Accessibility saved."))
            return redirect(f"{reverse('my_shop:shop', args=[shop.slug])}#zugang")
    return render_shop_page(
        request, shop, extra={**voice_context(shop), "accessibility_form": form}, status=400
    )


@require_POST
@login_required
def review_answer(request: HttpRequest, slug: str, feedback_id: int) -> HttpResponse:
    """Answer a customer's feedback privately (e-mail only) or publicly (under the review)."""
    shop = _shop(request, slug)
    item = feedback_get_for_shop(shop=shop, feedback_id=feedback_id)
    if item is None:
        raise Http404
    try:
        feedback_services.feedback_answer(
            feedback=item,
            text=request.POST.get("answer", ""),
            public=request.POST.get("public") == "1",
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your answer was sent to the customer."))
    return redirect(f"{reverse('my_shop:shop', args=[shop.slug])}#bewertungen")


@require_POST
@login_required
def review_report(request: HttpRequest, slug: str, feedback_id: int) -> HttpResponse:
    """Report a review to the city (it breaks the rules); the city decides."""
    shop = _shop(request, slug)
    item = feedback_get_for_shop(shop=shop, feedback_id=feedback_id)
    if item is None:
        raise Http404
    try:
        feedback_services.feedback_report(
            feedback=item, by=FeedbackReport.By.MERCHANT, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The city's team will look at this review."))
    return redirect(f"{reverse('my_shop:shop', args=[shop.slug])}#bewertungen")


@csrf_exempt  # checked in `upload_receive`, after the size cap is in place (the check reads the body)
@require_POST
@login_required
def csv_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Check (dry run) or import a CSV file; the report lists every change and every bad line."""
    shop = _shop(request, slug)
    template = (
        "frontend/my_shop/_import_report.html"
        if getattr(request, "htmx", False)
        else "frontend/my_shop/import.html"
    )
    try:
        rejected = upload_receive(request, max_bytes=settings.LADENKARTE_CSV_MAX_BYTES)
    except UploadTooLarge as exc:
        return render(request, template, {"shop": shop, "dry_run": True, "error": exc.message}, status=413)
    if rejected is not None:
        return rejected
    upload = request.FILES.get("file")
    dry_run = request.POST.get("apply") != "1"
    context: dict[str, Any] = {"shop": shop, "dry_run": dry_run}
    if upload is None:
        context["error"] = _("Please choose a CSV file.")
    else:
        data = upload.read()
        try:
            if csv_import.csv_row_count(data) > settings.LADENKARTE_CSV_ASYNC_ROWS:
                context["job"] = csv_import.import_job_create(
                    shop=shop,
                    data=data,
                    name=upload.name or "",
                    dry_run=dry_run,
                    partial=False,
                    actor=_csv_actor(request),
                )
            else:
                context["report"] = csv_import.csv_import(
                    shop=shop, data=data, dry_run=dry_run, actor=_csv_actor(request)
                )
        except SyncRejected as exc:
            context["report"] = exc.details
            context["rejected"] = True
        except DomainError as exc:
            context["error"] = exc.message
        # the merchant can re-send the checked file to apply it without choosing it again
        context["file_name"] = upload.name
    return render(request, template, context)


def _csv_actor(request: HttpRequest) -> products.Actor:
    return products.Actor(source=StockMovement.Source.CSV, user=request.user)


@require_POST
@login_required
def api_key_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Create a key (owners only); its value is shown on this one page and never again."""
    shop = _shop(request, slug)
    if not selectors.may_manage_integrations(user=request.user, shop=shop):
        raise Http404
    scope = request.POST.get("scope", ApiKey.Scope.WRITE)
    try:
        api_key, raw_key = api_keys.api_key_create(
            shop=shop, name=request.POST.get("name", ""), scope=scope, created_by=request.user
        )
    except DomainError as exc:
        return render(
            request, "frontend/my_shop/key_created.html", {"shop": shop, "error": exc.message}, status=400
        )
    response = render(
        request, "frontend/my_shop/key_created.html", {"shop": shop, "api_key": api_key, "raw_key": raw_key}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def api_key_revoke(request: HttpRequest, slug: str, key_id: int) -> HttpResponse:
    shop = _shop(request, slug)
    if not selectors.may_manage_integrations(user=request.user, shop=shop):
        raise Http404
    api_key = selectors.api_keys_of_shop(shop=shop).filter(pk=key_id).first()
    if api_key is None:
        raise Http404
    api_keys.api_key_revoke(api_key=api_key, by_user=request.user)
    return redirect("my_shop:shop", slug=shop.slug)


@require_http_methods(["GET", "POST"])
def stock_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The one-tap "still true" link of the weekly e-mail: a page with one button (a GET never writes,
    so mail scanners that open links confirm nothing); the signed token is the authorisation."""
    try:
        shop = stock_confirm_shop(token=token)
    except ValidationFailed as exc:
        return render(request, "frontend/my_shop/stock_confirm.html", {"error": exc.message}, status=400)
    confirmed = None
    if request.method == "POST":
        confirmed = stock_confirm_still_true(token=token)
    return render(request, "frontend/my_shop/stock_confirm.html", {"shop": shop, "confirmed": confirmed})


# --- messages of the city ----------------------------------------------------------------------------------


@require_POST
@login_required
def city_message_answer(request: HttpRequest, slug: str, recipient_id: int, answer: str) -> HttpResponse:
    """One tap: "we open" / "we stay closed" on the day the city asked about (written as a special day)."""
    shop = _shop(request, slug)
    try:
        special = merchant_messages.merchant_message_answer(
            shop=shop, recipient_id=recipient_id, answer=answer, user=request.user
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        day = date_format(special.date, "l, j. F")
        if special.closed:
            text = _("Saved: your shop stays closed on %(day)s.") % {"day": day}
        else:
            hours = ", ".join(f"{i['opens']}-{i['closes']}" for i in special.intervals)
            text = _("Saved: your shop opens on %(day)s, %(hours)s.") % {"day": day, "hours": hours}
        messages.success(request, text)
    return redirect("my_shop:shop", slug=shop.slug)


@require_POST
@login_required
def city_message_dismiss(request: HttpRequest, slug: str, recipient_id: int) -> HttpResponse:
    shop = _shop(request, slug)
    try:
        merchant_messages.merchant_message_dismiss(shop=shop, recipient_id=recipient_id)
    except NotFound:
        raise Http404 from None
    return redirect("my_shop:shop", slug=shop.slug)


@csrf_exempt  # mail clients POST the one-click unsubscribe without a session; the signed token authorises
@require_http_methods(["GET", "POST"])
def news_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The unsubscribe link of the city's e-mails: GET asks, POST (also RFC 8058 one-click) unsubscribes."""
    shop = merchant_messages.merchant_news_shop_for_token(token)
    if shop is None:
        raise Http404
    done = False
    if request.method == "POST":
        if request.POST.get("resubscribe"):
            merchant_messages.merchant_news_resubscribe(shop=shop)
        else:
            merchant_messages.merchant_news_unsubscribe(shop=shop)
            done = True
    return render(request, "frontend/my_shop/unsubscribe.html", {"shop": shop, "done": done, "token": token})


@require_POST
@login_required
def pickup_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's pickup settings (days ahead, minimum window today, lead time, later days, moves)."""
    from frontend.views.my_shop_voice import voice_context

    shop = _shop(request, slug)
    form = PickupSettingsForm(request.POST, shop=shop)
    if form.is_valid():
        try:
            pickup_days.shop_pickup_settings_update(shop=shop, changes=form.changes())
        except ValidationFailed as exc:
            for field, errors in exc.details.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Pickup settings saved."))
            return redirect(f"{request.path.rsplit('abholung/', 1)[0]}#abholung")
    extra = {**voice_context(shop), "pickup_form": form}
    return render_shop_page(request, shop, extra=extra, status=400)
