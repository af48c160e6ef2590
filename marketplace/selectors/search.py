"""The nearby search: what can I pick up near me today? (API.md `GET /api/v1/search/`, PERFORMANCE.md).

One SQL statement per search (two with text: the word-list lookup of the query words comes first, unless this
process looked the same words up in the last minute), in one of two shapes (decision 1400):

- **Nearest shops first**: a KNN scan over the shop points (`ORDER BY location <-> point`, the box as index
  condition, the radius, "live", "collectable today", "open now" and the shop filter applied at the shop,
  at most `SHOP_BATCH` shops), then for each shop its matching available products by the b-tree
  `product_shop_listed_idx` (shop, id); an incremental sort keeps the (distance, id) order and the limit
  stops the walk. A closed shop costs nothing, however big its catalogue. Fewer candidates than asked for
  in a town with more shops than the cap: the statement runs again without the cap. With text, each shop's
  matches come first from the narrow copy `marketplace_product_search` (shop, product, stripped text),
  read index-only, and only the matches' product rows are read.
- **Text index first** (text whose words are rare, by their frequency in the word list): every match from
  the narrow copy's GIN index `product_search_text_gin` in a materialized CTE (product id, shop id, point:
  no wide product row), the radius and the shop conditions on those copies, nearest first; then each
  match's product row by its primary key, in that order, for the product conditions, until the limit.
- Stock modes (decision 1600): the rule's SQL forms know them; "available today" leaves out "next day"
  products, and products without a stock figure ("always", "next day") are listed with nothing on hand.
- Availability in the scan is the rule's counter form (`available_counted_positive_sql`: the held counter
  minus expired holds, no sub-query per row); the figure shown is the rule itself (`available_sql`) on the
  page's rows only.
- "Collectable today" comes from the per-minute pickup board (`marketplace.selectors.pickup`): the SQL gets
  the list of shop ids (or the shorter list of excluded ones), Python adds `pickup_today_until` and
  `next_pickup_from` to the page.
- `step_free` is a shop-level filter (decision 1700): one short query for the ids of active step-free shops
  (`ShopQuerySet.step_free`), then the same `shop_id = ANY(...)` row filter; a search without it is unchanged.
- The shops' stock confidence (decision 1700) comes from a per-process copy of every shop's figure, at most
  five minutes old (`selectors/feedback.stock_confidence_of_page`): no query in the search itself.
- Text: German full-text search over the generated `search_vector` (config `german_unaccent`). Query words
  are normalised like the documents (lower case, accents and umlauts folded, `ß` -> `ss`), a spelling with
  `ae/oe/ue` also tries the folded vowel, and a word unknown to the word list `marketplace_search_word`
  (title, brand and category words, `pg_trgm` GiST index) also tries its closest known word.
- `price`, `-price` and `relevance` re-rank the nearest `RERANK_CANDIDATES` matches inside the radius.
"""

from __future__ import annotations

