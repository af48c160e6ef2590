"""Writes the demo town of Lüneburg: shops, stock, hours, the city calendar, collections and logins.

`demo_town_seed` first builds the whole town in memory from `random.Random(seed)` (so a seed always gives
the same shops, titles and prices, whatever is in the database), then writes it with natural keys (slugs,
`(shop, sku)`, dates, usernames): a second run updates the demo rows in place and duplicates nothing.
The seed owns its shops' weekly hours, special days and category links and rewrites them on every run;
rows it did not create (a product added in the admin, a reservation) are left alone.
Demo data only: the logins have published passwords.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from marketplace.demo.catalogue import (
    CATALOGUE,
    CHILDREN,
    GIFTY,
    PARENT_OF,
    RELATED,
    TOP_WEIGHTS,
    TOPS,
    Pattern,
)
from marketplace.demo.town import (
    BBOX,
    COLLECTIONS,
    DEMO_CHAINS,
    DEMO_JOBS,
    DEMO_OSM_BOUNDARY_RELATION,
    DEMO_OSM_EXTRA_TAGS,
    DEMO_OSM_FILE,
    DEMO_POSTS,
    DEMO_USERS,
    FEATURED,
    FIRST_NAMES,
    GENERATED_SHOPS,
    GENERIC_SHOP_LINES,
    HEADLINE_SHOPS,
    MIN_CANDIDATES,
    MUST_BAKE,
    NOT_ACTIVE,
    PLACES,
    POSTCODE,
    SERVICE_LINES,
    STREET_BY_NAME,
    STREETS,
    SURNAMES,
    TARGET_PRODUCTS,
    TOWN,
    Street,
)
from marketplace.models import (
    Category,
    ChainBrand,
    CityDay,
    Collection,
    CollectionItem,
    FeaturedShop,
    JobPosting,
    OpeningHours,
    OsmImportTag,
    Post,
    Product,
    Shop,
    ShopMembership,
    SpecialDay,
    StockMovement,
)
from marketplace.services.city_calendar import city_day_set, city_holidays_import, public_holidays
from marketplace.services.data_health import data_health_snapshot_write
from marketplace.services.osm_import import osm_import
from marketplace.services.products import category_names_for
from marketplace.services.roles import CITY_EDITORS_GROUP, MERCHANTS_GROUP, roles_setup
from marketplace.services.search_index import search_words_refresh
from marketplace.services.streets import street_import

BATCH_SIZE = 1_000


# --- the plan: the whole town in memory ----------------------------------------------------------------


@dataclass
class ShopPlan:
    name: str
    slug: str
    top: str
    children: list[str]
    street: str
    district: str
    lat: float
    lng: float
    status: str
    description: str
    phone: str
    email: str
    website: str
    social_links: dict[str, str]
    attributes: dict[str, bool | str]
    pickup_lead_minutes: int
    hold_minutes: int | None
    created_days_ago: int
    hours: list[tuple[int, time, time]]
    products: list[ProductPlan] = field(default_factory=list)


@dataclass
class ProductPlan:
    sku: str
    title: str
    child: str
    brand: str
    gtin: str
    price: Decimal
    description: str
    on_hand: int
    stock_age: timedelta
    created_days_ago: int
    active: bool


@dataclass(frozen=True)
class DemoSummary:
    """What `demo_town_seed` wrote: totals of the demo rows, and how many products were new."""

    seed: int
    shops: int
    active_shops: int
    categories: int
    products: int
    products_created: int
    opening_hours: int
    special_days: int
    city_days: int
    collections: int
    collection_items: int
    featured_shops: int
    users: int
    listings: int = 0
    osm_import_seconds: float = 0.0
    posts: int = 0
    jobs: int = 0

    def __str__(self) -> str:
        return (
            f"Demo town {TOWN} (seed {self.seed}): {self.shops} shops ({self.active_shops} active), "
            f"{self.categories} categories, {self.products} products ({self.products_created} new), "
            f"{self.opening_hours} opening hours, {self.special_days} special days, "
            f"{self.city_days} city days, "
            f"{self.collections} collections ({self.collection_items} items), "
            f"{self.featured_shops} featured shops, {self.users} users, "
            f"{self.listings} listings from OpenStreetMap (import {self.osm_import_seconds:.2f} s), "
            f"{self.posts} posts, {self.jobs} job postings"
        )


def german_slug(value: str) -> str:
    """A slug that spells umlauts the German way (Bäckerei -> baeckerei)."""
    for umlaut, spelled in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
        ("ß", "ss"),
    ):
        value = value.replace(umlaut, spelled)
    return slugify(value)


def ean13_check_digit(first12: str) -> str:
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first12))
    return str((10 - total % 10) % 10)


def demo_gtin(brand: str, title: str) -> str:
    """A stable EAN-13 with a German prefix (400-440): the same article of the same brand shares it."""
    digest = int(hashlib.sha256(f"{brand}|{title}".encode()).hexdigest(), 16)
    first12 = f"{400 + digest % 41}{digest // 41 % 10**9:09d}"
    return first12 + ean13_check_digit(first12)


def _price(rng: random.Random, lo: float, hi: float) -> Decimal:
    value = rng.uniform(lo, hi)
    if value < 10:
        cents = rng.choice((29, 49, 79, 95, 99))
        return (
            Decimal(f"{int(value)}.{cents:02d}")
            if value >= 1
            else Decimal(f"0.{rng.choice((45, 55, 65, 85))}")
        )
    if value < 100:
        return Decimal(int(value)) + rng.choice(
            (Decimal("0.50"), Decimal("0.90"), Decimal("0.95"), Decimal("0.99"))
        )
    return Decimal(int(value) // 10 * 10 + 9) + rng.choice((Decimal("0.00"), Decimal("0.99")))


def _stock(rng: random.Random, top: str) -> int:
    roll = rng.random()
    if roll < 0.20:
        return 0
    if roll < 0.30:
        return rng.randint(1, 2)
    return rng.randint(3, 25 if top == "baeckerei" else 40)


def _stock_age(rng: random.Random) -> timedelta:
    roll = rng.random()
    if roll < 0.78:
        return timedelta(minutes=rng.randint(5, 8 * 60))
    if roll < 0.94:
        return timedelta(days=rng.randint(2, 10), minutes=rng.randint(0, 600))
    return timedelta(days=rng.randint(15, 45), minutes=rng.randint(0, 600))


def _weekly_hours(
    rng: random.Random, top: str, *, small: bool, outskirts: bool
) -> list[tuple[int, time, time]]:
    hours: list[tuple[int, time, time]] = []
    if top == "baeckerei":
        opens = rng.choice((time(6, 30), time(7, 0)))
        closes = rng.choice((time(18, 0), time(18, 30)))
        hours += [(day, opens, closes) for day in range(5)]
        hours.append((5, opens, rng.choice((time(13, 0), time(14, 0), time(16, 0)))))
        if rng.random() < 0.8:
            hours.append((6, time(8, 0), rng.choice((time(11, 0), time(12, 0)))))
        return hours
    if top == "lebensmittel-feinkost" and outskirts:
        return [(day, time(8, 0), time(20, 0)) for day in range(6)]
    opens = rng.choice((time(9, 30), time(10, 0)))
    closes = rng.choice((time(18, 30), time(19, 0)))
    late_thursday = rng.random() < 0.12
    lunch_break = small and rng.random() < 0.5
    for day in range(5):
        day_closes = time(20, 0) if day == 3 and late_thursday else closes
        if lunch_break:
            hours.append((day, opens, time(13, 0)))
            if not (day == 2 and rng.random() < 0.5):  # the old Wednesday afternoon off
                hours.append((day, time(14, 30), day_closes))
        else:
            hours.append((day, opens, day_closes))
    saturday_closes = time(14, 0) if small else rng.choice((time(16, 0), time(16, 0), time(18, 0)))
    hours.append((5, time(10, 0), saturday_closes))
    return hours


def _candidates(children: list[str]) -> list[tuple[str, Pattern, str, tuple[float, float]]]:
    found: list[tuple[str, Pattern, str, tuple[float, float]]] = []
    seen: set[str] = set()
    for child_slug in children:
        for pattern in CHILDREN[child_slug].patterns:
            for title, price in pattern.titles():
                if title not in seen:
                    seen.add(title)
                    found.append((child_slug, pattern, title, price))
    return found


def _plan_shops(rng: random.Random) -> list[ShopPlan]:
    specs: list[tuple[str, str, list[str], Street, int]] = []
    used_names: set[str] = set()
    used_addresses: set[tuple[str, int]] = set()
    for name, top, headline_children, street_name, number in HEADLINE_SHOPS:
        specs.append((name, top, list(headline_children), STREET_BY_NAME[street_name], number))
        used_names.add(name)
        used_addresses.add((street_name, number))

    # The mix of trades follows TOP_WEIGHTS exactly (largest remainder), in a shuffled order.
    total_weight = sum(TOP_WEIGHTS.values())
    quotas = {slug: GENERATED_SHOPS * weight // total_weight for slug, weight in TOP_WEIGHTS.items()}
    by_remainder = sorted(TOP_WEIGHTS, key=lambda slug: -(GENERATED_SHOPS * TOP_WEIGHTS[slug] % total_weight))
    for slug in by_remainder[: GENERATED_SHOPS - sum(quotas.values())]:
        quotas[slug] += 1
    trades = [slug for slug in sorted(quotas) for _ in range(quotas[slug])]
    rng.shuffle(trades)
    street_weights = [street.weight for street in STREETS]
    while trades:
        top = trades[-1]
        template = rng.choice(TOPS[top].shop_names)
        name = template.format(s=rng.choice(SURNAMES), f=rng.choice(FIRST_NAMES), p=rng.choice(PLACES))
        child_slugs = [child.slug for child in TOPS[top].children]
        picked = rng.sample(child_slugs, min(len(child_slugs), rng.choice((1, 2, 2, 3, 3))))
        if top == "baeckerei":  # every bakery sells bread and rolls
            picked = [*MUST_BAKE, *(slug for slug in picked if slug not in MUST_BAKE)][:3]
        while len(_candidates(picked)) < MIN_CANDIDATES and len(picked) < min(3, len(child_slugs)):
            picked.append(rng.choice([slug for slug in child_slugs if slug not in picked]))
        if len(picked) < 3 and rng.random() < 0.2:
            picked.append(rng.choice(TOPS[RELATED[top]].children).slug)
        street = rng.choices(STREETS, street_weights)[0]
        number = rng.randint(1, street.numbers)
        if name in used_names or german_slug(name) in {german_slug(n) for n in used_names}:
            continue
        if (street.name, number) in used_addresses:
            continue
        used_names.add(name)
        used_addresses.add((street.name, number))
        specs.append((name, top, picked, street, number))
        trades.pop()

    shops: list[ShopPlan] = []
    for index, (name, top, children, street, number) in enumerate(specs):
        slug = german_slug(name)
        small = rng.random() < 0.35
        outskirts = street.district != "Altstadt"
        lat = min(max(street.lat + rng.uniform(-0.0004, 0.0004), BBOX[1] + 0.001), BBOX[3] - 0.001)
        lng = min(max(street.lng + rng.uniform(-0.0007, 0.0007), BBOX[0] + 0.001), BBOX[2] - 0.001)
        has_website = rng.random() < 0.55
        social: dict[str, str] = {}
        if rng.random() < 0.45:
            social["instagram"] = f"https://instagram.example.org/{slug}"
        if rng.random() < 0.25:
            social["facebook"] = f"https://facebook.example.org/{slug}"
        top_def = TOPS[top]
        description = " ".join(
            (
                rng.choice(top_def.intro),
                rng.choice(GENERIC_SHOP_LINES).format(
                    year=rng.randint(1898, 2021),
                    generation=rng.choice(("zweiter", "dritter", "vierter")),
                    staff=rng.randint(2, 14),
                ),
                rng.choice(SERVICE_LINES),
            )
        )
        shops.append(
            ShopPlan(
                name=name,
                slug=slug,
                top=top,
                children=children,
                street=f"{street.name} {number}",
                district=street.district,
                lat=round(lat, 6),
                lng=round(lng, 6),
                status=NOT_ACTIVE.get(index, Shop.Status.ACTIVE),
                description=description,
                phone=f"+49 4131 {rng.randint(20000, 999999)}",
                email=f"info@{slug}.example.org",
                website=f"https://{slug}.example.org/" if has_website else "",
                social_links=social,
                attributes={
                    "step_free": "yes" if rng.random() < 0.5 else rng.choice(("", "no", "limited")),
                    "accessible_toilet": rng.random() < 0.2,
                    "seating": rng.random() < 0.4,
                    "hearing_loop": rng.random() < 0.1,
                    "disabled_parking_nearby": rng.random() < 0.3,
                    "card_payment": rng.random() < 0.9,
                    "bicycle_parking": rng.random() < 0.4,
                    "gift_wrapping": rng.random() < (0.75 if top in GIFTY else 0.15),
                },
                pickup_lead_minutes=rng.choice((15, 15, 15, 30, 30, 60, 120)),
                hold_minutes=rng.choice((None, None, None, None, 120, 240, 24 * 60)),
                created_days_ago=rng.randint(30, 400),
                hours=_weekly_hours(rng, top, small=small, outskirts=outskirts),
            )
        )
    return shops


def _plan_products(rng: random.Random, shops: list[ShopPlan]) -> None:
    candidates = {shop.slug: _candidates(shop.children) for shop in shops}
    wanted = {shop.slug: min(rng.randint(48, 72), len(candidates[shop.slug])) for shop in shops}
    while sum(wanted.values()) < TARGET_PRODUCTS:
        shop = rng.choice(shops)
        if wanted[shop.slug] < min(90, len(candidates[shop.slug])):
            wanted[shop.slug] += 1
    for shop in shops:
        picked = rng.sample(candidates[shop.slug], wanted[shop.slug])
        top = TOPS[shop.top]
        sku_prefix = "".join(word[0] for word in shop.slug.split("-"))[:3].upper()
        for number, (child_slug, pattern, title, price) in enumerate(picked, start=1):
            brand = rng.choice(pattern.brands) if pattern.brands else shop.name
            lines = rng.sample(TOPS[PARENT_OF[child_slug]].product_lines, 2)
            made_by = f"von {brand}" if pattern.brands else f"aus dem Haus {brand}"
            shop.products.append(
                ProductPlan(
                    sku=f"{sku_prefix}-{number + 1000:05d}",
                    title=title,
                    child=child_slug,
                    brand=brand,
                    gtin=demo_gtin(brand, title) if pattern.gtin else "",
                    price=_price(rng, *price),
                    description=f"{title} {made_by}. {lines[0]} {lines[1]}",
                    on_hand=_stock(rng, top.slug),
                    stock_age=_stock_age(rng),
                    created_days_ago=rng.randint(1, shop.created_days_ago),
                    active=rng.random() > 0.02,
                )
            )


def _plan(seed: int) -> list[ShopPlan]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    shops = _plan_shops(rng)
    _plan_products(rng, shops)
    return shops


# --- writing -------------------------------------------------------------------------------------------


def _write_categories() -> dict[str, Category]:
    by_slug: dict[str, Category] = {}
    for top_position, top in enumerate(CATALOGUE):
        parent, _ = Category.objects.update_or_create(
            slug=top.slug,
            defaults={"name": top.name, "name_en": top.name_en, "parent": None, "position": top_position},
        )
        by_slug[top.slug] = parent
        for position, child in enumerate(top.children):
            by_slug[child.slug], _ = Category.objects.update_or_create(
                slug=child.slug,
                defaults={
                    "name": child.name,
                    "name_en": child.name_en,
                    "parent": parent,
                    "position": position,
                },
            )
    return by_slug


def _write_shops(plans: list[ShopPlan], categories: dict[str, Category], base: datetime) -> dict[str, Shop]:
    rows = [
        Shop(
            slug=plan.slug,
            name=plan.name,
            description=plan.description,
            street=plan.street,
            postcode=POSTCODE,
            city=TOWN,
            district=plan.district,
            location=Point(plan.lng, plan.lat, srid=4326),
            phone=plan.phone,
            email=plan.email,
            website=plan.website,
            social_links=plan.social_links,
            status=plan.status,
            status_message="",
            approved_at=base - timedelta(days=plan.created_days_ago - 2)
            if plan.status == Shop.Status.ACTIVE
            else None,
            time_zone="Europe/Berlin",
            pickup_lead_minutes=plan.pickup_lead_minutes,
            hold_minutes=plan.hold_minutes,
            created_at=base - timedelta(days=plan.created_days_ago),
            **plan.attributes,
        )
        for plan in plans
    ]
    update_fields = [
        "name",
        "description",
        "street",
        "postcode",
        "city",
        "district",
        "location",
        "phone",
        "email",
        "website",
        "social_links",
        "status",
        "status_message",
        "approved_at",
        "time_zone",
        "pickup_lead_minutes",
        "hold_minutes",
        "step_free",
        "accessible_toilet",
        "seating",
        "hearing_loop",
        "disabled_parking_nearby",
        "card_payment",
        "bicycle_parking",
        "gift_wrapping",
        "updated_at",
    ]
    Shop.objects.bulk_create(rows, update_conflicts=True, unique_fields=["slug"], update_fields=update_fields)
    shops = {shop.slug: shop for shop in Shop.objects.filter(slug__in=[plan.slug for plan in plans])}

    shop_ids = [shop.pk for shop in shops.values()]
    links = Shop.categories.through
    links.objects.filter(shop_id__in=shop_ids).delete()
    links.objects.bulk_create(
        links(shop_id=shops[plan.slug].pk, category_id=categories[child].pk)
        for plan in plans
        for child in plan.children
    )
    OpeningHours.objects.filter(shop_id__in=shop_ids).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(shop=shops[plan.slug], weekday=weekday, opens=opens, closes=closes)
        for plan in plans
        for weekday, opens, closes in plan.hours
    )
    return shops


def _write_products(
    plans: list[ShopPlan], shops: dict[str, Shop], categories: dict[str, Category], base: datetime
) -> tuple[int, int, dict[tuple[str, str], int]]:
    """Upsert the demo products and log every on-hand change as a `StockMovement` (source "seed").

    A bulk path, not `product_create` / `inventory_sync`: the demo dates creation and stock confirmation in
    the past (so stale stock shows), which the services stamp with now, and 5,100 single writes would
    triple the seed's time; the search copies come from the same `category_names_for` and shop fields."""
    before = {
        (slug, sku): (on_hand, held)
        for slug, sku, on_hand, held in Product.objects.filter(shop__in=list(shops.values()))
        .values_list("shop__slug", "sku", "quantity_on_hand", "quantity_held")
        .iterator()
    }
    existing = set(before)
    names = {slug: category_names_for(category) for slug, category in categories.items()}
    rows: list[Product] = []
    for plan in plans:
        shop = shops[plan.slug]
        for item in plan.products:
            category = categories[item.child]
            rows.append(
                Product(
                    shop=shop,
                    sku=item.sku,
                    gtin=item.gtin,
                    title=item.title,
                    description=item.description,
                    brand=item.brand,
                    price=item.price,
                    category=category,
                    category_names=names[item.child],
                    active=item.active,
                    quantity_on_hand=item.on_hand,
                    stock_updated_at=base - item.stock_age,
                    location=shop.location,
                    shop_active=shop.status == Shop.Status.ACTIVE,
                    created_at=base - timedelta(days=item.created_days_ago),
                )
            )
    update_fields = [
        "gtin",
        "title",
        "description",
        "brand",
        "price",
        "category",
        "category_names",
        "active",
        "quantity_on_hand",
        "stock_updated_at",
        "location",
        "shop_active",
        "updated_at",
    ]
    for start in range(0, len(rows), BATCH_SIZE):
        Product.objects.bulk_create(
            rows[start : start + BATCH_SIZE],
            update_conflicts=True,
            unique_fields=["shop", "sku"],
            update_fields=update_fields,
        )
    created = sum(1 for plan in plans for item in plan.products if (plan.slug, item.sku) not in existing)
    ids = {
        (slug, sku): pk
        for pk, slug, sku in Product.objects.filter(shop__in=list(shops.values())).values_list(
            "pk", "shop__slug", "sku"
        )
    }
    movements = []
    for plan in plans:
        for item in plan.products:
            on_hand, held = before.get((plan.slug, item.sku), (0, 0))
            if (plan.slug, item.sku) in existing and on_hand == item.on_hand:
                continue
            movements.append(
                StockMovement(
                    product_id=ids[plan.slug, item.sku],
                    source=StockMovement.Source.SEED,
                    on_hand_delta=item.on_hand - on_hand,
                    on_hand_after=item.on_hand,
                    held_after=held,
                    note="demo town",
                    created_at=base - item.stock_age,
                )
            )
    StockMovement.objects.bulk_create(movements, batch_size=BATCH_SIZE)
    return len(rows), created, ids


