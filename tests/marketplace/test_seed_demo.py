"""The demo town: enough believable data, inside the town, valid, and the same town for the same seed.

Seeding 5,000 products takes seconds, so the module seeds once inside a transaction that is rolled back
when the module is done; the tests share that town (the ones that seed again leave it as it was).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.test import override_settings
from django.utils import timezone, translation

from marketplace.demo.seed import DemoSummary, demo_town_seed
from marketplace.demo.town import BBOX, CENTER
from marketplace.models import (
    Category,
    CityDay,
    Collection,
    CollectionItem,
    FeaturedShop,
    OpeningHours,
    Product,
    Shop,
    ShopMembership,
    SpecialDay,
    StockMovement,
    VacantUnit,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(second=0, microsecond=0)
MODELS = (
    Category,
    Shop,
    Product,
    OpeningHours,
    SpecialDay,
    CityDay,
    Collection,
    CollectionItem,
    FeaturedShop,
    StockMovement,
)


@pytest.fixture(scope="module")
def town(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSummary]:
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast_hashing.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        summary = demo_town_seed(seed=1, now=NOW)
    yield summary
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    fast_hashing.disable()


def planned_shops() -> Any:
    """The demo's own shops (the plan); listings come from the demo's OSM extract."""
    return Shop.objects.exclude(status=Shop.Status.LISTED)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*MODELS, get_user_model())}


def first_shop_snapshot() -> list[tuple[str, str, str, str, int]]:
    shop = Shop.objects.get(slug="fahrradhaus-brockmann")
    return list(
        shop.products.order_by("sku").values_list("sku", "title", "brand", "price", "quantity_on_hand")
    )


def gtin13_valid(gtin: str) -> bool:
    weighted = sum(int(digit) * (1 if index % 2 == 0 else 3) for index, digit in enumerate(gtin[:12]))
    return (10 - weighted % 10) % 10 == int(gtin[12])


def test_town_has_enough_of_everything(town: DemoSummary) -> None:
    # given the seeded town
    # when counted
    shops = planned_shops().count()
    # then
    assert shops >= 80
    assert shops == town.shops
    assert planned_shops().filter(status=Shop.Status.ACTIVE).count() >= 75
    assert Product.objects.count() >= 5000
    assert Product.objects.count() == town.products == town.products_created
    assert Product.objects.values("shop").annotate(n=Count("pk")).filter(n__lt=30).count() == 0
    assert Collection.objects.live(at=NOW).count() >= 3
    assert FeaturedShop.objects.live(at=NOW).count() == 4
    assert town.users == 3


def test_category_tree(town: DemoSummary) -> None:
    # when
    tops = Category.objects.filter(parent=None).annotate(children_count=Count("children"))
    # then about 12 German top-level categories with 2-5 children each, English names and slugs
    assert len(tops) == 12
    assert {"Fahrrad & Outdoor", "Bäckerei", "Bücher & Schreibwaren", "Sport"} <= {top.name for top in tops}
    assert all(2 <= top.children_count <= 5 for top in tops)
    assert not Category.objects.filter(Q(name_en="") | Q(slug="")).exists()
    assert not Category.objects.filter(children__children__isnull=False).exists()  # two levels
    shop_category_counts = planned_shops().annotate(n=Count("categories")).values_list("n", flat=True)
    assert set(shop_category_counts) <= {1, 2, 3}


def test_shops_are_believable(town: DemoSummary) -> None:
    # when
    shops = list(planned_shops().all())
    # then German names, addresses in Lüneburg, phone numbers of the town, example.org links only
    names = {shop.name for shop in shops}
    assert {"Fahrradhaus Brockmann", "Buchhandlung am Sande", "Bäckerei Harms", "Spielwaren Wichtel"} <= names
    assert all(shop.postcode == "21335" and shop.city == "Lüneburg" for shop in shops)
    assert all(shop.street[-1].isdigit() for shop in shops)
    assert all(shop.phone.startswith("+49 4131 ") for shop in shops)
    assert all(shop.description for shop in shops)
    assert {shop.district for shop in shops} >= {"Altstadt", "Goseburg-Zeltberg"}
    links = [shop.website for shop in shops if shop.website] + [
        url for shop in shops for url in shop.social_links.values()
    ]
    assert links
    assert all(".example.org/" in url for url in links)
    assert len({shop.slug for shop in shops}) == len(shops)


def test_every_shop_lies_inside_the_town(town: DemoSummary) -> None:
    # given the town's bounding box
    box = Polygon.from_bbox(BBOX)
    box.srid = 4326
    # when
    outside = Shop.objects.exclude(location__coveredby=box)
    near_market = Shop.objects.filter(location__dwithin=(Point(CENTER[1], CENTER[0], srid=4326), D(m=800)))
    # then all shops are inside, most in the old town
    assert outside.count() == 0
    assert Product.objects.exclude(location__coveredby=box).count() == 0
    assert near_market.count() >= 0.6 * Shop.objects.count()


def test_products_copy_their_shop(town: DemoSummary) -> None:
    # when the denormalised columns are compared with the shop and the category
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM marketplace_product p
            JOIN marketplace_shop s ON s.id = p.shop_id
            WHERE NOT ST_Equals(p.location::geometry, s.location::geometry)
               OR p.shop_active <> (s.status = 'active')
            """
        )
        (mismatched,) = cursor.fetchone()
    product = (
        Product.objects.select_related("category__parent").filter(category__parent__isnull=False).first()
    )
    # then
    assert mismatched == 0
    assert Product.objects.filter(shop_active=False).exists()  # the pending shops' products
    assert product is not None
    assert product.category is not None
    assert product.category.parent is not None
    assert product.category.name in product.category_names
    assert product.category.parent.name in product.category_names
    assert not Product.objects.filter(Q(category=None) | Q(category_names="")).exists()


