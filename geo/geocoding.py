"""Geocoding: addresses to points and back, through geopy. The only module that imports geopy.

Values in, values out: the caller passes the configuration and, if it wants one, a cache object with
`get(key)` / `set(key, value, timeout)` (Django's cache fits). Every failure of the service (timeout,
HTTP error, unreadable answer, rate limit) raises `GeocodingFailed`; "no such address" is `None`.
Callers show a clear message and let the user place the pin by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location

CACHE_VERSION = "v1"
_MISS = object()


class GeocodingFailed(Exception):
    """The geocoding service could not answer (down, slow, refused); not raised for "nothing found"."""

    code = "geocoding_failed"

    def __init__(self, message: str, *, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause


class Cache(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any, timeout: int | None = ...) -> Any: ...


@dataclass(frozen=True)
class GeoResult:
    """One place: coordinates (WGS 84) and what the service says about the address."""

    lat: float
    lng: float
    display_name: str
    street: str = ""
    house_number: str = ""
    postcode: str = ""
    city: str = ""
    district: str = ""

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lng <= 180):
            raise ValueError(f"coordinates out of range: {self.lat}, {self.lng}")


@dataclass(frozen=True)
class GeocoderConfig:
    """Which service to ask and how politely.

    `service` is a geopy service name ("nominatim", "photon", ...). `url` points at another server of
    that service (a self-hosted Nominatim, a test server), e.g. "http://127.0.0.1:8080"; empty means the
    service's public default. `min_delay_seconds` spaces requests of this process by sleeping (Nominatim's
    public server allows one a second; a web site passes 0 and its own `before_request` gate instead, which
    refuses rather than waits); `max_retries` retries server errors after `error_wait_seconds`. Answers are
    cached for `cache_seconds`, "no such place" only for `miss_cache_seconds` (a street may be added to
    OpenStreetMap tomorrow).
    """

    user_agent: str
    service: str = "nominatim"
    url: str = ""
    timeout: float = 5.0
    min_delay_seconds: float = 1.0
    max_retries: int = 0
    error_wait_seconds: float = 2.0
    country_codes: tuple[str, ...] = ("de",)
    language: str = "de"
    cache_seconds: int = 30 * 24 * 3600
    miss_cache_seconds: int = 10 * 60
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.user_agent.strip():
            raise ValueError("a geocoder needs a user agent that identifies the site (Nominatim policy)")
        if self.timeout <= 0:
            raise ValueError("the geocoder timeout must be positive")


def _first(address: dict[str, str], *keys: str) -> str:
    for key in keys:
        value = address.get(key)
        if value:
            return str(value)
    return ""


def _result_from(location: Location) -> GeoResult:
    raw = location.raw if isinstance(location.raw, dict) else {}
    address = raw.get("address") or {}
    if not isinstance(address, dict):
        address = {}
    return GeoResult(
        lat=float(location.latitude),
        lng=float(location.longitude),
        display_name=str(location.address or ""),
        street=_first(address, "road", "pedestrian", "footway", "street"),
        house_number=_first(address, "house_number"),
        postcode=_first(address, "postcode"),
        city=_first(address, "city", "town", "village", "municipality"),
        district=_first(address, "suburb", "city_district", "quarter", "neighbourhood"),
    )


class Geocoder:
    """A configured geocoder with rate limiting and an optional cache; safe to share between threads.

    The rate limit holds per instance (so per process): share one instance, as
    `marketplace.infrastructure.geocoding` does.
    """

    def __init__(self, config: GeocoderConfig, *, cache: Cache | None = None) -> None:
        self.config = config
        self.cache = cache
        service_cls = get_geocoder_for_service(config.service)
        kwargs: dict[str, Any] = {"user_agent": config.user_agent, "timeout": config.timeout}
        if config.url:
            parts = urlsplit(config.url)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError(f"GEOCODER_URL must look like https://host[:port], got {config.url!r}")
            kwargs["scheme"] = parts.scheme
            kwargs["domain"] = parts.netloc + parts.path.rstrip("/")
        kwargs.update(config.extra)
        self._service = service_cls(**kwargs)
        self._geocode = self._limited(self._service.geocode)
        self._reverse = self._limited(self._service.reverse)

    def _limited(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return RateLimiter(  # type: ignore[no-any-return]
            func,
            min_delay_seconds=self.config.min_delay_seconds,
            max_retries=self.config.max_retries,
            error_wait_seconds=self.config.error_wait_seconds,
            swallow_exceptions=False,
        )

    def _is_nominatim(self) -> bool:
        return self.config.service.lower() in {"nominatim", "openmapquest"}

    def geocode(self, query: str, *, before_request: Callable[[], None] | None = None) -> GeoResult | None:
        """The best match for a free-text address, `None` when the service knows no such place.

        `before_request` runs only when the service is about to be asked (not on a cache hit); whatever it
        raises (a rate limit) reaches the caller and nothing is asked.
        """
        query = " ".join(query.split())
        if not query:
            return None
        options: dict[str, Any] = {"exactly_one": True}
        if self._is_nominatim():
            options.update(addressdetails=True, language=self.config.language)
            if self.config.country_codes:
                options["country_codes"] = list(self.config.country_codes)
        return self._cached(
            ("geocode", query.casefold()), lambda: self._geocode(query, **options), before_request
        )

    def reverse(
        self, lat: float, lng: float, *, before_request: Callable[[], None] | None = None
    ) -> GeoResult | None:
        """The address at a point, `None` when there is none (e.g. at sea)."""
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError(f"coordinates out of range: {lat}, {lng}")
        options: dict[str, Any] = {"exactly_one": True}
        if self._is_nominatim():
            options["language"] = self.config.language
        point = f"{lat:.6f}, {lng:.6f}"
        return self._cached(("reverse", point), lambda: self._reverse(point, **options), before_request)

    def _cache_key(self, parts: tuple[str, str]) -> str:
        digest = hashlib.sha256(
            "\x1f".join((self.config.service, self.config.url, *parts)).encode()
        ).hexdigest()
        return f"geocode:{CACHE_VERSION}:{digest}"

    def _cached(
        self, parts: tuple[str, str], call: Callable[[], Any], before_request: Callable[[], None] | None
    ) -> GeoResult | None:
        key = self._cache_key(parts)
        if self.cache is not None:
            hit = self.cache.get(key, _MISS)
            if hit is not _MISS:
                return GeoResult(**hit) if hit else None
        if before_request is not None:
            before_request()
        try:
            location = call()  # geopy's RateLimiter hands out request slots thread-safely
        except GeopyError as exc:
            raise GeocodingFailed(f"The geocoding service did not answer: {exc}", cause=exc) from exc
        except (OSError, ValueError) as exc:  # connection refused, unreadable JSON
            raise GeocodingFailed(f"The geocoding service failed: {exc}", cause=exc) from exc
        if isinstance(location, list):
            location = location[0] if location else None
        try:
            result = _result_from(location) if location is not None else None
        except (TypeError, ValueError) as exc:
            raise GeocodingFailed(f"The geocoding service sent an unusable answer: {exc}", cause=exc) from exc
        if self.cache is not None:
            if result is not None:
                self.cache.set(key, asdict(result), self.config.cache_seconds)
            else:
                self.cache.set(key, {}, self.config.miss_cache_seconds)
        return result