def _next_holidays(today: date) -> dict[date, str]:
    return public_holidays(years=[today.year, today.year + 1])


def _write_city_days(today: date) -> int:
    """This year's and next year's public holidays, plus one late-opening Sunday ahead."""
    city_holidays_import(years=2, today=today)
    # Kept once one lies ahead, so seeding again on another day does not add a second one.
    if not CityDay.objects.filter(kind=CityDay.Kind.LATE_OPENING, date__gte=today).exists():
        sunday = today + timedelta(days=21 + (6 - today.weekday()) % 7)
        while CityDay.objects.filter(date=sunday).exists():
            sunday += timedelta(days=7)
        city_day_set(
            day=sunday,
            kind=CityDay.Kind.LATE_OPENING,
            name="Verkaufsoffener Sonntag in der Altstadt",
            closed=False,
            intervals=[{"opens": "13:00", "closes": "18:00"}],
        )
    return CityDay.objects.filter(date__year__in=[today.year, today.year + 1]).count()


def _write_special_days(plans: list[ShopPlan], shops: dict[str, Shop], today: date) -> int:
    by_top: dict[str, list[ShopPlan]] = {}
    for plan in plans:
        if plan.status == Shop.Status.ACTIVE:
            by_top.setdefault(plan.top, []).append(plan)
    inventory_day = today + timedelta(days=10)
    while inventory_day.weekday() >= 5:
        inventory_day += timedelta(days=1)
    next_holiday = next(day for day in _next_holidays(today) if day > today)
    christmas_eve = date(today.year if today < date(today.year, 12, 24) else today.year + 1, 12, 24)
    rows = [
        SpecialDay(
            shop=shops[german_slug(HEADLINE_SHOPS[1][0])],
            date=inventory_day,
            closed=True,
            intervals=[],
            name="Geschlossen wegen Inventur",
        ),
        SpecialDay(
            shop=shops[by_top["elektronik"][0].slug],
            date=inventory_day + timedelta(days=3),
            closed=True,
            intervals=[],
            name="Betriebsausflug",
        ),
        SpecialDay(
            shop=shops[german_slug(HEADLINE_SHOPS[2][0])],
            date=next_holiday,
            closed=False,
            intervals=[{"opens": "08:00", "closes": "11:00"}],
            name="Am Feiertag geöffnet: Brötchenverkauf",
        ),
        SpecialDay(
            shop=shops[german_slug(HEADLINE_SHOPS[3][0])],
            date=christmas_eve,
            closed=False,
            intervals=[{"opens": "09:00", "closes": "13:00"}],
            name="Heiligabend",
        ),
    ]
    SpecialDay.objects.filter(shop__in=list(shops.values())).delete()
    SpecialDay.objects.bulk_create(rows)
    return len(rows)


