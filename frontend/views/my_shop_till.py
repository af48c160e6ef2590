"""My shop: till connectors (status, settings, file upload, column mapping) and scan to list (issue 16).

The shop is found through `shop_get_for_member` (404 for other shops); connector settings and tokens are
for the shop's owners (`may_manage_integrations`), uploads and scanning for every member. Every write goes
through the services: `marketplace.services.connectors` and `marketplace.services.product_data`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from frontend.middleware import build_policy
from marketplace.exceptions import DomainError, NotFound
from marketplace.models import Shop, StockMovement, TillConnector
from marketplace.selectors import merchant as selectors
from marketplace.services import connectors, product_data
from marketplace.services.connectors.mapped_csv import FIELDS as MAPPING_FIELDS
from marketplace.services.inventory import parse_price
from marketplace.services.products import Actor


def _shop(request: HttpRequest, slug: str) -> Shop:
    try:
        return selectors.shop_get_for_member(user=request.user, slug=slug)
    except NotFound:
        raise Http404 from None


def _kind(value: str) -> str:
    if value not in connectors.ADAPTERS:
        raise Http404
    return value


def _cards(shop: Shop) -> list[dict[str, Any]]:
    existing = {connector.kind: connector for connector in connectors.connectors_of_shop(shop)}
    return [
        {
            "kind": kind,
            "label": label,
            "transport": connectors.ADAPTERS[kind].transport,
            "connector": existing.get(kind),
        }
        for kind, label in TillConnector.Kind.choices
    ]


def _page(request: HttpRequest, shop: Shop, **extra: Any) -> HttpResponse:
    context = {
        "shop": shop,
        "cards": _cards(shop),
        "can_manage": selectors.may_manage_integrations(user=request.user, shop=shop),
        "mapping_fields": MAPPING_FIELDS,
        "push_base": request.build_absolute_uri("/api/v1/till-push/"),
        **extra,
    }
    return render(request, "frontend/my_shop/till.html", context, status=extra.pop("status", 200))


@require_safe
@login_required
def till_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, _shop(request, slug))


@require_POST
@login_required
def till_save(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """Owners: the till's address, account and token (stored sealed; an empty token keeps the stored one)."""
    shop = _shop(request, slug)
    kind = _kind(kind)
    if not selectors.may_manage_integrations(user=request.user, shop=shop):
        raise PermissionDenied
    options = {
        key: request.POST.get(key, "").strip()
        for key in ("location", "shop_id")
        if request.POST.get(key, "").strip()
    }
    token = request.POST.get("token", "")
    try:
        _connector, secret = connectors.connector_save(
            shop=shop,
            kind=kind,
            base_url=request.POST.get("base_url", "").strip(),
            account=request.POST.get("account", ""),
            credentials=token if token.strip() else None,
            options=options,
            active=request.POST.get("active", "1") == "1",
        )
    except DomainError as exc:
        return _page(request, shop, error=exc.message, error_details=exc.details, status=400)
    if secret:
        return _page(request, shop, push_secret=secret, push_kind=kind)
    messages.success(request, _("Saved."))
    return redirect("my_shop:till", slug=shop.slug)