import math
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
from marketplace.infrastructure.process_cache import ProcessCache
from marketplace.metrics import SEARCH_SECONDS
from marketplace.models import SEARCH_CONFIG, UNCOUNTED_MODES, Category, Product, ProductSearchEntry, Shop
from marketplace.selectors.categories import category_subtree_ids
from marketplace.selectors.feedback import NO_CONFIDENCE, StockConfidence, stock_confidence_of_page
from marketplace.selectors.pickup import PickupBoard, array_literal, pickup_board
from marketplace.selectors.stock import (
    availability_label,
    available_counted_positive_sql,
    available_sql,
    collectable_today,
    expired_holds_cte_sql,
    stock_fresh_since,
    stocked_sql,
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
# Shops first: look at the nearest SHOP_BATCH shops; a short result in a bigger town runs again uncapped.
SHOP_BATCH = 400
# what one shop's text entry read index-only costs next to one match read text index first (bench town,
# 2026-12-08, both shapes forced for 379 words: the two cost the same at ~14,000 matches of 1,000,000 products
# for 500 candidates and ~2,900 for 21)
SHOP_WALK_ROW_COST = 0.4
SHOP_CAP_MARGIN = 50


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
    step_free: bool = False
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
    shop_district: str
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
    stock_confidence: StockConfidence = NO_CONFIDENCE  # of the shop; the share None below 5 signals
    # how availability is stated (`Product.stock_mode`, decision 1600); `image_thumb`: the small WebP
    stock_mode: str = "counted"
    image_thumb: str = ""


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


@dataclass(frozen=True)
class WordLookup:
    """What the word list says about a query's words: typo corrections and how many products match."""

    corrections: dict[str, str]
    # estimated product documents matching every word (the smallest per-word figure), None if unknown
    matches: int | None
    listed: int  # estimated rows of the product table (planner statistics)


def word_lookup(words: Sequence[str]) -> WordLookup:
    """Closest known word (pg_trgm) for each query word not in the word list, and each word's frequency in
    the word list (`ndoc` of the words it matches as typed, folded or corrected; for long words, every word
    starting with its stem, as its prefix query matches); one query."""
    if not words:
        return WordLookup(corrections={}, matches=None, listed=0)
    folded = [spelling_variants(word)[-1] for word in words]
    correct = [len(word) >= CORRECTION_MIN_LENGTH and not word.isdigit() for word in words]
    prefix = [len(word) >= PREFIX_MIN_LENGTH for word in words]
    product = Product._meta.db_table
    sql = f"""
        SELECT t.term, best.word, best.sim, freq.n, corrected.n,
               (SELECT reltuples::bigint FROM pg_class WHERE oid = '{product}'::regclass)
        FROM unnest(%s::text[], %s::text[], %s::bool[], %s::bool[]) AS t(term, folded, correct, prefix)
        LEFT JOIN LATERAL (
            SELECT w.word, similarity(w.word, t.folded) AS sim
            FROM {SEARCH_WORD_TABLE} w
            WHERE w.word %% t.folded
            ORDER BY w.word <-> t.folded, w.ndoc DESC
            LIMIT 1
        ) best ON t.correct AND NOT EXISTS (
            SELECT 1 FROM {SEARCH_WORD_TABLE} k WHERE k.word = t.term OR k.word = t.folded
        )
        CROSS JOIN LATERAL (
            -- a prefix query matches the documents' stems that start with the query word's stem
            -- ("kleine:*" is 'klein':*, which also matches "kleines", "kleinkind"): count from the stem
            SELECT COALESCE((tsvector_to_array(to_tsvector(%s::regconfig, t.term)))[1], t.term) AS term,
                   COALESCE((tsvector_to_array(to_tsvector(%s::regconfig, t.folded)))[1], t.folded) AS folded
        ) stem
        LEFT JOIN LATERAL (
            SELECT COALESCE(SUM(w.ndoc), 0)::bigint AS n FROM {SEARCH_WORD_TABLE} w
            WHERE (t.prefix AND (w.word LIKE stem.term || '%%' OR w.word LIKE stem.folded || '%%'))
               OR (NOT t.prefix AND w.word IN (t.term, t.folded))
        ) freq ON true
        LEFT JOIN LATERAL (
            SELECT COALESCE(SUM(w.ndoc), 0)::bigint AS n FROM {SEARCH_WORD_TABLE} w
            WHERE best.word IS NOT NULL AND w.word LIKE COALESCE(
                (tsvector_to_array(to_tsvector(%s::regconfig, best.word)))[1], best.word) || '%%'
        ) corrected ON true
    """  # noqa: S608 - fixed table names, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [list(words), folded, correct, prefix, SEARCH_CONFIG, SEARCH_CONFIG, SEARCH_CONFIG]
        )
        rows = cursor.fetchall()
    corrections: dict[str, str] = {}
    per_word: list[int] = []
    listed = 0
    for term, best, sim, freq, corrected_freq, reltuples in rows:
        listed = max(int(reltuples or 0), 0)
        use_correction = best is not None and sim is not None and sim >= CORRECTION_MIN_SIMILARITY
        if use_correction and best != term:
            corrections[term] = best
        if not term.isdigit():  # digits are not in the word list: their frequency is unknown
            per_word.append(int(freq or 0) + (int(corrected_freq or 0) if use_correction else 0))
    return WordLookup(corrections=corrections, matches=min(per_word) if per_word else None, listed=listed)


