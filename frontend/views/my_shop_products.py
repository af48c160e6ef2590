"""My shop: a product's stock mode and its photo from the phone (decision 1600).

The shop comes from `shop_get_for_member` through `my_shop._shop` (404 for shops the user does not work
for), the product from the shop's products; writes go through `services.products` (`product_update` with
the figure the page showed, `product_photo_set`), like the API.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.views.my_shop import _actor, _product_row, _shop
from marketplace.exceptions import DomainError, NotFound, StockChanged
from marketplace.models import Product, Shop, StockMode
from marketplace.selectors import merchant as selectors
from marketplace.services import products


def _product(shop: Shop, sku: str) -> Product:
    try:
        return selectors.product_get_in_shop(shop=shop, sku=sku)
    except NotFound:
        raise Http404 from None


def _answer(request: HttpRequest, shop: Shop, product: Product, *, error: str = "") -> HttpResponse:
    context = {"shop": shop, "product": _product_row(product), "error": error}
    if getattr(request, "htmx", False):
        return render(request, "frontend/my_shop/_product_row.html", context)
    if error:  # without JavaScript the page reloads: the refusal goes with it
        messages.error(request, error)
    return redirect(reverse("my_shop:shop", kwargs={"slug": shop.slug}) + f"#product-{product.pk}")


@require_POST
@login_required
def stock_mode_set(request: HttpRequest, slug: str, sku: str) -> HttpResponse:
    """Change how the product's stock is stated, or switch an "in stock / sold out" product."""
    shop = _shop(request, slug)
    product = _product(shop, sku)
    changes: dict[str, object] = {}
    mode = request.POST.get("stock_mode", "")
    if mode:
        if mode not in StockMode.values:
            return _answer(request, shop, product, error=_("Please choose one of the stock modes."))
        changes["stock_mode"] = mode
    in_stock = request.POST.get("in_stock", "")
    if in_stock in ("0", "1"):
        changes["quantity_on_hand"] = int(in_stock)
    try:
        seen = int(request.POST.get("seen", ""))  # the figure the page showed: compare-and-set
    except ValueError:
        return _answer(
            request,
            shop,
            product,
            error=_("The page was out of date; here is the current stock. Nothing was changed."),
        )
    if not changes:
        return _answer(request, shop, product)
    try:
        product = products.product_update(
            product=product, changes=changes, seen_on_hand=seen, actor=_actor(request)
        )
    except StockChanged as exc:
        return _answer(request, shop, product, error=exc.message)
    except DomainError as exc:
        return _answer(request, shop, product, error=exc.message)
    return _answer(request, shop, product)


@require_POST
@login_required
def photo_upload(request: HttpRequest, slug: str, sku: str) -> HttpResponse:
    """A product photo from the phone's camera or gallery: upright, without metadata, as WebP."""
    shop = _shop(request, slug)
    product = _product(shop, sku)
    upload = request.FILES.get("photo")
    if upload is None:
        return _answer(request, shop, product, error=_("Please choose or take a photo."))
    if upload.size and upload.size > settings.LADENKARTE_UPLOAD_MAX_BYTES:
        error = _("The photo is too large (at most %(mb)s MB).") % {
            "mb": settings.LADENKARTE_UPLOAD_MAX_BYTES // (1024 * 1024)
        }
        return _answer(request, shop, product, error=error)
    try:
        product = products.product_photo_set(product=product, data=upload.read())
    except DomainError as exc:
        return _answer(request, shop, product, error=exc.message)
    return _answer(request, shop, product)
