"""The nearby search: what can I pick up near me today? (API.md `GET /api/v1/search/`, PERFORMANCE.md).

One SQL statement per search (two with text: the typo correction of the query words comes first):

- The inner query walks the partial GiST index `product_listed_location_gist` in distance order
  (`ORDER BY location <-> point LIMIT n`, a KNN index scan), with `location && _ST_Expand(point, radius)`
  as an index condition so a sparse filter can never walk the whole town. The exact radius is cut on the
  ordered rows. Stock, freshness, text, category, price and shop filters are row filters of that scan.
  Availability is the rule of `marketplace.selectors.stock` in its SQL form (`available_sql`).
- "Collectable today" comes from the per-minute pickup board (`marketplace.selectors.pickup`): the SQL gets
  the list of shop ids (or the shorter list of excluded ones), Python adds `pickup_today_until` and
  `next_pickup_from` to the page.
- Text: German full-text search over the generated `search_vector` (config `german_unaccent`). Query words
  are normalised like the documents (lower case, accents and umlauts folded, `ß` -> `ss`), a spelling with
  `ae/oe/ue` also tries the folded vowel, and a word unknown to the word list `marketplace_search_word`
  (title, brand and category words, `pg_trgm` GiST index) also tries its closest known word.
- `price`, `-price` and `relevance` re-rank the nearest `RERANK_CANDIDATES` matches inside the radius.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.exceptions import ValidationFailed
from marketplace.metrics import SEARCH_SECONDS
from marketplace.models import SEARCH_CONFIG, Category, Product, Shop
from marketplace.selectors.categories import category_subtree_ids
from marketplace.selectors.pickup import PickupBoard, pickup_board
from marketplace.selectors.stock import (
    availability_label,
    available_positive_sql,
    available_sql,
    stock_fresh_since,
)

RADIUS_MIN_KM = 0.1
RADIUS_MAX_KM = 50.0
RADIUS_DEFAULT_KM = 5.0
PAGE_SIZE_MAX = 100
MAX_RESULTS = 1000  # page * page_size may reach this far (distance order)
RERANK_CANDIDATES = 500  # price / relevance orders re-rank this many nearest matches
Q_MAX_LENGTH = 200
Q_MAX_WORDS = 8
ORDERINGS = ("distance", "price", "-price", "relevance")
# Typo correction: a query word unknown to the word list is also searched as its closest known word.
CORRECTION_MIN_LENGTH = 4
CORRECTION_MIN_SIMILARITY = 0.4
PREFIX_MIN_LENGTH = 4

SEARCH_WORD_TABLE = "marketplace_search_word"


@dataclass(frozen=True)
class SearchParams:
    """A validated nearby search; raises `ValidationFailed` (with field details) on bad values."""

    lat: float
    lng: float
    radius_km: float = RADIUS_DEFAULT_KM
    q: str = ""
    category: str = ""
    available_today: bool = True
    open_now: bool = False
    max_price: Decimal | None = None
    shop: str = ""
    ordering: str = ""
    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}
        if not -90 <= self.lat <= 90:
            errors["lat"] = [str(_("Latitude must be between -90 and 90."))]
        if not -180 <= self.lng <= 180:
            errors["lng"] = [str(_("Longitude must be between -180 and 180."))]
        if not RADIUS_MIN_KM <= self.radius_km <= RADIUS_MAX_KM:
            errors["radius_km"] = [
                str(_("The radius must be between %(min)s and %(max)s km."))
                % {"min": RADIUS_MIN_KM, "max": RADIUS_MAX_KM}
            ]
        if len(self.q) > Q_MAX_LENGTH:
            errors["q"] = [str(_("The search text may have at most %(n)d characters.")) % {"n": Q_MAX_LENGTH}]
        if self.ordering and self.ordering not in ORDERINGS:
            errors["ordering"] = [
                str(_("Unknown ordering; use one of: %(o)s.")) % {"o": ", ".join(ORDERINGS)}
            ]
        if self.max_price is not None and self.max_price < 0:
            errors["max_price"] = [str(_("The price cap cannot be negative."))]
        if not 1 <= self.page_size <= PAGE_SIZE_MAX:
            errors["page_size"] = [
                str(_("The page size must be between 1 and %(n)d.")) % {"n": PAGE_SIZE_MAX}
            ]
        elif self.page < 1 or (self.page - 1) * self.page_size >= self.reachable:
            errors["page"] = [
                str(_("Only the first %(n)d results can be paged through; narrow the search."))
                % {"n": self.reachable}
            ]
        if errors:
            raise ValidationFailed(details=errors)

    @property
    def effective_ordering(self) -> str:
        return self.ordering or ("relevance" if self.q.strip() else "distance")

    @property
    def reachable(self) -> int:
        """How many results can be paged through in this ordering."""
        return MAX_RESULTS if self.effective_ordering == "distance" else RERANK_CANDIDATES

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One product of the result with its shop, distance, availability and pickup times."""

    product_id: int
    sku: str
    gtin: str
    title: str
    brand: str
    price: Decimal
    image: str
    category_slug: str | None
    category_name: str | None
    shop_id: int
    shop_slug: str
    shop_name: str
    shop_street: str
    shop_postcode: str
    shop_city: str
    shop_lat: float
    shop_lng: float
    distance_m: int
    available_quantity: int
    availability: str
    stock_updated_at: datetime
    stock_fresh: bool
    pickup_today_until: datetime | None
    next_pickup_from: datetime | None
    open_now: bool
    relevance: float | None


