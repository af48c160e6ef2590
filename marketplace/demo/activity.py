"""Nine weeks of residents' activity for the demo town: searches (with and without results) and finished
reservations (collected, not collected, cancelled, expired), so the city workspace and the monthly report
have something to show. Deterministic for a seed; re-running replaces the earlier demo activity (search
events with channel "demo", reservations of the demo address) and touches nothing else. Demo only:
`manage.py seed_demo` calls it. Written in bulk past the reservation services: these reservations are
finished weeks ago (no hold, no stock change), which no service can back-date.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplace.models import Product, Reservation, ReservationLine, SearchEvent
from marketplace.reservation_codes import reservation_code_new

DEMO_CHANNEL = "demo"
DEMO_EMAIL = "demo-aktivitaet@example.org"

# (query, searches per day on average, share without results)
QUERIES: tuple[tuple[str, float, float], ...] = (
    ("fahrradschlauch", 4.0, 0.05),
    ("adventskalender", 3.5, 0.1),
    ("kerzen", 3.0, 0.0),
    ("brot", 2.5, 0.0),
    ("lego", 2.0, 0.2),
    ("wolle", 1.5, 0.1),
    ("lastenrad", 1.2, 1.0),
    ("usb-c kabel", 1.0, 0.6),
    ("glühwein", 1.0, 0.3),
    ("druckerpatrone", 0.8, 0.9),
    ("schallplatten", 0.7, 0.8),
    ("hundefutter", 0.6, 1.0),
    ("sauerteig", 0.5, 0.7),
    ("e-bike akku", 0.4, 1.0),
)


@dataclass(frozen=True)
class ActivitySummary:
    searches: int
    reservations: int

    def __str__(self) -> str:
        return f"demo activity: {self.searches} searches, {self.reservations} finished reservations"


@transaction.atomic
def demo_activity_seed(*, seed: int = 1, weeks: int = 9, now: datetime | None = None) -> ActivitySummary:
    """Replace the demo activity with `weeks` weeks up to now, busier towards today and on Saturdays."""
    rng = random.Random(seed * 104_729)  # noqa: S311 - demo data, not security
    now = now or timezone.now()
    today = timezone.localdate(now)
    SearchEvent.objects.filter(channel=DEMO_CHANNEL).delete()
    Reservation.objects.filter(customer_email=DEMO_EMAIL).delete()
    products = list(Product.objects.listed().order_by("pk").values_list("pk", "shop_id", "price")[:400])
    events: list[SearchEvent] = []
    reservations = 0
    zone = timezone.get_current_timezone()
    for offset in range(weeks * 7, -1, -1):
        day = today - timedelta(days=offset)
        growth = 1 + (weeks * 7 - offset) / (weeks * 7)  # the portal is getting known
        weekday = 1.6 if day.weekday() == 5 else (0.5 if day.weekday() == 6 else 1.0)
        for query, per_day, zero_share in QUERIES:
            for _ in range(_poisson(rng, per_day * growth * weekday)):
                at = datetime.combine(day, time(rng.randint(8, 20), rng.randint(0, 59)), tzinfo=zone)
                if at > now:
                    continue
                found = 0 if rng.random() < zero_share else rng.randint(1, 25)
                events.append(
                    SearchEvent(
                        query=query,
                        lat=Decimal("53.25"),
                        lng=Decimal(rng.choice(["10.40", "10.41", "10.42"])),
                        radius_km=Decimal("5.0"),
                        result_count=found,
                        channel=DEMO_CHANNEL,
                        created_at=at,
                    )
                )
        for _ in range(_poisson(rng, 3.0 * growth * weekday) if products and offset else 0):
            reservations += _finished_reservation(rng, products, day, zone)
    SearchEvent.objects.bulk_create(events, batch_size=1000)
    return ActivitySummary(searches=len(events), reservations=reservations)


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _finished_reservation(
    rng: random.Random, products: list[tuple[int, int, Decimal]], day: date, zone: tzinfo
) -> int:
    product_id, shop_id, price = rng.choice(products)
    created = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=zone)
    status = rng.choices(
        [
            Reservation.Status.COLLECTED,
            Reservation.Status.NO_SHOW,
            Reservation.Status.CANCELLED,
            Reservation.Status.EXPIRED,
        ],
        weights=[78, 9, 9, 4],
    )[0]
    reservation = Reservation.objects.create(
        code=reservation_code_new(),
        token_hash=hashlib.sha256(f"demo-{created.isoformat()}-{rng.random()}".encode()).hexdigest(),
        shop_id=shop_id,
        customer_name="Demo",
        customer_email=DEMO_EMAIL,
        language=settings.LANGUAGE_CODE,
        status=status,
        pickup_date=day,
        pickup_from=created + timedelta(minutes=15),
        expires_at=created + timedelta(hours=4),
        closed_at=created + timedelta(hours=rng.randint(1, 4)),
        created_at=created,
    )
    ReservationLine.objects.create(
        reservation=reservation, product_id=product_id, quantity=1, unit_price=price
    )
    return 1
