"""Every database constraint of the domain refuses a bad row by itself, without model validation.

Rows are written with `.objects.create()` / `.update()` (no `full_clean`), so only PostgreSQL stands in the
way; each refusal names the constraint, and the neighbouring good rows are accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.gis.geos import Point
from django.contrib.postgres.search import SearchQuery
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketplace.models import (
    Category,
    ChainBrand,
    CityDay,
    ClaimCode,
    Collection,
    CollectionItem,
    FeaturedShop,
    IdempotencyRecord,
    ImportJob,
    JobPosting,
    MerchantMessage,
    MerchantMessageRecipient,
    OpeningHours,
    OsmImportTag,
    OutboxMessage,
    Post,
    Product,
    Reservation,
    ReservationLine,
    SearchEvent,
    Shop,
    ShopMembership,
    ShopOsmRecord,
    SpecialDay,
    StockMovement,
    VacantUnit,
)
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProductFactory,
    ReservationFactory,
    ShopFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused(write: Callable[[], Any], constraint: str) -> None:
    """`write` fails in the database with an error naming `constraint`, and leaves nothing behind."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    assert constraint in str(excinfo.value)


@pytest.fixture
def shop() -> Shop:
    return ShopFactory(hours=[])


@pytest.fixture
def product(shop: Shop) -> Product:
    return ProductFactory(shop=shop, sku="A-1")


def _idempotency(**overrides: Any) -> IdempotencyRecord:
    now = timezone.now()
    values: dict[str, Any] = {
        "key": "k-1",
        "scope": "apikey:1",
        "fingerprint": "0" * 64,
        "created_at": now,
        "expires_at": now + timedelta(hours=24),
    }
    return IdempotencyRecord.objects.create(**(values | overrides))


# Every constraint below has at least one test; test_every_constraint_is_tested keeps this list honest.
TESTED = {
    "category_not_own_parent",
    "shop_hold_minutes_min",
    "shop_lead_max_one_day",
    "shop_pickup_days_ahead_max",
    "shop_pickup_min_window_max",
    "membership_unique_user_shop",
    "hours_weekday_range",
    "hours_closes_after_opens",
    "hours_unique_start",
    "special_day_unique_shop_date",
    "special_day_intervals_shape",
    "city_day_intervals_shape",
    "product_unique_shop_sku",
    "product_on_hand_not_negative",
    "product_held_not_negative",
    "product_price_not_negative",
    "product_sku_not_empty",
    "product_title_not_empty",
    "product_gtin_format",
    "product_stock_mode_known",
    "reservation_expires_after_created",
    "reservation_window_order",
    "reservation_code_format",
    "line_unique_product",
    "line_quantity_positive",
    "line_price_not_negative",
    "movement_on_hand_after_not_negative",
    "movement_held_after_not_negative",
    "collection_window_order",
    "collection_item_shop_xor_product",
    "collection_item_unique_shop",
    "collection_item_unique_product",
    "featured_window_order",
    "search_lat_range",
    "search_lng_range",
    "idempotency_unique_scope_key",
    "idempotency_expires_after_created",
    "idempotency_done_has_status",
    "idempotency_key_not_empty",
    "import_progress_bounded",
    "chain_brand_name_or_wikidata",
    "claim_code_expires_after_created",
    "osm_import_tag_unique",
    "osm_record_unique_element",
    "vacant_unit_unique_element",
    "outbox_attempts_bounded",
    "outbox_one_waiting_per_dedupe_key",
    "merchant_message_question_day",
    "merchant_message_category_set",
    "merchant_message_once_per_shop",
    "post_ends_after_start",
    "post_title_not_empty",
    "post_hidden_has_reason",
    "job_title_not_empty",
    "job_description_not_empty",
    "job_has_a_way_to_apply",
    "feedback_rating_1_5",
    "feedback_hidden_has_reason",
    "feedback_public_answer_has_text",
    "stockalert_query_or_product",
    "stockalert_radius_range",
    "stockalert_match_once",
    "street_unique_key_postcode",
    "connector_unique_shop_kind",
}