def _write_curation(
    rng: random.Random,
    plans: list[ShopPlan],
    shops: dict[str, Shop],
    product_ids: dict[tuple[str, str], int],
    base: datetime,
) -> tuple[int, int, int]:
    live = [plan for plan in plans if plan.status == Shop.Status.ACTIVE]
    item_count = 0
    for position, (slug, title, title_en, text, tops, children, max_price) in enumerate(COLLECTIONS):
        collection, _ = Collection.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title,
                "title_en": title_en,
                "text": text,
                "position": position,
                "publish_from": base - timedelta(days=14),
                "publish_until": base + timedelta(days=60),
            },
        )
        collection_shops = [plan for plan in live if plan.top in tops][:6]
        products = [
            (plan.slug, item.sku)
            for plan in live
            for item in plan.products
            if item.child in children
            and item.on_hand > 0
            and item.active
            and (max_price is None or item.price < max_price)
        ]
        picked = rng.sample(products, min(12, len(products)))
        collection.items.all().delete()
        items = [
            CollectionItem(collection=collection, shop=shops[plan.slug], position=i)
            for i, plan in enumerate(collection_shops)
        ]
        items += [
            CollectionItem(
                collection=collection, product_id=product_ids[key], position=len(collection_shops) + i
            )
            for i, key in enumerate(picked)
        ]
        CollectionItem.objects.bulk_create(items)
        item_count += len(items)
    for position, (name, title, text) in enumerate(FEATURED):
        FeaturedShop.objects.update_or_create(
            shop=shops[german_slug(name)],
            title=title,
            defaults={
                "text": text,
                "position": position,
                "publish_from": base - timedelta(days=3),
                "publish_until": base + timedelta(days=28),
            },
        )
    return len(COLLECTIONS), item_count, len(FEATURED)


