"""The admin side of the security matrix (issue 12): every page of every model in the admin site, tried by
the shop's owner, its staff member, another shop's owner, the owner of a pending shop, a resident (no
staff) and anonymous.

The models come from the admin site's registry (a new admin fails `test_every_admin_model_is_in_the_matrix`
until it is given its expectations here). For each model: the changelist, the add form, the change and
delete pages of an object of "mein-laden" (GET), then the writes a caller may not make (POST change, POST
delete, the bulk delete action) - with the expected answer and the database unchanged. Data is built once
per module (inside one transaction, rolled back at the end); each test rolls back its own changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from marketplace.models import (
    ApiKey,
    Feedback,
    ImportJob,
    JobPosting,
    OutboxMessage,
    Post,
    Product,
    Reservation,
    Shop,
    ShopMembership,
    StockMovement,
    TillConnector,
    Webhook,
)
from marketplace.services.roles import MERCHANTS_GROUP, roles_setup
from tests.factories import (
    ApiKeyFactory,
    CategoryFactory,
    MembershipFactory,
    ProductFactory,
    ReservationFactory,
    ShopFactory,
    UserFactory,
)
from tests.security.module_data import module_atomic

CALLERS = ["own_owner", "own_staff", "other_owner", "pending_owner", "resident", "anonymous"]
MERCHANTS = {"own_owner", "own_staff", "other_owner", "pending_owner"}
PAGES = ("list", "add", "change", "delete")

# What the owner of "mein-laden" may open for its own objects (200); any other page of a merchant is 403.
# Models not listed here are the city's or the operators': 403 on every page for every merchant.
OWNER_PAGES: dict[str, set[str]] = {
    "marketplace.shop": {"list", "change"},
    "marketplace.product": {"list", "add", "change", "delete"},
    "marketplace.reservation": {"list", "change"},
    "marketplace.stockmovement": {"list", "change"},
    "marketplace.apikey": {"list", "add", "change"},
    "marketplace.webhook": {"list", "add", "change", "delete"},
    "marketplace.outboxmessage": {"list", "change"},
    "marketplace.importjob": {"list", "add", "change"},
    "marketplace.shopmembership": {"list", "change"},
    "marketplace.post": {"list", "change"},
    "marketplace.jobposting": {"list", "change"},
    "marketplace.feedback": {"list", "change"},
}
# Keys and webhooks: owners only (one rule with the API and my-shop); the staff member gets 403 everywhere.
OWNERS_ONLY = {"marketplace.apikey", "marketplace.webhook"}
CITY_AND_OPERATORS = {
    "auth.group",
    "auth.user",
    "marketplace.category",
    "marketplace.chainbrand",
    "marketplace.cityday",
    "marketplace.claimcode",
    "marketplace.collection",
    "marketplace.featuredshop",
    "marketplace.gtinproduct",
    "marketplace.healthsnapshot",
    "marketplace.idempotencyrecord",
    "marketplace.osmimportrun",
    "marketplace.osmimporttag",
    "marketplace.searchevent",
    "marketplace.shopapplication",
    "marketplace.stockalert",
    "marketplace.tillconnector",
    "marketplace.vacantunit",
}


def registered() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


MODELS = registered()


def test_every_admin_model_is_in_the_matrix() -> None:
    # then: a new admin page gets its expectations here before it ships
    assert set(MODELS) == set(OWNER_PAGES) | CITY_AND_OPERATORS


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Three shops (mine, another, a pending one), their people, one object of "mein-laden" per model."""
    with module_atomic(django_db_blocker):
        yield _build()


def _merchant(shop: Shop, role: str) -> User:
    user = MembershipFactory(shop=shop, role=role).user
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    return user