def test_every_constraint_is_tested() -> None:
    # given the constraints declared on the domain models
    declared = {
        constraint.name
        for model in apps.get_app_config("marketplace").get_models()
        for constraint in model._meta.constraints
    }
    # when compared with the ones this module tests
    untested = declared - TESTED
    # then none is left out (add a test here when you add a constraint)
    assert not untested, f"constraints without a test in {__name__}: {sorted(untested)}"


# --- categories and shops --------------------------------------------------------------------------------


def test_category_cannot_be_its_own_parent() -> None:
    # given
    category = CategoryFactory()
    # when / then
    assert_refused(
        lambda: Category.objects.filter(pk=category.pk).update(parent_id=F("pk")), "category_not_own_parent"
    )


def test_category_slug_is_unique() -> None:
    # given
    CategoryFactory(slug="fahrrad")
    # when / then
    assert_refused(lambda: CategoryFactory(slug="fahrrad"), "duplicate key")


def test_shop_hold_minutes_at_least_15(shop: Shop) -> None:
    # given a shop; 15 minutes and "until closing" (null) are accepted
    Shop.objects.filter(pk=shop.pk).update(hold_minutes=15)
    Shop.objects.filter(pk=shop.pk).update(hold_minutes=None)
    # when / then
    assert_refused(lambda: Shop.objects.filter(pk=shop.pk).update(hold_minutes=14), "shop_hold_minutes_min")
    shop.refresh_from_db()
    assert shop.hold_minutes is None


def test_shop_lead_time_at_most_one_day(shop: Shop) -> None:
    # given
    Shop.objects.filter(pk=shop.pk).update(pickup_lead_minutes=24 * 60)
    # when / then
    assert_refused(
        lambda: Shop.objects.filter(pk=shop.pk).update(pickup_lead_minutes=24 * 60 + 1),
        "shop_lead_max_one_day",
    )


def test_shop_pickup_days_ahead_at_most_seven(shop: Shop) -> None:
    assert_refused(
        lambda: Shop.objects.filter(pk=shop.pk).update(pickup_days_ahead=8), "shop_pickup_days_ahead_max"
    )


def test_shop_pickup_min_window_at_most_twelve_hours(shop: Shop) -> None:
    assert_refused(
        lambda: Shop.objects.filter(pk=shop.pk).update(pickup_min_window_minutes=12 * 60 + 1),
        "shop_pickup_min_window_max",
    )


def test_membership_unique_per_user_and_shop(shop: Shop) -> None:
    # given
    membership = MembershipFactory(shop=shop)
    # when / then
    assert_refused(
        lambda: ShopMembership.objects.create(user=membership.user, shop=shop), "membership_unique_user_shop"
    )
    assert ShopMembership.objects.filter(shop=shop).count() == 1


# --- opening hours and calendars -----------------------------------------------------------------------


def test_hours_weekday_0_to_6(shop: Shop) -> None:
    # given Sunday (6) is accepted
    OpeningHours.objects.create(shop=shop, weekday=6, opens=time(10), closes=time(12))
    # when / then
    assert_refused(
        lambda: OpeningHours.objects.create(shop=shop, weekday=7, opens=time(10), closes=time(12)),
        "hours_weekday_range",
    )


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(time(10), time(9)), (time(10), time(10)), (time(5), time(4)), (time(20), time(7))],
    ids=["before-opening", "zero-length", "early-morning-wrap", "closes-after-6-next-day"],
)
def test_hours_close_after_they_open(shop: Shop, opens: time, closes: time) -> None:
    # when / then
    assert_refused(
        lambda: OpeningHours.objects.create(shop=shop, weekday=0, opens=opens, closes=closes),
        "hours_closes_after_opens",
    )