def _write_voice(
    plans: list[ShopPlan], shops: dict[str, Shop], product_ids: dict[tuple[str, str], int], base: datetime
) -> tuple[int, int]:
    """A few posts and job postings so a visitor of the demo sees the shops' own voice (idempotent)."""
    plans_by_slug = {plan.slug: plan for plan in plans}
    for index, (name, kind, title, text, days, child) in enumerate(DEMO_POSTS):
        slug = german_slug(name)
        shop = shops[slug]
        post, _ = Post.objects.update_or_create(
            shop=shop,
            title=title,
            defaults={
                "kind": kind,
                "text": text,
                "starts_at": base - timedelta(hours=2 + 3 * index),
                "ends_at": base + timedelta(days=days),
                "created_at": base - timedelta(hours=2 + 3 * index),
                "hidden_at": None,
                "hidden_reason": "",
            },
        )
        picked = [
            product_ids[(slug, item.sku)]
            for item in plans_by_slug[slug].products
            if child and item.child == child and item.active and item.on_hand > 0
        ][:2]
        post.products.set(picked)
    today = timezone.localdate(base)
    for index, (name, title, job_kind, hours, text, days, featured) in enumerate(DEMO_JOBS):
        shop = shops[german_slug(name)]
        JobPosting.objects.update_or_create(
            shop=shop,
            title=title,
            defaults={
                "kind": job_kind,
                "hours_per_week": hours,
                "description": text,
                "apply_email": shop.email or f"jobs@{shop.slug}.example",
                "apply_phone": shop.phone,
                "valid_through": today + timedelta(days=days),
                "featured": featured,
                "created_at": base - timedelta(days=1 + index),
                "expiry_reminder_sent_at": None,
            },
        )
    return len(DEMO_POSTS), len(DEMO_JOBS)