@dataclass(frozen=True)
class SearchResult:
    """A page of hits: `count` is exact when no result follows, else None; `has_more` when a next page can be
    asked for (not beyond `SearchParams.reachable`)."""

    hits: list[SearchHit]
    has_more: bool
    count: int | None
    params: SearchParams
    ordering: str
    query_words: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)


# --- text -------------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_UMLAUT_SPELLINGS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def normalize_word(word: str) -> str:
    """Lower case without accents, `ß` as `ss`: how `unaccent` + `lower` see a word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_words(q: str) -> list[str]:
    """The normalised words of a search text (at most `Q_MAX_WORDS`, duplicates dropped)."""
    words: list[str] = []
    for raw in _WORD_RE.findall(q):
        word = normalize_word(raw)
        if word and word not in words:
            words.append(word)
    return words[:Q_MAX_WORDS]


def spelling_variants(word: str) -> list[str]:
    """`schnuersenkel` is also tried as `schnursenkel` (what `unaccent` makes of "Schnürsenkel")."""
    folded = word
    for spelled, vowel in _UMLAUT_SPELLINGS:
        folded = folded.replace(spelled, vowel)
    return [word] if folded == word else [word, folded]


def word_corrections(words: Sequence[str]) -> dict[str, str]:
    """Closest known word (pg_trgm) for each query word not in the word list; one query."""
    candidates = [word for word in words if len(word) >= CORRECTION_MIN_LENGTH and not word.isdigit()]
    if not candidates:
        return {}
    variants = [spelling_variants(word)[-1] for word in candidates]
    sql = f"""
        SELECT t.term, best.word, best.sim
        FROM unnest(%s::text[], %s::text[]) AS t(term, folded)
        LEFT JOIN LATERAL (
            SELECT w.word, similarity(w.word, t.folded) AS sim
            FROM {SEARCH_WORD_TABLE} w
            WHERE w.word %% t.folded
            ORDER BY w.word <-> t.folded, w.ndoc DESC
            LIMIT 1
        ) best ON NOT EXISTS (
            SELECT 1 FROM {SEARCH_WORD_TABLE} k WHERE k.word = t.term OR k.word = t.folded
        )
    """  # noqa: S608 - fixed table name, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [candidates, variants])
        rows = cursor.fetchall()
    return {
        term: best
        for term, best, sim in rows
        if best is not None and sim is not None and sim >= CORRECTION_MIN_SIMILARITY and best != term
    }


def tsquery_text(words: Sequence[str], corrections: dict[str, str]) -> str:
    """`to_tsquery` input: every word must match, each as any of its spellings (prefix for long words).

    Words contain only letters and digits (see `_WORD_RE`), so nothing here can inject tsquery operators.
    """
    parts = []
    for word in words:
        alternatives = spelling_variants(word)
        corrected = corrections.get(word)
        if corrected and corrected not in alternatives:
            alternatives.append(corrected)
        terms = [f"{alt}:*" if len(alt) >= PREFIX_MIN_LENGTH else alt for alt in alternatives]
        parts.append("(" + " | ".join(terms) + ")")
    return " & ".join(parts)


# --- SQL --------------------------------------------------------------------------------------------

_POINT = "ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography"


def _box_condition(params: SearchParams, *, tsquery: str) -> str:
    """The radius as a box around the point.

    An index condition of the KNN scan, except when text is re-ranked (`relevance`, `price`, `-price` with
    `q`): there the text's GIN index finds the candidates and the box is a row filter. Written so that it
    cannot be an index condition (`IS TRUE`), because the planner otherwise likes a BitmapAnd of the GIN
    index with the GiST index, whose bitmap for a 5 km box holds most of the town (700,000 entries, 150 ms
    on the benchmark town against 30-80 ms for the whole query without it).
    """
    box = f"p.location && _ST_Expand({_POINT}, %(radius_m)s)"
    if tsquery and params.effective_ordering != "distance":
        return f"({box}) IS TRUE"
    return box


@dataclass(frozen=True)
class SearchQuery:
    """The SQL of one search and its parameters (also used by the benchmark and the plan test)."""

    sql: str
    params: dict[str, Any]
    empty: bool  # nothing can match (e.g. no shop collectable at this hour): skip the database


def search_query(
    params: SearchParams,
    *,
    now: datetime,
    board: PickupBoard,
    tsquery: str = "",
    category_ids: list[int] | None = None,
    shop_id: int | None = None,
) -> SearchQuery:
    """Build the one statement of a search (see the module docstring for its shape)."""
    now_ts = now.timestamp()
    radius_m = params.radius_km * 1000.0
    values: dict[str, Any] = {
        "lat": params.lat,
        "lng": params.lng,
        "radius_m": radius_m,
        "now": now,
        "config": SEARCH_CONFIG,
        "fresh_since": stock_fresh_since(now=now),
    }
    where = [
        "p.active",
        "p.shop_active",
        "p.quantity_on_hand > 0",
        _box_condition(params, tsquery=tsquery),
    ]
    empty = False
    shop_filter: list[int] | None = None
    if params.available_today:
        collectable = board.collectable_ids(now_ts)
        excluded = board.not_collectable_ids(now_ts)
        if not collectable:
            empty = True
        elif len(excluded) < len(collectable):
            if excluded:
                values["excluded_shops"] = excluded
                where.append("NOT (p.shop_id = ANY(%(excluded_shops)s))")
        else:
            shop_filter = collectable
        where.append(available_positive_sql("p"))
    if params.open_now:
        open_ids = board.open_ids(now_ts)
        shop_filter = open_ids if shop_filter is None else sorted(set(shop_filter) & set(open_ids))
    if shop_filter is not None:
        if not shop_filter:
            empty = True
        values["shops"] = shop_filter
        where.append("p.shop_id = ANY(%(shops)s)")
    if shop_id is not None:
        values["shop_id"] = shop_id
        where.append("p.shop_id = %(shop_id)s")
    if category_ids is not None:
        values["categories"] = category_ids
        where.append("p.category_id = ANY(%(categories)s)")
    if params.max_price is not None:
        values["max_price"] = params.max_price
        where.append("p.price <= %(max_price)s")
    rank = "NULL::float4"
    if tsquery:
        values["tsquery"] = tsquery
        tsq = "to_tsquery(%(config)s::regconfig, %(tsquery)s)"
        where.append(f"p.search_vector @@ {tsq}")
        rank = f"ts_rank(p.search_vector, {tsq})"

    ordering = params.effective_ordering
    if ordering == "distance":
        values["inner_limit"] = params.offset + params.page_size + 1
        outer_order = "k.dist, k.id"
        outer_limit = ""
    else:
        values["inner_limit"] = RERANK_CANDIDATES
        values["outer_offset"] = params.offset
        values["outer_limit"] = params.page_size + 1
        outer_order = {
            "price": "k.price, k.dist, k.id",
            "-price": "k.price DESC, k.dist, k.id",
            # text match weighted with distance: a match 1 km away counts half as much as one at the door
            "relevance": "COALESCE(k.rank, 0) / (1.0 + k.dist / 1000.0) DESC, k.dist, k.id",
        }[ordering]
        outer_limit = "OFFSET %(outer_offset)s LIMIT %(outer_limit)s"
    product, shop, category = Product._meta.db_table, Shop._meta.db_table, Category._meta.db_table
    sql = f"""
