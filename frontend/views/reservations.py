"""Reserve on the product page, the confirmation, the status page with cancel, and the calendar file.

All rules live in `marketplace.services.reservations`; these views translate its outcomes into pages.
Residents reach a reservation only with its code and secret token (404 otherwise, like the API).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import segno
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from frontend.formatting import pickup_day_label
from frontend.forms.reservations import CancelForm, ReserveForm
from frontend.views.public import product_path, product_pickup_options, render_product, shop_url
from marketplace.exceptions import (
    ConfirmationNotPossible,
    InsufficientStock,
    LimitExceeded,
    NotFound,
    PickupDateNotOffered,
    PickupUnavailable,
    RateLimited,
    ReservationMoveNotPossible,
    ReservationNotCancellable,
    ShopUnavailable,
    ValidationFailed,
)
from marketplace.infrastructure.rate_limits import (
    RESERVATION_CREATE,
    client_address,
    rate_limit_client,
    rate_limit_hit,
)
from marketplace.models import Product, Reservation
from marketplace.selectors.reservations import reservation_get_by_token
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.selectors.shops import product_get_public
from marketplace.services.pickup_days import reservation_can_move, reservation_move_next_day
from marketplace.services.reservation_emails import reservation_ics, reservation_status_url
from marketplace.services.reservations import (
    Contact,
    LineRequest,
    reservation_cancel,
    reservation_confirm,
    reservation_create,
)

SESSION_TOKENS = "lk_reservation_tokens"
SESSION_FORM_KEYS = "lk_reservation_form_keys"
ALTERNATIVES_RADIUS_KM = 25.0
ALTERNATIVES_SHOWN = 3


def _client(request: HttpRequest) -> str:
    """The rate-limit client, as the API counts it (a signed-in user by id, anyone else by address)."""
    user_id = request.user.pk if request.user.is_authenticated else None
    return rate_limit_client(address=client_address(request.META), user_id=user_id)


def limit_explanation(code: str) -> str:
    """The anti-hoarding rule behind a refusal, in plain words (decision 0201)."""
    numbers = {
        "active": settings.LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL,
        "product": settings.LADENKARTE_MAX_UNITS_PER_PERSON_PRODUCT,
        "shop": settings.LADENKARTE_MAX_UNITS_PER_PERSON_SHOP,
        "line": settings.LADENKARTE_MAX_UNITS_PER_LINE,
    }
    texts = {
        "too_many_active_reservations": gettext(
            "So that everyone gets a chance, one person can have at most %(active)d open reservations at "
            "a time. Collect or cancel one, then you can reserve again."
        ),
        "person_product_limit": gettext(
            "So that everyone gets a chance, one person can hold at most %(product)d pieces of one item at a "
            "time, counting all your open reservations. Variants of your e-mail address count as you."
        ),
        "person_shop_limit": gettext(
            "So that everyone gets a chance, one person can hold at most %(shop)d pieces in one shop at a "
            "time, counting all your open reservations. Variants of your e-mail address count as you."
        ),
        "too_many_units": gettext("At most %(line)d pieces of one item fit in one reservation."),
    }
    return texts.get(code, "") % numbers


def _private(response: HttpResponse) -> HttpResponse:
    """Pages behind a secret token: never cached, never indexed, and their address (with `?token=`) is never
    sent on as a Referer to another site. `same-origin`, not `no-referrer`: with `no-referrer` browsers send
    `Origin: null` on the page's own cancel form, which Django's CSRF check refuses; our own logs blank the
    token (ops/logs.py)."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def alternatives_for(product: Product, *, now: Any) -> list[dict[str, Any]]:
    """Other shops that have this item now, nearest to the shop first (same GTIN, else a title match)."""
    shop = product.shop
    words = " ".join(product.title.split()[:6])
    try:
        result = product_search_nearby(
            params=SearchParams(
                lat=shop.location.y,
                lng=shop.location.x,
                radius_km=ALTERNATIVES_RADIUS_KM,
                q=words,
                available_today=True,
                ordering="distance",
                page_size=20,
            ),
            now=now,
        )
    except ValidationFailed:
        return []
    hits = [hit for hit in result.hits if hit.product_id != product.pk and hit.shop_id != shop.pk]
    if product.gtin:
        same = [hit for hit in hits if hit.gtin == product.gtin]
        hits = same or hits
    return [{"hit": hit, "url": product_path(hit.product_id, hit.title)} for hit in hits[:ALTERNATIVES_SHOWN]]