def test_hours_past_midnight_interval_is_accepted(shop: Shop) -> None:
    # when an evening interval ends after midnight
    hours = OpeningHours.objects.create(shop=shop, weekday=4, opens=time(20), closes=time(2))
    # then it is stored
    assert OpeningHours.objects.filter(pk=hours.pk, closes=time(2)).exists()


def test_hours_unique_start_per_day(shop: Shop) -> None:
    # given
    OpeningHours.objects.create(shop=shop, weekday=0, opens=time(9), closes=time(13))
    OpeningHours.objects.create(shop=shop, weekday=1, opens=time(9), closes=time(13))  # other day: fine
    # when / then
    assert_refused(
        lambda: OpeningHours.objects.create(shop=shop, weekday=0, opens=time(9), closes=time(18)),
        "hours_unique_start",
    )


def test_special_day_closed_has_no_intervals(shop: Shop) -> None:
    # given a closed day without intervals is fine
    SpecialDay.objects.create(shop=shop, date=date(2030, 1, 2), closed=True, intervals=[])
    # when / then
    assert_refused(
        lambda: SpecialDay.objects.create(
            shop=shop, date=date(2030, 1, 3), closed=True, intervals=[{"opens": "10:00", "closes": "12:00"}]
        ),
        "special_day_intervals_shape",
    )


def test_special_day_open_needs_intervals(shop: Shop) -> None:
    # given an open day with hours is fine
    SpecialDay.objects.create(
        shop=shop, date=date(2030, 1, 2), closed=False, intervals=[{"opens": "10:00", "closes": "12:00"}]
    )
    # when / then
    assert_refused(
        lambda: SpecialDay.objects.create(shop=shop, date=date(2030, 1, 3), closed=False, intervals=[]),
        "special_day_intervals_shape",
    )


def test_special_day_unique_per_shop_and_date(shop: Shop) -> None:
    # given the same date at another shop is fine
    SpecialDay.objects.create(shop=shop, date=date(2030, 1, 2), name="Inventur")
    SpecialDay.objects.create(shop=ShopFactory(hours=[]), date=date(2030, 1, 2), name="Inventur")
    # when / then
    assert_refused(
        lambda: SpecialDay.objects.create(shop=shop, date=date(2030, 1, 2), name="Betriebsausflug"),
        "special_day_unique_shop_date",
    )


def test_city_day_intervals_shape() -> None:
    # given
    CityDay.objects.create(
        date=date(2030, 12, 25), kind=CityDay.Kind.HOLIDAY, name="Weihnachten", closed=True
    )
    # when / then: closed with hours, open without hours
    assert_refused(
        lambda: CityDay.objects.create(
            date=date(2030, 12, 26),
            kind=CityDay.Kind.HOLIDAY,
            name="x",
            closed=True,
            intervals=[{"opens": "10:00", "closes": "12:00"}],
        ),
        "city_day_intervals_shape",
    )
    assert_refused(
        lambda: CityDay.objects.create(
            date=date(2030, 12, 1), kind=CityDay.Kind.LATE_OPENING, name="x", closed=False, intervals=[]
        ),
        "city_day_intervals_shape",
    )


def test_city_day_one_per_date() -> None:
    # given
    CityDay.objects.create(date=date(2030, 12, 25), kind=CityDay.Kind.HOLIDAY, name="Weihnachten")
    # when / then
    assert_refused(
        lambda: CityDay.objects.create(date=date(2030, 12, 25), kind=CityDay.Kind.EVENT, name="Markt"),
        "duplicate key",
    )


# --- products ------------------------------------------------------------------------------------------