def _build() -> dict[str, Any]:
    roles_setup()
    now = timezone.now()
    mine, other = ShopFactory(slug="mein-laden"), ShopFactory(slug="anderer-laden")
    pending = ShopFactory(slug="neu-angemeldet", status=Shop.Status.PENDING, hours=[])
    users = {
        "own_owner": _merchant(mine, "owner"),
        "own_staff": _merchant(mine, "staff"),
        "other_owner": _merchant(other, "owner"),
        "pending_owner": _merchant(pending, "owner"),
        "resident": UserFactory(),
    }
    product = ProductFactory(shop=mine, sku="A-1")
    ProductFactory(shop=other, sku="A-1")
    webhook = Webhook.objects.create(shop=mine, url="https://hooks.example.test/a", secret_salt="s")
    reservation = ReservationFactory(
        shop=mine, status=Reservation.Status.COLLECTED, closed_at=now, pickup_from=now - timedelta(days=1)
    )
    objects: dict[str, Any] = {
        "marketplace.shop": mine,
        "marketplace.product": product,
        "marketplace.reservation": reservation,
        "marketplace.stockmovement": StockMovement.objects.create(
            product=product, source=StockMovement.Source.API, on_hand_delta=5, on_hand_after=5, held_after=0
        ),
        "marketplace.apikey": ApiKeyFactory(shop=mine, name="Kasse"),
        "marketplace.webhook": webhook,
        "marketplace.outboxmessage": OutboxMessage.objects.create(
            kind="webhook.event", shop=mine, webhook=webhook, payload={"event": "stock.changed"}
        ),
        "marketplace.importjob": ImportJob.objects.create(
            shop=mine, file="imports/x.csv", state=ImportJob.State.DONE
        ),
        "marketplace.shopmembership": ShopMembership.objects.get(user=users["own_staff"]),
        "marketplace.post": Post.objects.create(
            shop=mine, title="Spargel", starts_at=now, ends_at=now + timedelta(days=1)
        ),
        "marketplace.jobposting": JobPosting.objects.create(
            shop=mine,
            title="Ausbildung",
            kind="apprenticeship",
            description="Wir bilden aus.",
            apply_phone="04131 123",
            valid_through=timezone.localdate() + timedelta(days=60),
        ),
        "marketplace.feedback": Feedback.objects.create(
            reservation=reservation, shop=mine, ready="yes", rating=4, publish_at=now
        ),
        "marketplace.category": CategoryFactory(),
        # the shop's till connector: the city's board only (merchants see theirs on my-shop)
        "marketplace.tillconnector": TillConnector.objects.create(shop=mine, kind=TillConnector.Kind.SHOPIFY),
        "marketplace.shopapplication": pending,
        "auth.user": users["resident"],
        "auth.group": Group.objects.get(name=MERCHANTS_GROUP),
    }
    return {"mine": mine, "other": other, "pending": pending, "users": users, "objects": objects}


def _tables() -> list[tuple[str, str]]:
    tables = {(model._meta.db_table, model._meta.pk.column) for model in admin.site._registry}
    tables |= {
        (User.groups.through._meta.db_table, "id"),
        (Group.permissions.through._meta.db_table, "id"),
    }
    return sorted(tables)


STATE_SQL = " UNION ALL ".join(
    f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.\"{pk}\"), '')) "  # noqa: S608 - names from the models' metadata
    f'FROM "{table}" t'
    for table, pk in _tables()
)