def _write_users(shops: dict[str, Shop]) -> int:
    """The city editor and two shop owners; the staff groups get their permissions if they are missing."""
    if Group.objects.filter(name__in=[CITY_EDITORS_GROUP, MERCHANTS_GROUP]).count() < 2:
        roles_setup()
    groups = {
        group.name: group for group in Group.objects.filter(name__in=[CITY_EDITORS_GROUP, MERCHANTS_GROUP])
    }
    user_model = get_user_model()
    for username, password, is_superuser, shop_name in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.is_staff = True
        user.is_superuser = is_superuser
        user.is_active = True
        if not user.check_password(password):
            user.set_password(password)
        user.save()
        if shop_name is None:
            user.groups.add(groups[CITY_EDITORS_GROUP])
        else:
            user.groups.add(groups[MERCHANTS_GROUP])
            ShopMembership.objects.update_or_create(
                user=user, shop=shops[german_slug(shop_name)], defaults={"role": ShopMembership.Role.OWNER}
            )
    return len(DEMO_USERS)


def _write_osm_listings(now: datetime) -> tuple[int, float]:
    """The chains the city leaves out, the crafts it takes in, then the import of the demo extract (shops and
    streets)."""
    for name, wikidata in DEMO_CHAINS:
        ChainBrand.objects.get_or_create(wikidata=wikidata, defaults={"name": name})
    for key, value in DEMO_OSM_EXTRA_TAGS:
        OsmImportTag.objects.get_or_create(key=key, value=value)
    run = osm_import(path=DEMO_OSM_FILE, boundary_relation=DEMO_OSM_BOUNDARY_RELATION, now=now)
    # the local geocoder's street list (decision 1200): the same file has a few streets
    street_import(path=DEMO_OSM_FILE, boundary_relation=DEMO_OSM_BOUNDARY_RELATION, now=now)
    return Shop.objects.filter(status=Shop.Status.LISTED).count(), run.duration_ms / 1000