def test_sku_unique_per_shop_but_not_across_shops(product: Product) -> None:
    # given the same SKU at another shop is fine
    ProductFactory(shop=ShopFactory(hours=[]), sku=product.sku)
    # when / then
    assert_refused(lambda: ProductFactory(shop=product.shop, sku=product.sku), "product_unique_shop_sku")
    assert Product.objects.filter(sku=product.sku).count() == 2


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("quantity_on_hand", -1, "product_on_hand_not_negative"),
        ("quantity_held", -1, "product_held_not_negative"),
        ("price", Decimal("-0.01"), "product_price_not_negative"),
        ("sku", "", "product_sku_not_empty"),
        ("title", "", "product_title_not_empty"),
        ("gtin", "12345", "product_gtin_format"),
        ("gtin", "400123456789X", "product_gtin_format"),
        ("gtin", "12345678901", "product_gtin_format"),
        ("stock_mode", "sometimes", "product_stock_mode_known"),
        ("stock_mode", "", "product_stock_mode_known"),
    ],
)
def test_product_refuses_bad_values(product: Product, field: str, value: object, constraint: str) -> None:
    # when / then
    assert_refused(lambda: Product.objects.filter(pk=product.pk).update(**{field: value}), constraint)
    product.refresh_from_db()
    assert product.quantity_on_hand == 5
    assert product.sku == "A-1"


@pytest.mark.parametrize("gtin", ["", "40123455", "012345678905", "4006381333931", "04006381333931"])
def test_product_accepts_gtin_lengths(product: Product, gtin: str) -> None:
    # when
    Product.objects.filter(pk=product.pk).update(gtin=gtin, price=Decimal("0.00"), quantity_on_hand=0)
    # then
    product.refresh_from_db()
    assert product.gtin == gtin


# --- reservations --------------------------------------------------------------------------------------


def test_reservation_expires_after_it_was_created(shop: Shop) -> None:
    # given
    now = timezone.now()
    # when / then
    assert_refused(
        lambda: ReservationFactory(shop=shop, created_at=now, pickup_from=now - timedelta(hours=2),
                                   expires_at=now - timedelta(minutes=1)),
        "reservation_expires_after_created",
    )  # fmt: skip


def test_reservation_expires_after_pickup_starts(shop: Shop) -> None:
    # given
    now = timezone.now()
    # when / then
    assert_refused(
        lambda: ReservationFactory(
            shop=shop,
            created_at=now,
            pickup_from=now + timedelta(hours=3),
            expires_at=now + timedelta(hours=2),
        ),
        "reservation_window_order",
    )


@pytest.mark.parametrize("code", ["abc-def", "AB1-234", "ABCDEF", "ABC-DEFG", "ABO-DEF", "ABI-DEF", ""])
def test_reservation_code_format(shop: Shop, code: str) -> None:
    # when / then (no 0, 1, I or O: they are misread)
    assert_refused(lambda: ReservationFactory(shop=shop, code=code), "reservation_code_format")
    assert not Reservation.objects.exists()


def test_reservation_code_accepted(shop: Shop) -> None:
    # when
    reservation = ReservationFactory(shop=shop, code="K7M-X2Q")
    # then
    assert Reservation.objects.get(pk=reservation.pk).code == "K7M-X2Q"


def test_reservation_line_rules(product: Product) -> None:
    # given
    reservation = ReservationFactory(shop=product.shop)
    ReservationLine.objects.create(
        reservation=reservation, product=product, quantity=1, unit_price=Decimal(1)
    )
    other = ProductFactory(shop=product.shop, sku="A-2")
    # when / then
    assert_refused(
        lambda: ReservationLine.objects.create(
            reservation=reservation, product=product, quantity=2, unit_price=Decimal(1)
        ),
        "line_unique_product",
    )
    assert_refused(
        lambda: ReservationLine.objects.create(
            reservation=reservation, product=other, quantity=0, unit_price=Decimal(1)
        ),
        "line_quantity_positive",
    )
    assert_refused(
        lambda: ReservationLine.objects.create(
            reservation=reservation, product=other, quantity=1, unit_price=Decimal("-1")
        ),
        "line_price_not_negative",
    )
    assert reservation.lines.count() == 1