def state() -> list[Any]:
    """A digest of every row of every table the admin shows (and group memberships), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL)
        return list(cursor.fetchall())


def _url(label: str, page: str, pk: Any = None) -> str:
    app, model = label.split(".")
    base = f"/admin/{app}/{model}/"
    return {
        "list": base,
        "add": f"{base}add/",
        "change": f"{base}{pk}/change/",
        "delete": f"{base}{pk}/delete/",
    }[page]


def expected(caller: str, label: str, page: str) -> str:
    """ "200", "403", "login" (302 to the admin login) or "missing" (302 to the admin index: the object is
    not one of the caller's, answered like an unknown id)."""
    if caller not in MERCHANTS:
        return "login"
    allowed = OWNER_PAGES.get(label, set())
    if page not in allowed or (caller == "own_staff" and label in OWNERS_ONLY):
        return "403"
    if caller in ("own_owner", "own_staff") or page in ("list", "add"):
        return "200"
    return "missing"


def answer(response: Any) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return "login"
        if location == "/admin/":
            return "missing"
        return f"302 {location}"
    return str(response.status_code)


def _client(world: dict[str, Any], caller: str) -> Client:
    client = Client()
    if caller in world["users"]:
        client.force_login(world["users"][caller])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("label", MODELS)
@pytest.mark.parametrize("caller", CALLERS)
def test_admin_pages_answer_each_caller_as_expected_and_refused_writes_change_nothing(
    world: dict[str, Any], settings: Any, caller: str, label: str
) -> None:
    # given
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT
    client = _client(world, caller)
    obj = world["objects"].get(label)
    pk = obj.pk if obj is not None else 999_999

    # when: every page (GET)
    answers = {page: client.get(_url(label, page, pk)) for page in PAGES}

    # then
    for page, response in answers.items():
        assert answer(response) == expected(caller, label, page), (page, response.status_code)
    listed = answers["list"]
    if listed.status_code == 200 and obj is not None:
        shown = {row.pk for row in listed.context["cl"].result_list}
        own = caller in ("own_owner", "own_staff")
        assert (obj.pk in shown) == own, "own objects listed, nobody else's"

    # when: the writes the caller may not make
    before = state()
    writes = []
    if expected(caller, label, "change") != "200":
        writes.append(client.post(_url(label, "change", pk), {"_save": "1"}))
    if expected(caller, label, "delete") != "200":
        writes.append(client.post(_url(label, "delete", pk), {"post": "yes"}))
    if caller != "own_owner" and obj is not None:
        writes.append(
            client.post(
                _url(label, "list"),
                {"action": "delete_selected", "_selected_action": [str(pk)], "post": "yes"},
            )
        )

    # then: refused, and nothing changed
    for response in writes:
        assert response.status_code in (200, 302, 403), response.status_code
    assert state() == before


def _add_data(label: str, shop: Shop) -> dict[str, Any]:
    return {
        "marketplace.product": {"shop": shop.pk, "sku": "FREMD-1", "title": "Fremd", "price": "1.00"},
        "marketplace.apikey": {"shop": shop.pk, "name": "Hintertür", "scope": "write"},
        "marketplace.webhook": {"shop": shop.pk, "url": "https://hooks.example.test/fremd"},
        "marketplace.importjob": {
            "shop": shop.pk,
            "dry_run": "",
            "upload": SimpleUploadedFile("a.csv", b"sku;title;quantity;price\nFREMD-1;Fremd;1;1.00\n"),
        },
    }[label]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "label", ["marketplace.product", "marketplace.apikey", "marketplace.webhook", "marketplace.importjob"]
)
@pytest.mark.parametrize("caller", ["own_staff", "other_owner", "pending_owner", "resident", "anonymous"])
def test_nobody_adds_objects_to_a_shop_that_is_not_theirs(
    world: dict[str, Any], settings: Any, caller: str, label: str
) -> None:
    # given: "mein-laden" as the shop of the new object (the staff member: only where owners only)
    if caller == "own_staff" and label not in OWNERS_ONLY:
        pytest.skip("a staff member adds products and imports for its own shop")
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT
    client = _client(world, caller)
    before = state()

    # when
    response = client.post(_url(label, "add"), _add_data(label, world["mine"]))

    # then: refused (a form error for a shop not in the choices, 403, or the login) and nothing created
    assert answer(response) in ("200", "403", "login"), response.status_code
    assert state() == before
    assert not Product.objects.filter(sku="FREMD-1").exists()
    assert not ApiKey.objects.filter(name="Hintertür").exists()
