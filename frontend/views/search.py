"""The results page: list and map of what can be picked up nearby, on the same selector as the API.

The whole search lives in the URL (German parameter names), so results can be shared and the back button
works. Without JavaScript the filter form submits normally; with HTMX the results region is swapped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from frontend import formatting
from frontend.forms.search import DEFAULT_RADIUS_KM, SearchForm
from frontend.views.public import product_path
from marketplace.exceptions import RateLimited, ValidationFailed
from marketplace.infrastructure.geocoding import GeocoderBusy, GeocodingFailed, place_geocode
from marketplace.infrastructure.rate_limits import client_address, rate_limit_client
from marketplace.infrastructure.search_events import search_event_record
from marketplace.models import UNCOUNTED_MODES
from marketplace.selectors.search import SearchHit, SearchParams, SearchResult, product_search_nearby

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# Form field -> SearchParams field, for turning selector errors into form errors.
_FIELD_OF = {
    "q": "q",
    "category": "kategorie",
    "radius_km": "umkreis",
    "max_price": "max_preis",
    "ordering": "sortierung",
    "page": "seite",
    "lat": "wo",
    "lng": "wo",
}


@dataclass(frozen=True)
class Place:
    """Where the search is centred and how the page names it."""

    lat: float
    lng: float
    label: str
    source: str  # "browser", "address" or "centre"


def resolve_place(cleaned: dict[str, Any], *, client: str | None = None) -> tuple[Place, str]:
    """Browser location, else the typed address (our own streets first, then the geocoder), else the town
    centre. `client` is whom an outside lookup counts for.

    Returns the place and a notice for the resident ("" when all went as asked).
    """
    centre_lat, centre_lng = settings.LADENKARTE_MAP_CENTER
    town = settings.LADENKARTE_TOWN
    centre = Place(
        lat=centre_lat,
        lng=centre_lng,
        label=gettext("the centre of %(town)s") % {"town": town},
        source="centre",
    )
    if cleaned.get("lat") is not None and cleaned.get("lng") is not None:
        return Place(
            lat=cleaned["lat"], lng=cleaned["lng"], label=gettext("your location"), source="browser"
        ), ""
    where = (cleaned.get("wo") or "").strip()
    if not where:
        return centre, ""
    try:
        found = place_geocode(where=where, client=client)
    except (RateLimited, GeocoderBusy):
        return centre, gettext(
            "The address search is busy. Please try again shortly. Showing results around the centre of "
            "%(town)s."
        ) % {"town": town}
    except GeocodingFailed:
        logger.warning("geocoding failed for a search address", exc_info=True)
        return centre, gettext(
            "The address search is not available right now. Showing results around the centre of %(town)s."
        ) % {"town": town}
    if found is None:
        return centre, gettext(
            "We could not find “%(where)s”. Showing results around the centre of %(town)s."
        ) % {"where": where, "town": town}
    return Place(lat=found.lat, lng=found.lng, label=where, source="address"), ""


def hit_view(hit: SearchHit, *, now: Any) -> dict[str, Any]:
    """One result as the template shows it: words, not codes."""
    return {
        "hit": hit,
        "url": product_path(hit.product_id, hit.title),
        "shop_url": reverse("public:shop", kwargs={"slug": hit.shop_slug}),
        "price": formatting.money(hit.price),
        "distance": formatting.distance(hit.distance_m),
        "availability": formatting.availability_words(
            hit.available_quantity, fresh=hit.stock_fresh, mode=hit.stock_mode
        ),
        # products without a stock figure have no "stock updated" line (decision 1600)
        "freshness": ""
        if hit.stock_mode in UNCOUNTED_MODES
        else formatting.freshness(hit.stock_updated_at, now=now),
        # a "next day" product has no pickup today and its next opening day (`selectors.search`)
        "pickup": formatting.pickup_words(
            pickup_today_until=hit.pickup_today_until,
            next_pickup_from=hit.next_pickup_from,
            tz_name=_shop_tz(hit),
            now=now,
        ),
        "collect_today": hit.pickup_today_until is not None,
        "image": hit.image_thumb or hit.image,
    }


def _shop_tz(hit: SearchHit) -> str:
    # The selector returns aware datetimes in the shop's zone; fall back to the site's zone.
    moment = hit.pickup_today_until or hit.next_pickup_from
    key = getattr(getattr(moment, "tzinfo", None), "key", None)
    return str(key or settings.TIME_ZONE)


def markers_of(hits: list[SearchHit]) -> list[dict[str, Any]]:
    """One marker per shop of the page, naming how many of the results it has."""
    markers: dict[int, dict[str, Any]] = {}
    for hit in hits:
        marker = markers.get(hit.shop_id)
        if marker is None:
            markers[hit.shop_id] = {
                "id": hit.shop_id,
                "lat": hit.shop_lat,
                "lng": hit.shop_lng,
                "title": hit.shop_name,
                "subtitle": f"{hit.shop_street}, {hit.shop_postcode} {hit.shop_city}",
                "url": reverse("public:shop", kwargs={"slug": hit.shop_slug}),
            }
    return list(markers.values())


def page_url(query: QueryDict, page: int) -> str:
    params = query.copy()
    params["seite"] = str(page)
    return f"{reverse('public:search')}?{params.urlencode()}"


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = SearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "result": None, "items": [], "notice": ""}
    status = 200
    valid = form.is_valid()
    context["filters_active"] = form.active_filter_count()
    if not valid:
        return render(request, "frontend/public/results.html", context, status=400)
    cleaned = form.cleaned_data
    user_id = request.user.pk if request.user.is_authenticated else None
    place, notice = resolve_place(
        cleaned, client=rate_limit_client(address=client_address(request.META), user_id=user_id)
    )
    try:
        page = max(1, int(request.GET.get("seite", "1")))
    except ValueError:
        page = 1
    try:
        params = SearchParams(
            lat=place.lat,
            lng=place.lng,
            radius_km=float(cleaned.get("umkreis") or DEFAULT_RADIUS_KM),
            q=cleaned.get("q") or "",
            category=cleaned.get("kategorie") or "",
            available_today=bool(cleaned.get("heute")),
            open_now=bool(cleaned.get("offen")),
            step_free=bool(cleaned.get("step_free")),
            max_price=cleaned.get("max_preis"),
            ordering=cleaned.get("sortierung") or "",
            page=page,
            page_size=PAGE_SIZE,
        )
        result: SearchResult | None = product_search_nearby(params=params, now=now)
    except ValidationFailed as exc:
        for field, messages in exc.details.items():
            for message in messages:
                form.add_error(_FIELD_OF.get(field), message)
        return render(request, "frontend/public/results.html", context, status=400)
    assert result is not None  # noqa: S101 - for the type checker
    search_event_record(
        query=params.q,
        lat=params.lat,
        lng=params.lng,
        radius_km=params.radius_km,
        result_count=len(result.hits) + params.offset,
        category=params.category,
        available_today=params.available_today,
        channel="web",
        now=now,
    )
    query = request.GET.copy()
    query.pop("seite", None)
    context.update(
        {
            "result": result,
            "items": [hit_view(hit, now=now) for hit in result.hits],
            "markers": markers_of(result.hits),
            "here": {"lat": place.lat, "lng": place.lng, "title": place.label},
            "place": place,
            "notice": notice,
            "page": page,
            "first_number": params.offset + 1,
            "next_url": page_url(query, page + 1) if result.has_more else "",
            "previous_url": page_url(query, page - 1) if page > 1 else "",
            "radius_km": params.radius_km,
            "relaxed_url": _relaxed_url(query) if not result.hits and params.available_today else "",
        }
    )
    return render(request, "frontend/public/results.html", context, status=status)


def _relaxed_url(query: QueryDict) -> str:
    """The same search without "pick up today": offered when today nothing matches."""
    params = query.copy()
    params["f"] = "1"
    params.pop("heute", None)
    return f"{reverse('public:search')}?{params.urlencode()}"
