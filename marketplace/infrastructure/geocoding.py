"""The site's geocoder: our own data first, then `geo.geocoding` configured from settings (decision 1200).

Order of a lookup: the local geocoder (`selectors.places`: the town's streets and postcodes, the public
shops' addresses), then the cache (answers for 30 days, "not found" for `GEOCODER_MISS_CACHE_SECONDS`), and
only then the outside service, behind two limits: the client's own budget (`LADENKARTE_GEOCODE_CLIENT_RATE`,
the shared rate limiter) and one request per `GEOCODER_MIN_DELAY_SECONDS` for the whole site, across every
process (`rate_limits.shared_slot_take`: Redis, PostgreSQL while Redis is down). Nothing waits: a spent
budget is `RateLimited` (the client's) or `GeocoderBusy` (the site's), and the page answers without the
outside call. Settings: GEOCODER (geopy service name), GEOCODER_URL (own server, e.g. a self-hosted
Nominatim), GEOCODER_USER_AGENT, GEOCODER_TIMEOUT, GEOCODER_COUNTRY_CODES.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from geo.geocoding import Geocoder as _Geocoder
from geo.geocoding import GeocoderConfig, GeocodingFailed, GeoResult
from marketplace.infrastructure.process_cache import ProcessCache
from marketplace.infrastructure.rate_limits import rate_limit_hit, shared_slot_take
from marketplace.selectors.places import place_find_local

__all__ = [
    "GeoResult",
    "GeocoderBusy",
    "GeocodingFailed",
    "address_geocode",
    "geocoder",
    "geocoder_reset",
    "place_geocode",
    "point_reverse",
]

GEOCODE_BUCKET = "geocode"  # the per-client budget of outside lookups (website address fields)
SLOT = "geocoder"  # the site's one shared slot of the outside service
_POSTCODE = re.compile(r"^\s*(\d{5})\s*$")
_POSTCODE_TOWN = re.compile(r"^\s*(\d{5})\s+(\S.*)$")


class GeocoderBusy(GeocodingFailed):
    """The site's shared budget of outside lookups is spent for this moment; `retry_after` in seconds."""

    code = "geocoder_busy"

    def __init__(self, retry_after: int) -> None:
        super().__init__(_("The address search is busy. Please try again in a few seconds."))
        self.retry_after = retry_after


_GEOCODER: ProcessCache[_Geocoder] = ProcessCache("geocoder", ttl_seconds=None)


def _config() -> GeocoderConfig:
    countries = settings.GEOCODER_COUNTRY_CODES
    return GeocoderConfig(
        service=settings.GEOCODER,
        url=settings.GEOCODER_URL,
        user_agent=settings.GEOCODER_USER_AGENT,
        timeout=float(settings.GEOCODER_TIMEOUT),
        min_delay_seconds=0,  # spacing is the shared slot of `_gate`: refuse, never sleep in a request
        miss_cache_seconds=int(settings.GEOCODER_MISS_CACHE_SECONDS),
        country_codes=tuple(code.strip() for code in countries.split(",") if code.strip()),
        language=settings.LANGUAGE_CODE,
    )


def geocoder() -> _Geocoder:
    """The process-wide geocoder (created on first use from the current settings)."""
    return _GEOCODER.get(lambda: _Geocoder(_config(), cache=cache))


def geocoder_reset() -> None:
    """Forget the shared geocoder, so the next call reads the settings again (tests, settings changes)."""
    _GEOCODER.clear()


def _gate(client: str | None) -> Callable[[], None]:
    """What runs right before an outside request: the client's budget, then the site's shared slot."""

    def check() -> None:
        if client is not None:
            rate_limit_hit(bucket=GEOCODE_BUCKET, client=client, rate=settings.LADENKARTE_GEOCODE_CLIENT_RATE)
        interval = float(settings.GEOCODER_MIN_DELAY_SECONDS)
        if not shared_slot_take(name=SLOT, interval_seconds=interval):
            raise GeocoderBusy(retry_after=max(1, math.ceil(interval)))

    return check


def address_geocode(*, street: str, postcode: str, city: str, client: str | None = None) -> GeoResult | None:
    """Where a postal address is; `None` when unknown.

    Our own streets and shops answer first; then the outside service, counted for `client` (a
    `rate_limit_client` value; `None`: only the site's budget). Raises `GeocodingFailed` when the service
    fails, `GeocoderBusy` (a `GeocodingFailed`) when the site's budget is spent, `RateLimited` past the
    client's budget.
    """
    local = place_find_local(street=street, postcode=postcode, city=city)
    if local is not None:
        return local
    query = ", ".join(part.strip() for part in (street, f"{postcode} {city}".strip()) if part.strip())
    return geocoder().geocode(query, before_request=_gate(client))


def place_geocode(*, where: str, client: str | None = None) -> GeoResult | None:
    """Where a place typed into the search is ("Am Sande 7", "21335", "Hauptstraße, Hamburg"); a bare street
    or postcode is one in our town. Same order and errors as `address_geocode`."""
    where = " ".join(where.split())
    if not where:
        return None
    town = str(settings.LADENKARTE_TOWN)
    street, postcode, city = where, "", ""
    if match := _POSTCODE.match(where):
        street, postcode = "", match[1]
    elif match := _POSTCODE_TOWN.match(where):
        street, postcode, city = "", match[1], match[2]
    elif "," in where:
        street, _comma, rest = where.partition(",")
        rest = rest.strip()
        if match := _POSTCODE.match(rest):
            postcode = match[1]
        elif match := _POSTCODE_TOWN.match(rest):
            postcode, city = match[1], match[2]
        else:
            city = rest
    local = place_find_local(street=street, postcode=postcode, city=city)
    if local is not None:
        return local
    # A bare street or postcode means one in our town; a typed town name is taken as given.
    query = where if ("," in where and not _POSTCODE.match(where)) else f"{where}, {town}"
    return geocoder().geocode(query, before_request=_gate(client))


def point_reverse(*, lat: float, lng: float, client: str | None = None) -> GeoResult | None:
    """The address at a point (for a pin the user moved), `None` when there is none."""
    return geocoder().reverse(lat, lng, before_request=_gate(client))
