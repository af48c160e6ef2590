"""Share card images and the shop-window poster.

`/teilen/<kind>/<id>/<hash>-<wide|square>.png`: the hash is the card's current content hash. A request with
an old hash is redirected to the current image (links shared last week still show a card); the image at a
current URL never changes and is cached for a year.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from frontend import sharing, structured_data
from frontend.views.public import shop_url
from marketplace.exceptions import NotFound
from marketplace.selectors import jobs as job_selectors
from marketplace.selectors import posts as post_selectors
from marketplace.selectors import shops
from marketplace.selectors.share_cards import FORMATS
from marketplace.services.jobs import town_today
from marketplace.services.share_cards import share_card_png, shop_poster_pdf

YEAR = 365 * 24 * 3600


def _object(kind: str, pk: int) -> object:
    now = timezone.now()
    try:
        if kind == "shop":
            return shops.shops_visible().get(pk=pk)
        if kind == "product":
            return shops.product_get_public(product_id=pk, now=now)
        if kind == "post":
            return post_selectors.post_get_public(post_id=pk, now=now)
        if kind == "job":
            return job_selectors.job_get_public(job_id=pk, today=town_today(now))
    except (NotFound, shops.Shop.DoesNotExist):
        pass
    raise Http404


@require_safe
def share_image(request: HttpRequest, kind: str, pk: int, digest: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    card = sharing.card_for(kind, _object(kind, pk))
    if digest != card.content_hash:
        response: HttpResponse = HttpResponseRedirect(sharing.card_path(card, fmt))
        response["Cache-Control"] = "public, max-age=300"
        return response
    response = HttpResponse(share_card_png(card, fmt), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@require_safe
def shop_poster(request: HttpRequest, slug: str) -> HttpResponse:
    """An A6 PDF for the shop window: the shop's name and a QR code to its page."""
    try:
        shop = shops.shop_get_public(slug=slug)
    except NotFound:
        raise Http404(gettext("This shop is not on Ladenkarte.")) from None
    pdf = shop_poster_pdf(
        shop_name=shop.name,
        street=shop.street,
        city=f"{shop.postcode} {shop.city}",
        url=structured_data.absolute(shop_url(shop)),
        headline=gettext("Our stock, online"),
        hint=gettext("Scan: see what is in stock today and reserve it"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ladenkarte-{shop.slug}.pdf"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