@require_POST
def reserve(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    try:
        product = product_get_public(product_id=pk, now=now)
    except NotFound:
        raise Http404(gettext("This product is not available.")) from None
    form = ReserveForm(
        request.POST, product=product, pickup=product_pickup_options(product, now=now), now=now
    )
    if not form.is_valid():
        return render_product(request, product=product, form=form, now=now, status=400)

    form_key = str(form.cleaned_data.get("form_key") or "")
    done: dict[str, str] = request.session.get(SESSION_FORM_KEYS, {})
    if form_key and form_key in done:
        # The same form sent twice (double click, reload): show the first result, reserve nothing more.
        return HttpResponseRedirect(
            reverse("public:reservation-confirmation", kwargs={"code": done[form_key]})
        )

    problem: dict[str, Any] | None = None
    status = 409
    try:
        rate_limit_hit(
            bucket=RESERVATION_CREATE, client=_client(request), rate=settings.LADENKARTE_RESERVATION_RATE
        )
        created = reservation_create(
            items=[LineRequest(product_id=product.pk, quantity=form.cleaned_data["quantity"])],
            contact=Contact(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data.get("phone", ""),
            ),
            language=(get_language() or settings.LANGUAGE_CODE)[:2],
            now=now,
            pickup_date=form.cleaned_data.get("pickup_date"),
        )
    except InsufficientStock:
        problem = {"kind": "taken", "alternatives": alternatives_for(product, now=now)}
    except RateLimited:
        problem = {
            "kind": "rate",
            "message": gettext("Too many reservations from this connection. Please try again in an hour."),
        }
        status = 429
    except LimitExceeded as exc:
        problem = {"kind": "limit", "message": exc.message, "explanation": limit_explanation(exc.code)}
    except (ShopUnavailable, PickupUnavailable, PickupDateNotOffered) as exc:
        problem = {"kind": "shop", "message": exc.message}
    except ValidationFailed as exc:
        problem = {"kind": "invalid", "message": exc.message}
        status = 400
    if problem is not None:
        fresh = product_get_public(product_id=pk, now=now)
        return render_product(
            request,
            product=fresh,
            form=ReserveForm(
                request.POST, product=fresh, pickup=product_pickup_options(fresh, now=now), now=now
            ),
            now=now,
            status=status,
            problem=problem,
        )

    code = created.reservation.code
    tokens: dict[str, str] = request.session.get(SESSION_TOKENS, {})
    tokens[code] = _token_seal(created.token)
    request.session[SESSION_TOKENS] = dict(list(tokens.items())[-10:])
    if form_key:
        done[form_key] = code
        request.session[SESSION_FORM_KEYS] = dict(list(done.items())[-10:])
    return HttpResponseRedirect(reverse("public:reservation-confirmation", kwargs={"code": code}))


def qr_svg(code: str) -> SafeString:
    """The pickup code as an inline SVG QR code (markup, not script: fine under our CSP)."""
    label = gettext("QR code of the reservation code %(code)s") % {"code": code}
    svg = segno.make(code, error="m").svg_inline(
        scale=4, border=2, omitsize=True, svgclass=None, lineclass=None, dark="#1d2a2a"
    )
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S308


def _reservation_context(reservation: Reservation, *, token: str) -> dict[str, Any]:
    shop = reservation.shop
    now = timezone.now()
    lines = [
        {"line": line, "url": product_path(line.product_id, line.product.title)}
        for line in reservation.lines.all()
    ]
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return {
        "reservation": reservation,
        "shop": shop,
        "shop_url": shop_url(shop),
        "lines": lines,
        "total": sum(line.unit_price * line.quantity for line in reservation.lines.all()),
        "token": token,
        "active": reservation.is_active_at(now),
        "expired_now": reservation.status in Reservation.ACTIVE_STATUSES and reservation.expires_at <= now,
        "status_url": reservation_status_url(code=reservation.code, token=token, language=language),
        "status_path": reverse("public:reservation", kwargs={"code": reservation.code})
        + "?"
        + urlencode({"token": token}),
        "ics_url": reverse("public:reservation-ics", kwargs={"code": reservation.code})
        + "?"
        + urlencode({"token": token}),
        "qr": qr_svg(reservation.code),
        "cancel_form": CancelForm(initial={"token": token}),
        "pickup_day": pickup_day_label(
            day=reservation.pickup_date or timezone.localtime(reservation.pickup_from).date(),
            starts=reservation.pickup_from,
            ends=reservation.hold_until or reservation.expires_at,
            tz_name=shop.time_zone,
            now=now,
        ),
        "can_move": reservation_can_move(reservation, now=now),
    }


def _session_fernet() -> Fernet:
    key = hmac.new(settings.SECRET_KEY.encode(), b"ladenkarte-session-reservation-token", hashlib.sha256)
    return Fernet(base64.urlsafe_b64encode(key.digest()))


def _token_seal(token: str) -> str:
    """The reservation token as the session keeps it: encrypted, so the session table (and its backups) holds
    no token that opens a reservation (decision 1200)."""
    return _session_fernet().encrypt(token.encode()).decode()


def _token_unseal(sealed: object) -> str:
    """The token back from the session; "" for anything unreadable (a session from before, a rotated key)."""
    if not isinstance(sealed, str) or not sealed:
        return ""
    try:
        return _session_fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""


def _lookup(code: str, token: str) -> Reservation:
    try:
        return reservation_get_by_token(code=code, token=token)
    except NotFound:
        raise Http404(gettext("No reservation with this code and link.")) from None


@require_safe
@never_cache
def confirmation(request: HttpRequest, code: str) -> HttpResponse:
    token = _token_unseal(request.session.get(SESSION_TOKENS, {}).get(code, ""))
    if not token:
        if request.GET.get("token"):
            return HttpResponseRedirect(
                reverse("public:reservation", kwargs={"code": code})
                + "?"
                + urlencode({"token": request.GET["token"]})
            )
        raise Http404(gettext("No reservation with this code and link."))
    reservation = _lookup(code, token)
    return _private(
        render(request, "frontend/public/confirmation.html", _reservation_context(reservation, token=token))
    )


@require_safe
@never_cache
def status(request: HttpRequest, code: str) -> HttpResponse:
    token = request.GET.get("token", "")[:200]
    reservation = _lookup(code, token)
    return _private(
        render(request, "frontend/public/reservation.html", _reservation_context(reservation, token=token))
    )


@require_POST
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    form = CancelForm(request.POST)
    token = form.data.get("token", "")[:200] if not form.is_valid() else form.cleaned_data["token"]
    reservation = _lookup(code, token)
    try:
        reservation_cancel(reservation=reservation, by="resident")
    except ReservationNotCancellable:
        messages.error(request, gettext("This reservation can no longer be cancelled."))
    else:
        messages.success(
            request,
            gettext("Your reservation %(code)s is cancelled. Thank you for letting the shop know.")
            % {"code": reservation.code},
        )
    return HttpResponseRedirect(
        reverse("public:reservation", kwargs={"code": reservation.code}) + "?" + urlencode({"token": token})
    )


@require_POST
def move(request: HttpRequest, code: str) -> HttpResponse:
    """ "Move to the next opening day" from the status page (once; the service decides under the lock)."""
    form = CancelForm(request.POST)
    token = form.data.get("token", "")[:200] if not form.is_valid() else form.cleaned_data["token"]
    reservation = _lookup(code, token)
    try:
        moved = reservation_move_next_day(reservation=reservation)
    except ReservationMoveNotPossible as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Done: your pickup is moved to %(day)s. The items stay held for you.")
            % {
                "day": pickup_day_label(
                    day=moved.pickup_date or timezone.localtime(moved.pickup_from).date(),
                    starts=moved.pickup_from,
                    ends=moved.hold_until or moved.expires_at,
                    tz_name=moved.shop.time_zone,
                    now=timezone.now(),
                )
            },
        )
    return HttpResponseRedirect(
        reverse("public:reservation", kwargs={"code": reservation.code}) + "?" + urlencode({"token": token})
    )


@require_safe
def calendar(request: HttpRequest, code: str) -> HttpResponse:
    reservation = _lookup(code, request.GET.get("token", "")[:200])
    response = HttpResponse(reservation_ics(reservation), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="ladenkarte-{reservation.code}.ics"'
    return _private(response)


@never_cache
def confirm_hold(request: HttpRequest, code: str) -> HttpResponse:
    """The link from the e-mail: GET shows a button (mail scanners open links), POST confirms the hold."""
    secret = (request.POST.get("c") or request.GET.get("c") or "")[:200]
    context: dict[str, Any] = {"code": code, "secret": secret}
    status = 200
    if request.method == "POST":
        try:
            reservation = reservation_confirm(code=code, confirm_token=secret)
        except ConfirmationNotPossible as exc:
            context["problem"] = exc.message
            status = 409
        else:
            context["confirmed"] = reservation
            context["shop"] = reservation.shop
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    return _private(render(request, "frontend/public/reservation_confirm.html", context, status=status))