def test_every_gtin_is_a_valid_german_ean13(town: DemoSummary) -> None:
    # when
    gtins = list(Product.objects.exclude(gtin="").values_list("gtin", flat=True))
    # then most products carry one (bakery goods and crafts do not), each with a right check digit
    assert len(gtins) > 0.6 * Product.objects.count()
    assert all(len(gtin) == 13 and gtin.isdigit() for gtin in gtins)
    assert all(400 <= int(gtin[:3]) <= 440 for gtin in gtins)
    assert all(gtin13_valid(gtin) for gtin in gtins)


def test_stock_and_prices_are_plausible(town: DemoSummary) -> None:
    # given
    total = Product.objects.count()

    def share(**lookups: object) -> float:
        return Product.objects.filter(**lookups).count() / total

    # then about 20 % sold out, 10 % nearly, most confirmed within hours, a few stale
    assert 0.15 <= share(quantity_on_hand=0) <= 0.25
    assert 0.06 <= share(quantity_on_hand__in=[1, 2]) <= 0.14
    assert share(quantity_on_hand__gt=40) == 0
    assert share(stock_updated_at__gte=NOW - timedelta(hours=12)) >= 0.65
    assert 0.01 <= share(stock_updated_at__lt=NOW - timedelta(days=14)) <= 0.15
    assert share(stock_updated_at__gt=NOW) == 0
    assert share(price__lte=0) == 0
    assert Product.objects.get(shop__slug="baeckerei-harms", title="Dinkelvollkornbrot 750 g").price < 10


def test_opening_hours_are_typical(town: DemoSummary) -> None:
    # when
    hours = OpeningHours.objects.all()
    bakeries = planned_shops().filter(categories__slug="brot").distinct()
    # then every shop opens on weekdays; on Sundays only bakeries; some lunch breaks and late Thursdays
    assert planned_shops().exclude(opening_hours__weekday=0).count() == 0
    assert not hours.filter(weekday=6).exclude(shop__in=bakeries).exists()
    assert hours.filter(weekday=6, shop__in=bakeries).exists()
    assert hours.filter(shop__in=bakeries, opens__lt=time(7, 1)).exists()
    assert hours.filter(weekday=3, closes=time(20)).exists()
    assert hours.filter(weekday=0, closes=time(13)).exists()  # morning half of a lunch break
    assert hours.filter(opens__lt=time(6)).count() == 0


def test_calendar_and_special_days(town: DemoSummary) -> None:
    # given
    today = timezone.localdate(NOW)
    # when
    holidays = CityDay.objects.filter(kind=CityDay.Kind.HOLIDAY, closed=True)
    late = CityDay.objects.get(kind=CityDay.Kind.LATE_OPENING)
    # then Lower Saxony's holidays of this and next year, with German names, and one late-opening Sunday
    for year in (today.year, today.year + 1):
        assert holidays.get(date=date(year, 12, 25)).name == "Erster Weihnachtstag"
        assert holidays.filter(date=date(year, 10, 31), name="Reformationstag").exists()  # Lower Saxony
    assert not holidays.filter(date__month=1, date__day=6).exists()  # Epiphany is not a holiday here
    assert late.date > today
    assert late.date.weekday() == 6
    assert late.closed is False
    assert late.intervals == [{"opens": "13:00", "closes": "18:00"}]
    assert SpecialDay.objects.filter(closed=True, name__icontains="Inventur").exists()
    assert SpecialDay.objects.filter(closed=False, date__in=holidays.values("date")).exists()