@pytest.mark.parametrize(
    ("on_hand_after", "held_after", "constraint"),
    [(-1, 0, "movement_on_hand_after_not_negative"), (0, -1, "movement_held_after_not_negative")],
)
def test_stock_movement_after_values_not_negative(
    product: Product, on_hand_after: int, held_after: int, constraint: str
) -> None:
    # when / then
    assert_refused(
        lambda: StockMovement.objects.create(
            product=product,
            source=StockMovement.Source.API,
            on_hand_delta=-6,
            on_hand_after=on_hand_after,
            held_after=held_after,
        ),
        constraint,
    )
    assert not StockMovement.objects.exists()


# --- curation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("until_offset", [timedelta(hours=-1), timedelta(0)], ids=["reversed", "empty"])
def test_publish_windows_end_after_they_start(until_offset: timedelta) -> None:
    # given open-ended windows are fine
    now = timezone.now()
    Collection.objects.create(title="Offen", slug="offen", publish_from=now, publish_until=None)
    featured = FeaturedShop.objects.create(shop=ShopFactory(hours=[]), publish_from=None, publish_until=now)
    # when / then
    assert_refused(
        lambda: Collection.objects.create(
            title="Rund ums Rad", slug="rad", publish_from=now, publish_until=now + until_offset
        ),
        "collection_window_order",
    )
    assert_refused(
        lambda: FeaturedShop.objects.create(
            shop=featured.shop, publish_from=now, publish_until=now + until_offset
        ),
        "featured_window_order",
    )


def test_collection_item_is_a_shop_or_a_product(product: Product) -> None:
    # given
    collection = Collection.objects.create(title="Rund ums Rad", slug="rad")
    # when / then: both, neither
    assert_refused(
        lambda: CollectionItem.objects.create(collection=collection, shop=product.shop, product=product),
        "collection_item_shop_xor_product",
    )
    assert_refused(
        lambda: CollectionItem.objects.create(collection=collection), "collection_item_shop_xor_product"
    )
    assert not collection.items.exists()


def test_collection_item_unique_shop_and_product(product: Product) -> None:
    # given
    collection = Collection.objects.create(title="Rund ums Rad", slug="rad")
    CollectionItem.objects.create(collection=collection, shop=product.shop)
    CollectionItem.objects.create(collection=collection, product=product)
    # when / then
    assert_refused(
        lambda: CollectionItem.objects.create(collection=collection, shop=product.shop),
        "collection_item_unique_shop",
    )
    assert_refused(
        lambda: CollectionItem.objects.create(collection=collection, product=product),
        "collection_item_unique_product",
    )
    assert collection.items.count() == 2


@pytest.mark.parametrize(
    ("lat", "lng", "constraint"),
    [
        (Decimal("90.01"), Decimal(10), "search_lat_range"),
        (Decimal("-90.01"), Decimal(10), "search_lat_range"),
        (Decimal(53), Decimal("180.01"), "search_lng_range"),
        (Decimal(53), Decimal("-180.01"), "search_lng_range"),
    ],
)
def test_search_event_location_in_range(lat: Decimal, lng: Decimal, constraint: str) -> None:
    # given a rounded location and none are both fine
    SearchEvent.objects.create(query="schlauch", lat=Decimal("53.25"), lng=Decimal("10.41"), result_count=3)
    SearchEvent.objects.create(query="schlauch", result_count=3)
    # when / then
    assert_refused(
        lambda: SearchEvent.objects.create(query="x", lat=lat, lng=lng, result_count=0), constraint
    )


# --- idempotency and imports ---------------------------------------------------------------------------


def test_idempotency_key_unique_per_scope() -> None:
    # given the same key in another scope is fine
    _idempotency(key="k-1", scope="apikey:1")
    _idempotency(key="k-1", scope="apikey:2")
    # when / then
    assert_refused(lambda: _idempotency(key="k-1", scope="apikey:1"), "idempotency_unique_scope_key")