@require_POST
@login_required
def till_pull_now(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    shop = _shop(request, slug)
    connector = TillConnector.objects.filter(shop=shop, kind=_kind(kind)).first()
    if connector is None:
        raise Http404
    connectors.connector_pull_now(connector=connector)
    messages.success(request, _("The sync runs in the background; this page shows its result."))
    return redirect("my_shop:till", slug=shop.slug)


@require_POST
@login_required
def till_upload(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """A file export (Shopify, DSFinV-K, mapped CSV): for a CSV without a saved mapping, the preview."""
    shop = _shop(request, slug)
    kind = _kind(kind)
    if connectors.ADAPTERS[kind].transport != connectors.FILE:
        raise Http404
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, shop, error=_("Please choose a file."), status=400)
    data = upload.read()
    connector = TillConnector.objects.filter(shop=shop, kind=kind).first()
    try:
        if kind == TillConnector.Kind.MAPPED_CSV:
            mapping = {field: request.POST.get(f"map_{field}", "") for field in MAPPING_FIELDS}
            if any(mapping.values()):
                connector, _secret = connectors.connector_save(shop=shop, kind=kind, column_mapping=mapping)
            elif connector is None or not connector.column_mapping or request.POST.get("preview") == "1":
                preview = connectors.mapping_preview(data)
                return _page(request, shop, preview=preview, preview_name=upload.name)
        if kind == TillConnector.Kind.SHOPIFY and "location" in request.POST:
            # the inventory CSV's location to count (empty: all locations added up)
            location = request.POST["location"].strip()[:100]
            connector, _secret = connectors.connector_save(
                shop=shop, kind=kind, options={"location": location}
            )
        elif connector is None:
            connector, _secret = connectors.connector_save(shop=shop, kind=kind)
        report = connectors.connector_file_import(connector=connector, data=data, user=request.user)
    except DomainError as exc:
        return _page(request, shop, error=exc.message, status=400)
    return _page(request, shop, report=report, report_kind=kind)


# --- scan to list ------------------------------------------------------------------------------------------


@require_safe
@login_required
def scan_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = _shop(request, slug)
    recent = list(
        shop.products.filter(movements__source=StockMovement.Source.SCAN)
        .distinct()
        .order_by("-created_at")[:20]
    )
    response = render(request, "frontend/my_shop/scan.html", {"shop": shop, "recent": recent})
    # this page only: the camera, and WebAssembly for the barcode reader (the site's policy allows neither)
    response.headers["Content-Security-Policy"] = build_policy().replace(
        "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"
    )
    response.headers["Permissions-Policy"] = (
        "geolocation=(self), camera=(self), microphone=(), payment=(), usb=()"
    )
    return response


@require_safe
@login_required
def scan_lookup(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirm form for a scanned code, filled from the open product data when it knows the code."""
    shop = _shop(request, slug)
    code = request.GET.get("gtin", "").strip()
    gtin = product_data.gtin_normal(code)
    context: dict[str, Any] = {"shop": shop, "code": code, "gtin": gtin}
    if gtin is None:
        context["error"] = _("“%(code)s” is not a valid EAN/UPC code.") % {"code": code[:20]}
    else:
        record = product_data.gtin_lookup(gtin)
        existing = shop.products.filter(gtin=gtin).first() or shop.products.filter(sku=gtin).first()
        context.update(
            record=record,
            existing=existing,
            attribution=product_data.attribution(record.source) if record else None,
            title=(existing.title if existing else "")
            or (f"{record.name} {record.quantity}".strip() if record else ""),
            brand=(existing.brand if existing else "") or (record.brand if record else ""),
        )
    return render(request, "frontend/my_shop/_scan_result.html", context)


@require_POST
@login_required
def scan_list(request: HttpRequest, slug: str) -> HttpResponse:
    shop = _shop(request, slug)
    price = parse_price(request.POST.get("price", ""))
    context: dict[str, Any] = {
        "shop": shop,
        "code": request.POST.get("gtin", ""),
        "gtin": request.POST.get("gtin", ""),
    }
    try:
        quantity = int(request.POST.get("quantity", "").strip())
    except ValueError:
        quantity = -1
    errors = []
    if price is None:
        errors.append(_("Enter a price like 2,49 (up to %(max)s).") % {"max": settings.LADENKARTE_MAX_PRICE})
    if not 0 <= quantity <= 1_000_000:
        errors.append(_("Enter the number on the shelf (0 or more)."))
    if not errors:
        try:
            product = product_data.product_list_scanned(
                shop=shop,
                gtin=request.POST.get("gtin", ""),
                title=request.POST.get("title", ""),
                brand=request.POST.get("brand", ""),
                price=price or Decimal("0"),
                quantity=quantity,
                actor=Actor(source=StockMovement.Source.SCAN, user=request.user),
            )
        except DomainError as exc:
            errors.append(str(exc.message))
            for messages_ in (exc.details or {}).values():
                errors += [str(m) for m in messages_] if isinstance(messages_, list) else []
        else:
            return render(request, "frontend/my_shop/_scan_listed.html", {"shop": shop, "product": product})
    context.update(
        error=" ".join(errors),
        title=request.POST.get("title", ""),
        brand=request.POST.get("brand", ""),
        price=request.POST.get("price", ""),
        quantity=request.POST.get("quantity", ""),
    )
    return render(request, "frontend/my_shop/_scan_result.html", context, status=400)