def test_curation_is_live(town: DemoSummary) -> None:
    # when
    collections = Collection.objects.live(at=NOW)
    # then each collection holds shops and products; the windows include now
    assert {"Weihnachten in Lüneburg", "Regional & nachhaltig", "Rund ums Rad"} <= {
        c.title for c in collections
    }
    for collection in collections:
        assert collection.items.filter(shop__isnull=False).exists()
        assert collection.items.filter(product__isnull=False).exists()
    assert not CollectionItem.objects.filter(product__shop_active=False).exists()
    assert FeaturedShop.objects.live(at=NOW).filter(shop__status=Shop.Status.ACTIVE).count() == 4


def test_demo_logins(town: DemoSummary) -> None:
    # given
    users = get_user_model().objects
    # when
    city = users.get(username="stadt")
    merchant1 = users.get(username="haendler1")
    merchant2 = users.get(username="haendler2")
    # then
    assert city.check_password("stadt-demo")
    assert city.is_staff
    assert not city.is_superuser  # a city editor: the group's permissions and the workspace
    assert city.groups.filter(name="City editors").exists()
    assert merchant1.check_password("haendler-demo")
    assert merchant1.is_staff
    assert not merchant1.is_superuser
    owned1 = ShopMembership.objects.get(user=merchant1, role=ShopMembership.Role.OWNER).shop
    owned2 = ShopMembership.objects.get(user=merchant2, role=ShopMembership.Role.OWNER).shop
    assert owned1.slug == "fahrradhaus-brockmann"
    assert owned2 != owned1
    assert owned2.status == Shop.Status.ACTIVE


def test_every_stock_figure_has_its_movement(town: DemoSummary) -> None:
    # then: the audit trail explains each demo product's on-hand (source "seed"), as for any stock write
    trail = dict(
        StockMovement.objects.filter(source=StockMovement.Source.SEED)
        .values("product_id")
        .annotate(total=Sum("on_hand_delta"))
        .values_list("product_id", "total")
    )
    on_hand = dict(Product.objects.values_list("pk", "quantity_on_hand"))
    assert len(on_hand) == town.products
    assert {pk: trail.get(pk) for pk in on_hand} == on_hand


def test_second_run_duplicates_nothing(town: DemoSummary) -> None:
    # given
    before = counts()
    product_ids = set(Product.objects.values_list("pk", flat=True))
    snapshot = first_shop_snapshot()
    out = StringIO()
    # when the command runs again
    call_command("seed_demo", "--seed", "1", stdout=out)
    # then the same rows, updated in place
    assert counts() == before
    assert set(Product.objects.values_list("pk", flat=True)) == product_ids
    assert first_shop_snapshot() == snapshot
    assert "(0 new)" in out.getvalue()
    assert f"{town.shops} shops" in out.getvalue()


def test_same_seed_gives_the_same_town(town: DemoSummary) -> None:
    # given a snapshot, then the town is removed
    snapshot = first_shop_snapshot()
    names = list(Shop.objects.order_by("slug").values_list("name", "street"))
    Shop.objects.all().delete()
    assert not Product.objects.exists()
    # when seeded again with the same seed
    summary = demo_town_seed(seed=1, now=NOW)
    # then the same town
    assert summary.products_created == summary.products
    assert first_shop_snapshot() == snapshot
    assert list(Shop.objects.order_by("slug").values_list("name", "street")) == names


def test_the_example_searches_on_the_home_page_find_items(town: DemoSummary) -> None:
    # given the search box's examples as a German resident reads them ("z. B. Fahrradschlauch, ...")
    from frontend.forms.search import SearchForm
    from marketplace.selectors.search import SearchParams, product_search_nearby

    with translation.override("de"):
        placeholder = str(SearchForm().fields["q"].widget.attrs["placeholder"])
    examples = [word.strip() for word in placeholder.removeprefix("z. B.").split(",")]
    assert len(examples) == 3, placeholder
    # when each is searched from the town centre
    found = {
        example: len(
            product_search_nearby(
                params=SearchParams(lat=CENTER[0], lng=CENTER[1], q=example, available_today=False), now=NOW
            ).hits
        )
        for example in examples
    }
    # then every example finds items in the demo town
    assert all(found.values()), found


def test_listings_from_the_demo_osm_extract_sit_beside_the_claimed_shops(town: DemoSummary) -> None:
    # then: the extract's shops are listings (chains and empty units left out), with hours from OSM
    listings = Shop.objects.filter(status=Shop.Status.LISTED)
    assert listings.count() == town.listings >= 15
    assert not listings.filter(name__in=["dm-drogerie markt", "Rossmann", "Hofladen Adendorf"]).exists()
    assert listings.filter(name="Schuhmacherei Evers").exists()  # craft=shoemaker, chosen by the city
    assert Shop.objects.get(name="Teehaus Lüneburg").opening_hours.count() == 6
    assert VacantUnit.objects.count() == 2
    assert not Product.objects.filter(shop__in=listings).exists()