def test_idempotency_record_rules() -> None:
    # given
    now = timezone.now()
    _idempotency(key="done", state=IdempotencyRecord.State.DONE, response_status=201)
    # when / then
    assert_refused(
        lambda: _idempotency(key="late", created_at=now, expires_at=now), "idempotency_expires_after_created"
    )
    assert_refused(
        lambda: _idempotency(key="no-status", state=IdempotencyRecord.State.DONE, response_status=None),
        "idempotency_done_has_status",
    )
    assert_refused(lambda: _idempotency(key=""), "idempotency_key_not_empty")
    assert IdempotencyRecord.objects.count() == 1


def test_import_progress_not_beyond_total(shop: Shop) -> None:
    # given
    job = ImportJob.objects.create(shop=shop, file="imports/stock.csv", rows_total=5, rows_done=5)
    # when / then
    assert_refused(lambda: ImportJob.objects.filter(pk=job.pk).update(rows_done=6), "import_progress_bounded")
    job.refresh_from_db()
    assert job.rows_done == 5


# --- the generated search column -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Schnürsenkel rund 90 cm schwarz", "schnursenkel"),
        ("Schnürsenkel rund 90 cm schwarz", "Schnürsenkel"),
        ("Fahrradschläuche 28 Zoll", "fahrradschlauch"),
        ("Brötchen 10er-Tüte", "Brotchen"),
    ],
)
def test_search_vector_matches_stems_and_folded_umlauts(shop: Shop, title: str, query: str) -> None:
    # given
    product = ProductFactory(shop=shop, title=title, brand="Kaps", description="")
    ProductFactory(shop=shop, title="Dinkelvollkornbrot 750 g", brand="Harms", description="")
    # when
    found = Product.objects.filter(search_vector=SearchQuery(query, config="german_unaccent"))
    # then exactly the product, and only it
    assert list(found) == [product]


def test_search_vector_covers_brand_categories_and_description(shop: Shop) -> None:
    # given
    product = ProductFactory(
        shop=shop,
        title="Gepäckträgertasche",
        brand="Ortlieb",
        description="wasserdicht",
        category_names="Zubehör",
    )
    # when / then
    for query in ("ortlieb", "zubehor", "wasserdicht"):
        assert list(Product.objects.filter(search_vector=SearchQuery(query, config="german_unaccent"))) == [
            product
        ]
    assert not Product.objects.filter(search_vector=SearchQuery("fahrrad", config="german_unaccent")).exists()


# --- OpenStreetMap import and claim codes ------------------------------------------------------------------


def test_chain_needs_a_name_or_a_wikidata_id() -> None:
    assert_refused(lambda: ChainBrand.objects.create(name="", wikidata=""), "chain_brand_name_or_wikidata")


def test_claim_code_expires_after_it_was_made(shop: Shop) -> None:
    now = timezone.now()
    assert_refused(
        lambda: ClaimCode.objects.create(shop=shop, code_hash="x" * 64, created_at=now, expires_at=now),
        "claim_code_expires_after_created",
    )


def test_extra_osm_tag_is_unique() -> None:
    OsmImportTag.objects.create(key="craft", value="shoemaker")
    assert_refused(
        lambda: OsmImportTag.objects.create(key="craft", value="shoemaker"), "osm_import_tag_unique"
    )


def test_one_shop_per_osm_element(shop: Shop) -> None:
    ShopOsmRecord.objects.create(shop=shop, osm_type="n", osm_id=42)
    other = ShopFactory()
    assert_refused(
        lambda: ShopOsmRecord.objects.create(shop=other, osm_type="n", osm_id=42), "osm_record_unique_element"
    )
    ShopOsmRecord.objects.create(shop=other, osm_type="w", osm_id=42)  # a way may share a node's id


def test_one_vacant_unit_per_osm_element() -> None:
    VacantUnit.objects.create(osm_type="n", osm_id=7, location=Point(10.41, 53.25, srid=4326))
    assert_refused(
        lambda: VacantUnit.objects.create(osm_type="n", osm_id=7, location=Point(10.41, 53.25, srid=4326)),
        "vacant_unit_unique_element",
    )


# --- outbox ------------------------------------------------------------------------------------------------


