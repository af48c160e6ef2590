"""factory_boy factories for the domain; products copy their shop's location like the services do."""

from __future__ import annotations

import hashlib
from datetime import time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from marketplace import models

TOWN_CENTER = (53.2489, 10.4077)  # Lüneburg, Am Markt (lat, lng)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("pw-for-tests-only")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Category

    name = factory.Sequence(lambda n: f"Kategorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"kategorie-{n}")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Shop
        skip_postgeneration_save = True  # the `hours` hook writes OpeningHours rows, not the shop

    name = factory.Sequence(lambda n: f"Laden {n}")
    slug = factory.Sequence(lambda n: f"laden-{n}")
    street = "Am Markt 1"
    postcode = "21335"
    city = "Lüneburg"
    location = factory.LazyFunction(lambda: Point(TOWN_CENTER[1], TOWN_CENTER[0], srid=4326))
    status = models.Shop.Status.ACTIVE
    pickup_lead_minutes = 15

    @factory.post_generation
    def hours(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Open daily 00:00-23:59 unless `hours=[(weekday, opens, closes), ...]` or `hours=[]` is given."""
        if not create:
            return
        spec = extracted if extracted is not None else [(d, time(0, 0), time(23, 59)) for d in range(7)]
        for weekday, opens, closes in spec:  # type: ignore[attr-defined]
            models.OpeningHours.objects.create(shop=self, weekday=weekday, opens=opens, closes=closes)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ShopMembership

    user = factory.SubFactory(UserFactory)
    shop = factory.SubFactory(ShopFactory)
    role = models.ShopMembership.Role.OWNER


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Product

    shop = factory.SubFactory(ShopFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    title = factory.Sequence(lambda n: f"Artikel {n}")
    brand = "Marke"
    price = Decimal("9.90")
    quantity_on_hand = 5
    stock_updated_at = factory.LazyFunction(timezone.now)
    location = factory.LazyAttribute(lambda o: o.shop.location)
    shop_active = factory.LazyAttribute(lambda o: o.shop.status == models.Shop.Status.ACTIVE)


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """Creates a key whose raw value is `raw_key` (for tests only); the model stores its hash."""

    class Meta:
        model = models.ApiKey
        exclude = ("raw_key",)

    shop = factory.SubFactory(ShopFactory)
    name = "Kasse"
    raw_key = factory.Sequence(lambda n: f"lk_test{n:05d}_secretsecretsecret")
    prefix = factory.LazyAttribute(lambda o: o.raw_key[:12])
    key_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.raw_key.encode()).hexdigest())
    scope = models.ApiKey.Scope.WRITE


class ReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Reservation

    code = factory.Sequence(
        lambda n: f"A{'BCDEFGHJKLMNPQRSTUVWXYZ'[n % 23]}C-{2 + n % 8}{'XYZ'[n % 3]}{'QRS'[n // 3 % 3]}"
    )
    token_hash = factory.LazyFunction(lambda: hashlib.sha256(b"token").hexdigest())
    shop = factory.SubFactory(ShopFactory)
    customer_name = "Erika Muster"
    customer_email = "erika@example.org"
    pickup_from = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))