# The search's word lookups, per process: the word list changes only when it is rebuilt (a minute after a
# catalogue change, and hourly), so a lookup may be reused for a minute (a rebuild in this process forgets
# them at once); at most WORD_LOOKUPS_MAX different queries are kept per minute
WORD_LOOKUPS_TTL_SECONDS = 60
WORD_LOOKUPS_MAX = 10_000
_WORD_LOOKUPS: ProcessCache[dict[tuple[str, ...], WordLookup]] = ProcessCache(
    "word-lookups", ttl_seconds=WORD_LOOKUPS_TTL_SECONDS
)


def word_lookup_reused(words: Sequence[str]) -> WordLookup:
    """`word_lookup(words)`, answered from this process's lookups of the last minute when it has one."""
    known = _WORD_LOOKUPS.get(dict)
    key = tuple(words)
    lookup = known.get(key)
    if lookup is None:
        lookup = word_lookup(words)
        if len(known) < WORD_LOOKUPS_MAX:
            known[key] = lookup
    return lookup


def word_lookups_forget() -> None:
    """Forget this process's word lookups (after a rebuild of the word list in this process)."""
    _WORD_LOOKUPS.clear()


def word_corrections(words: Sequence[str]) -> dict[str, str]:
    """Closest known word (pg_trgm) for each query word not in the word list; one query."""
    return word_lookup(words).corrections


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


@dataclass(frozen=True)
class SearchQuery:
    """The SQL of one search and its parameters (also used by the benchmark and the plan tests)."""

    sql: str
    params: dict[str, Any]
    empty: bool  # nothing can match (e.g. no shop collectable at this hour): skip the database
    plan: str = "shops-first"  # or "text-first"
    # the nearest-shops scan stops after this many shops (None: no cap); fewer rows than `inner_limit` from
    # a capped statement may mean more shops were needed, and the search runs again without the cap
    shop_limit: int | None = None
    inner_limit: int = 0


def text_first(lookup: WordLookup | None, *, inner_limit: int) -> bool:
    """Text index first when the words are rare enough: it reads every match in the town (~`matches` entries
    of the narrow copy), while the nearest shops first reads about `inner_limit * listed / matches` of the
    shops' text entries (index-only, each `SHOP_WALK_ROW_COST` of a match read text index first) until it has
    enough; the two cost the same at `matches = sqrt(SHOP_WALK_ROW_COST * inner_limit * listed)`."""
    if lookup is None or lookup.matches is None:
        return False
    listed = max(lookup.listed, lookup.matches, 1)
    return lookup.matches <= math.sqrt(SHOP_WALK_ROW_COST * inner_limit * listed)