def test_outbox_attempts_never_exceed_the_maximum() -> None:
    # given
    message = OutboxMessage.objects.create(kind="search.words_refresh", max_attempts=3, attempts=3)
    # when / then
    assert_refused(
        lambda: OutboxMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1),
        "outbox_attempts_bounded",
    )


def test_one_waiting_row_per_dedupe_key_while_none_is_running() -> None:
    # given: a waiting row, a delivered one and a running (claimed) one of the same key are fine together
    OutboxMessage.objects.create(kind="search.words_refresh", dedupe_key="all")
    OutboxMessage.objects.create(kind="search.words_refresh", dedupe_key="all", state="delivered")
    OutboxMessage.objects.create(
        kind="search.words_refresh", dedupe_key="all", claim="00000000-0000-0000-0000-000000000001"
    )
    OutboxMessage.objects.create(kind="search.words_refresh", dedupe_key="")
    OutboxMessage.objects.create(kind="search.words_refresh", dedupe_key="")
    # when / then: a second waiting one is refused
    assert_refused(
        lambda: OutboxMessage.objects.create(kind="search.words_refresh", dedupe_key="all", state="retrying"),
        "outbox_one_waiting_per_dedupe_key",
    )


# --- messages to merchants -------------------------------------------------------------------------------


def test_a_question_needs_its_day() -> None:
    # given: news without a question, and a question with a day, are accepted
    MerchantMessage.objects.create(subject="News", body="x")
    MerchantMessage.objects.create(
        subject="Sonntag", body="x", question="open_day", question_date=date(2026, 12, 13)
    )
    # when / then
    assert_refused(
        lambda: MerchantMessage.objects.create(subject="?", body="x", question="open_day"),
        "merchant_message_question_day",
    )


def test_a_message_to_a_category_names_it() -> None:
    # given
    MerchantMessage.objects.create(
        subject="Bücher", body="x", audience="category", category=CategoryFactory()
    )
    # when / then
    assert_refused(
        lambda: MerchantMessage.objects.create(subject="?", body="x", audience="category"),
        "merchant_message_category_set",
    )


def test_a_shop_gets_a_message_once(shop: Shop) -> None:
    # given
    message = MerchantMessage.objects.create(subject="News", body="x")
    MerchantMessageRecipient.objects.create(message=message, shop=shop)
    # when / then
    assert_refused(
        lambda: MerchantMessageRecipient.objects.create(message=message, shop=shop),
        "merchant_message_once_per_shop",
    )
    assert message.recipients.count() == 1


# --- posts and job postings --------------------------------------------------------------------------------


def test_post_needs_a_title_and_ends_after_it_starts(shop: Shop) -> None:
    # given: a good post is accepted
    now = timezone.now()
    Post.objects.create(shop=shop, title="Spargel", starts_at=now, ends_at=now + timedelta(days=1))
    # when / then
    assert_refused(
        lambda: Post.objects.create(shop=shop, title="", starts_at=now, ends_at=now + timedelta(days=1)),
        "post_title_not_empty",
    )
    assert_refused(
        lambda: Post.objects.create(shop=shop, title="Lesung", starts_at=now, ends_at=now),
        "post_ends_after_start",
    )


def test_a_hidden_post_names_its_reason(shop: Shop) -> None:
    # given
    now = timezone.now()
    post = Post.objects.create(shop=shop, title="Spargel", starts_at=now, ends_at=now + timedelta(days=1))
    Post.objects.filter(pk=post.pk).update(hidden_at=now, hidden_reason="Werbung für Dritte")
    # when / then
    assert_refused(lambda: Post.objects.filter(pk=post.pk).update(hidden_reason=""), "post_hidden_has_reason")


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"title": ""}, "job_title_not_empty"),
        ({"description": ""}, "job_description_not_empty"),
        ({"apply_email": "", "apply_phone": "", "apply_note": ""}, "job_has_a_way_to_apply"),
    ],
)
def test_job_posting_refuses_bad_values(shop: Shop, changes: dict[str, str], constraint: str) -> None:
    # given: a good posting (a phone number alone is a way to apply)
    good = {
        "shop": shop,
        "title": "Ausbildung",
        "kind": "apprenticeship",
        "description": "Wir bilden aus.",
        "apply_phone": "04131 123",
        "valid_through": date(2027, 1, 31),
    }
    JobPosting.objects.create(**good)
    # when / then
    assert_refused(lambda: JobPosting.objects.create(**{**good, **changes}), constraint)