@transaction.atomic
def demo_town_seed(*, seed: int = 1, now: datetime | None = None) -> DemoSummary:
    """Create or refresh the demo town of Lüneburg; the same seed always gives the same town."""
    base = (now or timezone.now()).replace(second=0, microsecond=0)
    today = timezone.localdate(base)
    plans = _plan(seed)
    curation_rng = random.Random(seed * 7919)  # noqa: S311 - demo data, not security

    categories = _write_categories()
    shops = _write_shops(plans, categories, base)
    products, created, product_ids = _write_products(plans, shops, categories, base)
    special_days = _write_special_days(plans, shops, today)
    city_days = _write_city_days(today)
    collections, items, featured = _write_curation(curation_rng, plans, shops, product_ids, base)
    users = _write_users(shops)
    listings, osm_seconds = _write_osm_listings(base)
    data_health_snapshot_write(now=base)  # the board's chart has today's bar
    posts, jobs = _write_voice(plans, shops, product_ids, base)
    search_words_refresh(concurrently=False)
    return DemoSummary(
        seed=seed,
        shops=len(plans),
        active_shops=sum(1 for plan in plans if plan.status == Shop.Status.ACTIVE),
        categories=len(categories),
        products=products,
        products_created=created,
        opening_hours=sum(len(plan.hours) for plan in plans),
        special_days=special_days,
        city_days=city_days,
        collections=collections,
        collection_items=items,
        featured_shops=featured,
        users=users,
        listings=listings,
        osm_import_seconds=osm_seconds,
        posts=posts,
        jobs=jobs,
    )