def search_query(
    params: SearchParams,
    *,
    now: datetime,
    board: PickupBoard,
    tsquery: str = "",
    category_ids: list[int] | None = None,
    shop_id: int | None = None,
    lookup: WordLookup | None = None,
    shop_limit: int | None = SHOP_BATCH,
    step_free_shop_ids: list[int] | None = None,
    text_index_first: bool | None = None,
) -> SearchQuery:
    """Build the one statement of a search (see the module docstring for its two shapes; `text_index_first`
    overrides the choice by the words' frequency, for a search with text)."""
    now_ts = now.timestamp()
    radius_m = params.radius_km * 1000.0
    values: dict[str, Any] = {
        "lat": params.lat,
        "lng": params.lng,
        "radius_m": radius_m,
        "now": now,
        "config": SEARCH_CONFIG,
        "fresh_since": stock_fresh_since(now=now),
        "shop_active": Shop.Status.ACTIVE.value,
    }
    # at the shop: live, inside the radius, and (when asked) collectable today / open now / the one shop
    at_shop = [
        "ns.status = %(shop_active)s",
        f"ns.location && _ST_Expand({_POINT}, %(radius_m)s)",
        f"(ns.location <-> {_POINT}) <= %(radius_m)s",
    ]
    # at the product: listed, on hand (or no stock figure), available by the rule (counter form), text,
    # category, price
    at_product = ["p.active", "p.shop_active", stocked_sql("p")]
    empty = False
    shop_filter: list[int] | None = None
    # shop id lists go to PostgreSQL as one array literal (text): the driver formats a list element by
    # element (0.5 ms of CPU for the 1,300 collectable shops of an evening); the board keeps its literals
    shops_literal: str | None = None
    if params.available_today:
        collectable = board.collectable_ids(now_ts)
        excluded = board.not_collectable_ids(now_ts)
        if not collectable:
            empty = True
        elif len(excluded) < len(collectable):
            if excluded:
                values["excluded_shops"] = board.id_array_literal(now_ts, collectable=False)
                at_shop.append("NOT (ns.id = ANY(%(excluded_shops)s::bigint[]))")
        else:
            shop_filter = collectable
            shops_literal = board.id_array_literal(now_ts, collectable=True)
        at_product.append(available_counted_positive_sql("p", today=True))
    if params.open_now:
        open_ids = board.open_ids(now_ts)
        shop_filter = open_ids if shop_filter is None else sorted(set(shop_filter) & set(open_ids))
        shops_literal = None
    if step_free_shop_ids is not None:
        # a shop-level filter: the same `shop_id = ANY(...)` row filter as "open now", no join in the scan
        shop_filter = (
            step_free_shop_ids if shop_filter is None else sorted(set(shop_filter) & set(step_free_shop_ids))
        )
        shops_literal = None
    if shop_filter is not None:
        if not shop_filter:
            empty = True
        values["shops"] = shops_literal if shops_literal is not None else array_literal(shop_filter)
        at_shop.append("ns.id = ANY(%(shops)s::bigint[])")
    if shop_id is not None:
        values["shop_id"] = shop_id
        at_shop.append("ns.id = %(shop_id)s")
    if category_ids is not None:
        values["categories"] = category_ids
        at_product.append("p.category_id = ANY(%(categories)s)")
    if params.max_price is not None:
        values["max_price"] = params.max_price
        at_product.append("p.price <= %(max_price)s")
    tsq = "to_tsquery(%(config)s::regconfig, %(tsquery)s)"
    rank = "NULL::float4"

    if tsquery:
        values["tsquery"] = tsquery
        at_product.append(f"p.search_vector @@ {tsq}")
        rank = f"ts_rank(p.search_vector, {tsq})"

    ordering = params.effective_ordering
    if ordering == "distance":
        inner_limit = params.offset + params.page_size + 1
        outer_order = "k.dist, k.id"
        outer_limit = ""
    else:
        inner_limit = RERANK_CANDIDATES
        values["outer_offset"] = params.offset
        values["outer_limit"] = params.page_size + 1
        outer_order = {
            "price": "k.price, k.dist, k.id",
            "-price": "k.price DESC, k.dist, k.id",
            # text match weighted with distance: a match 1 km away counts half as much as one at the door
            "relevance": "COALESCE(RANK, 0) / (1.0 + k.dist / 1000.0) DESC, k.dist, k.id",
        }[ordering]
        outer_limit = "OFFSET %(outer_offset)s LIMIT %(outer_limit)s"
    values["inner_limit"] = inner_limit
    product, shop, category = Product._meta.db_table, Shop._meta.db_table, Category._meta.db_table
    if text_index_first is None:
        text_index_first = text_first(lookup, inner_limit=inner_limit)
    plan = "text-first" if tsquery and text_index_first else "shops-first"
    ctes = [expired_holds_cte_sql()]
    lateral_conditions = re.sub(r"\bp\.", "lp.", " AND ".join(at_product))
    lateral_rank = re.sub(r"\bp\.", "lp.", rank)
    if plan == "text-first":
        # every match of the words in the town from the narrow copy's text index (a fence: the GIN index
        # `product_search_text_gin`, nothing else), with its shop and point; the radius and the shop
        # conditions on those copies, nearest first; then the product row of each match, in that order, for
        # the product conditions (stock, price, category), price and rank, until the limit has enough
        shop_limit = None
        ctes.append(
            f"matches AS MATERIALIZED (SELECT e.product_id AS id, e.shop_id AS ns_id, "  # noqa: S608
            f"e.location AS ns_location FROM {ProductSearchEntry._meta.db_table} e "
            f"WHERE e.search_vector @@ {tsq})"
        )
        match_conditions = [
            re.sub(r"\bns\.(id|location)\b", r"m.ns_\1", condition)
            for condition in at_shop
            if condition != "ns.status = %(shop_active)s"
        ]
        inner = f"""
    SELECT k.id, k.price, k.rank, m.dist
    FROM (
        SELECT m.id, m.ns_location <-> {_POINT} AS dist
        FROM matches m
        WHERE {" AND ".join(match_conditions)}
        ORDER BY dist, m.id
    ) m
    CROSS JOIN LATERAL (
        SELECT lp.id, lp.price, {lateral_rank} AS rank FROM {product} lp
        WHERE lp.id = m.id AND {lateral_conditions}
    ) k
    ORDER BY m.dist, m.id
    LIMIT %(inner_limit)s"""  # noqa: S608 - identifiers are ours, values are parameters
    else:
        # the nearest shops that pass the shop conditions (KNN over the shop points), then each shop's
        # matching products by the b-tree `product_shop_listed_idx` (shop, id); an incremental sort keeps
        # the (distance, id) order and the limit stops the walk
        if shop_limit is not None:
            values["shop_limit"] = shop_limit
        if tsquery:
            # the shop's text from the narrow copy, index-only (a few index pages per shop instead of its
            # wide product rows; stock churn never touches it), then the product conditions on the matches
            lateral_from = (
                f"{ProductSearchEntry._meta.db_table} e JOIN {product} lp ON lp.id = e.product_id "
                f"WHERE e.shop_id = ns.id AND e.search_vector @@ {tsq} AND"
            )
            lateral_order = "e.product_id"
        else:
            lateral_from = f"{product} lp WHERE lp.shop_id = ns.id AND"
            lateral_order = "lp.id"
        inner = f"""
    SELECT k.id, k.price, k.rank, ns.dist
    FROM (
        SELECT ns.id, ns.location <-> {_POINT} AS dist
        FROM {shop} ns
        WHERE {" AND ".join(at_shop)}
        ORDER BY ns.location <-> {_POINT}
        {"LIMIT %(shop_limit)s" if shop_limit is not None else "OFFSET 0"}
    ) ns
    CROSS JOIN LATERAL (
        SELECT lp.id, lp.price, {lateral_rank} AS rank FROM {lateral_from} {lateral_conditions}
        ORDER BY {lateral_order}
        LIMIT %(inner_limit)s
    ) k
    ORDER BY ns.dist, k.id
    LIMIT %(inner_limit)s"""  # noqa: S608 - identifiers are ours, values are parameters
    # the page: order the candidates (both shapes bring price and rank from the product rows they read),
    # then shop, category and the shown availability (the rule, `available_sql`) for the page's rows only
    sql = f"""
WITH {", ".join(ctes)}
SELECT p.id, p.sku, p.gtin, p.title, p.brand, p.price, p.image, c.slug, c.name,
       s.id, s.slug, s.name, s.street, s.postcode, s.city, s.district,
       ST_Y(s.location::geometry), ST_X(s.location::geometry),
       k.dist, {available_sql("p")}, p.stock_updated_at, p.stock_mode, p.image_thumb, k.rank, k.candidates
FROM (
    SELECT k.id, k.dist, k.price, k.rank, COUNT(*) OVER () AS candidates
    FROM ({inner}
    ) k
    ORDER BY {outer_order.replace("RANK", "k.rank")}
    {outer_limit}
) k
JOIN {product} p ON p.id = k.id
JOIN {shop} s ON s.id = p.shop_id
LEFT JOIN {category} c ON c.id = p.category_id
ORDER BY {outer_order.replace("RANK", "k.rank")}
"""  # noqa: S608 - identifiers are ours, values are parameters
    return SearchQuery(
        sql=sql, params=values, empty=empty, plan=plan, shop_limit=shop_limit, inner_limit=inner_limit
    )