# --- feedback after pickup and stock alerts (issue 17) -----------------------------------------------------


def _feedback(shop: Shop) -> Any:
    from marketplace.models import Feedback, Reservation
    from tests.factories import ReservationFactory

    reservation = ReservationFactory(shop=shop, status=Reservation.Status.COLLECTED, closed_at=timezone.now())
    return Feedback.objects.create(
        reservation=reservation, shop=shop, ready="yes", rating=4, publish_at=timezone.now()
    )


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"rating": 0}, "feedback_rating_1_5"),
        ({"rating": 6}, "feedback_rating_1_5"),
        ({"hidden_at": timezone.now(), "hidden_reason": ""}, "feedback_hidden_has_reason"),
        ({"answer_public": True, "answer": ""}, "feedback_public_answer_has_text"),
    ],
)
def test_feedback_refuses_bad_values(shop: Shop, changes: dict[str, Any], constraint: str) -> None:
    from marketplace.models import Feedback

    # given
    feedback = _feedback(shop)
    # when / then
    assert_refused(lambda: Feedback.objects.filter(pk=feedback.pk).update(**changes), constraint)


def test_stock_alert_needs_a_query_or_a_product_and_a_sane_radius() -> None:
    from marketplace.models import StockAlert

    # given
    values = {
        "email": "a@example.org",
        "email_key": "a@example.org",
        "location": Point(10.4, 53.25, srid=4326),
    }
    # when / then
    assert_refused(lambda: StockAlert.objects.create(**values, query=""), "stockalert_query_or_product")
    assert_refused(
        lambda: StockAlert.objects.create(**values, query="Tee", radius_km=0), "stockalert_radius_range"
    )
    assert_refused(
        lambda: StockAlert.objects.create(**values, query="Tee", radius_km=30), "stockalert_radius_range"
    )


def test_a_waiting_match_exists_once(shop: Shop) -> None:
    from marketplace.models import StockAlert, StockAlertMatch

    # given
    product = ProductFactory(shop=shop)
    alert = StockAlert.objects.create(
        email="a@example.org", email_key="a@example.org", query="Tee", location=Point(10.4, 53.25, srid=4326)
    )
    StockAlertMatch.objects.create(alert=alert, product=product)
    # when / then
    assert_refused(
        lambda: StockAlertMatch.objects.create(alert=alert, product=product), "stockalert_match_once"
    )


def test_a_street_is_listed_once_per_postcode() -> None:
    from marketplace.models import Street

    # given
    Street.objects.create(name="Am Sande", key="am sande", postcode="21335", location=Point(10.41, 53.25))
    # when / then: the same street in another postcode is another row, the same one twice is refused
    Street.objects.create(name="Am Sande", key="am sande", postcode="21337", location=Point(10.42, 53.25))
    assert_refused(
        lambda: Street.objects.create(
            name="Am Sande", key="am sande", postcode="21335", location=Point(10.41, 53.25)
        ),
        "street_unique_key_postcode",
    )


def test_a_shop_has_one_connector_per_till(shop: Shop) -> None:
    from marketplace.models import TillConnector

    # given
    TillConnector.objects.create(shop=shop, kind=TillConnector.Kind.SHOPIFY)
    TillConnector.objects.create(shop=shop, kind=TillConnector.Kind.DSFINVK)
    # when / then
    assert_refused(
        lambda: TillConnector.objects.create(shop=shop, kind=TillConnector.Kind.SHOPIFY),
        "connector_unique_shop_kind",
    )