SELECT k.id, k.sku, k.gtin, k.title, k.brand, k.price, k.image, c.slug, c.name,
       s.id, s.slug, s.name, s.street, s.postcode, s.city,
       ST_Y(s.location::geometry), ST_X(s.location::geometry),
       k.dist, {available_sql("k")}, k.stock_updated_at, k.rank
FROM (
    SELECT p.id, p.sku, p.gtin, p.title, p.brand, p.price, p.image, p.category_id, p.shop_id,
           p.quantity_on_hand, p.quantity_held, p.stock_updated_at,
           p.location <-> {_POINT} AS dist, {rank} AS rank
    FROM {product} p
    WHERE {" AND ".join(where)}
    ORDER BY p.location <-> {_POINT}
    LIMIT %(inner_limit)s
) k
JOIN {shop} s ON s.id = k.shop_id
LEFT JOIN {category} c ON c.id = k.category_id
WHERE k.dist <= %(radius_m)s
ORDER BY {outer_order}
{outer_limit}
"""  # noqa: S608 - identifiers are ours, values are parameters
    return SearchQuery(sql=sql, params=values, empty=empty)


def _media_url(name: str) -> str:
    return f"{settings.MEDIA_URL}{name}" if name else ""


def product_search_nearby(
    *,
    params: SearchParams,
    now: datetime | None = None,
) -> SearchResult:
    """Products near `params.lat/lng` (see the module docstring); a fixed number of queries.

    Raises `ValidationFailed` for an unknown `category` or `shop` slug. Its duration is recorded in
    `ladenkarte_search_seconds` (kind text or browse).
    """
    started = time.perf_counter()
    try:
        return _product_search_nearby(params=params, now=now)
    finally:
        SEARCH_SECONDS.labels(kind="text" if params.q.strip() else "browse").observe(
            time.perf_counter() - started
        )


def _product_search_nearby(*, params: SearchParams, now: datetime | None) -> SearchResult:
    now = now or timezone.now()
    category_ids: list[int] | None = None
    if params.category:
        # An unknown category or shop is a filter nothing matches (an empty page), not an error: the slugs
        # are data, not part of the API's schema, and a link to a category renamed since stays valid.
        category_ids = category_subtree_ids(params.category) or []
    board = pickup_board(now=now)
    shop_id: int | None = None
    if params.shop:
        shop_id = Shop.objects.active().filter(slug=params.shop).values_list("id", flat=True).first() or 0
    words = query_words(params.q)
    corrections = word_corrections(words) if words else {}
    tsquery = tsquery_text(words, corrections) if words else ""
    ordering = params.effective_ordering
    if params.q.strip() and not words:
        # text without a single letter or digit cannot match anything
        return SearchResult(hits=[], has_more=False, count=params.offset, params=params, ordering=ordering)
    query = search_query(
        params, now=now, board=board, tsquery=tsquery, category_ids=category_ids, shop_id=shop_id
    )
    rows: list[tuple[Any, ...]] = []
    if not query.empty:
        with connection.cursor() as cursor:
            cursor.execute(query.sql, query.params)
            rows = cursor.fetchall()
    if ordering == "distance":
        rows = rows[params.offset :]
    more_rows = len(rows) > params.page_size
    # a next page exists only if it can be asked for (see `SearchParams.reachable`)
    has_more = more_rows and params.offset + params.page_size < params.reachable
    rows = rows[: params.page_size]
    fresh_since = stock_fresh_since(now=now)
    tz = timezone.get_current_timezone()
    hits = [_hit(row, board=board, now=now, fresh_since=fresh_since, tz=tz) for row in rows]
    if params.available_today:
        # a shop approved less than a minute ago is not on the board yet: not known to be collectable
        hits = [hit for hit in hits if hit.pickup_today_until is not None]
    return SearchResult(
        hits=hits,
        has_more=has_more,
        count=None if more_rows else params.offset + len(hits),
        params=params,
        ordering=ordering,
        query_words=words,
        corrections=corrections,
    )


def _hit(
    row: tuple[Any, ...], *, board: PickupBoard, now: datetime, fresh_since: datetime, tz: tzinfo
) -> SearchHit:
    (
        product_id,
        sku,
        gtin,
        title,
        brand,
        price,
        image,
        category_slug,
        category_name,
        shop_id,
        shop_slug,
        shop_name,
        street,
        postcode,
        city,
        shop_lat,
        shop_lng,
        dist,
        available,
        stock_updated_at,
        rank,
    ) = row
    fresh = stock_updated_at >= fresh_since  # stock_is_fresh, with `fresh_since` computed once per page
    available = int(available)  # the rule, applied in SQL (`available_sql`)
    until = board.pickup_today_until(shop_id, now)
    return SearchHit(
        product_id=product_id,
        sku=sku,
        gtin=gtin,
        title=title,
        brand=brand,
        price=price,
        image=_media_url(image),
        category_slug=category_slug,
        category_name=category_name,
        shop_id=shop_id,
        shop_slug=shop_slug,
        shop_name=shop_name,
        shop_street=street,
        shop_postcode=postcode,
        shop_city=city,
        shop_lat=shop_lat,
        shop_lng=shop_lng,
        distance_m=round(dist),
        available_quantity=available,
        availability=availability_label(available),
        stock_updated_at=stock_updated_at.astimezone(tz),  # timezone.localtime, without its lookups per row
        stock_fresh=fresh,
        pickup_today_until=until,
        next_pickup_from=None if until is not None else board.next_pickup_from(shop_id, now),
        open_now=board.is_open(shop_id, now),
        relevance=None if rank is None else float(rank),
    )