def _shop_cap_may_have_cut(query: SearchQuery, *, rows: list[tuple[Any, ...]], board: PickupBoard) -> bool:
    """Fewer candidates than asked for from a statement that looked at only the nearest `shop_limit` shops,
    in a town with more shops than that (the board knows every active one, plus a margin for shops approved
    in the last minute): the next shops might hold matches."""
    if query.shop_limit is None or len(board.days) + SHOP_CAP_MARGIN <= query.shop_limit:
        return False
    candidates = rows[0][-1] if rows else 0  # COUNT(*) OVER () of the statement
    return candidates < query.inner_limit


def _text_first_cheaper_than_more_shops(
    query: SearchQuery, *, rows: list[tuple[Any, ...]], board: PickupBoard, lookup: WordLookup | None
) -> bool:
    """After a capped shop walk that came short: is reading every match of the words (about
    `lookup.matches` rows) cheaper than walking on? The walk so far found `candidates` in `shop_limit` shops,
    so it needs about `shop_limit * inner_limit / candidates` shops of `listed / shops` entries each, at
    `SHOP_WALK_ROW_COST` per entry (the re-run walks from the nearest shop again). Words found mostly in
    far-away shops: "Spielset" came short with 337 of 500 in the nearest 400 shops and cost 12 + 17 ms,
    text first 16 ms."""
    if lookup is None or lookup.matches is None or query.shop_limit is None:
        return False
    candidates = max(rows[0][-1] if rows else 0, 1)
    shops_needed = query.shop_limit * query.inner_limit / candidates
    entries_per_shop = max(lookup.listed, 1) / max(len(board.days), 1)
    return lookup.matches < SHOP_WALK_ROW_COST * shops_needed * entries_per_shop


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
    step_free_shop_ids: list[int] | None = None
    if params.step_free:
        step_free_shop_ids = sorted(Shop.objects.active().step_free().values_list("id", flat=True))
    words = query_words(params.q)
    lookup = word_lookup_reused(words) if words else None
    corrections = lookup.corrections if lookup else {}
    tsquery = tsquery_text(words, corrections) if words else ""
    ordering = params.effective_ordering
    if params.q.strip() and not words:
        # text without a single letter or digit cannot match anything
        return SearchResult(hits=[], has_more=False, count=params.offset, params=params, ordering=ordering)
    query = search_query(
        params,
        now=now,
        board=board,
        tsquery=tsquery,
        category_ids=category_ids,
        shop_id=shop_id,
        lookup=lookup,
        shop_limit=SHOP_BATCH,
        step_free_shop_ids=step_free_shop_ids,
    )
    rows: list[tuple[Any, ...]] = []
    if not query.empty:
        with connection.cursor() as cursor:
            cursor.execute(query.sql, query.params)
            rows = cursor.fetchall()
            if _shop_cap_may_have_cut(query, rows=rows, board=board):
                rerun_text_first = bool(tsquery) and _text_first_cheaper_than_more_shops(
                    query, rows=rows, board=board, lookup=lookup
                )
                query = search_query(
                    params,
                    now=now,
                    board=board,
                    tsquery=tsquery,
                    category_ids=category_ids,
                    shop_id=shop_id,
                    lookup=lookup,
                    shop_limit=None,
                    step_free_shop_ids=step_free_shop_ids,
                    text_index_first=rerun_text_first,
                )
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
    confidence = stock_confidence_of_page(shop_ids=[row[9] for row in rows], now=now) if rows else {}
    hits = [
        _hit(row, board=board, now=now, fresh_since=fresh_since, tz=tz, confidence=confidence) for row in rows
    ]
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
    row: tuple[Any, ...],
    *,
    board: PickupBoard,
    now: datetime,
    fresh_since: datetime,
    tz: tzinfo,
    confidence: dict[int, StockConfidence],
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
        district,
        shop_lat,
        shop_lng,
        dist,
        available,
        stock_updated_at,
        stock_mode,
        image_thumb,
        rank,
        _candidates,
    ) = row
    # stock_is_fresh, with `fresh_since` computed once per page
    fresh = stock_updated_at >= fresh_since or stock_mode in UNCOUNTED_MODES
    available = int(available)  # the rule, applied in SQL (`available_sql`)
    if collectable_today(stock_mode):
        until = board.pickup_today_until(shop_id, now)
        following = None if until is not None else board.next_pickup_from(shop_id, now)
    else:  # a "next day" product is never collected today (decision 1600)
        until, following = None, board.next_day_pickup_from(shop_id, now)
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
        shop_district=district,
        shop_lat=shop_lat,
        shop_lng=shop_lng,
        distance_m=round(dist),
        available_quantity=available,
        availability=availability_label(available, stock_mode),
        stock_updated_at=stock_updated_at.astimezone(tz),  # timezone.localtime, without its lookups per row
        stock_fresh=fresh,
        pickup_today_until=until,
        next_pickup_from=following,
        open_now=board.is_open(shop_id, now),
        relevance=None if rank is None else float(rank),
        stock_mode=stock_mode,
        image_thumb=_media_url(image_thumb),
        stock_confidence=confidence.get(shop_id, NO_CONFIDENCE),
    )
