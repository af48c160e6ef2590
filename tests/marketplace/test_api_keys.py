"""Shop API keys: shown once, stored only as a hash, refused when revoked or when the shop is not active."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from marketplace.exceptions import ValidationFailed
from marketplace.models import ApiKey, Shop, ShopMembership
from marketplace.services.api_keys import api_key_authenticate, api_key_create, api_key_revoke
from tests.factories import MembershipFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

RAW_KEY = re.compile(r"^lk_[a-z0-9]{9}_[A-Za-z0-9_-]{43}$", re.MULTILINE)


def create_key_via_command(*args: str) -> tuple[str, str]:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    output = out.getvalue()
    match = RAW_KEY.search(output)
    assert match, output
    return match.group(0), output


def test_command_prints_a_key_that_authenticates() -> None:
    # given
    shop = ShopFactory(slug="fahrradhaus-brockmann", hours=[])
    # when
    raw_key, output = create_key_via_command("fahrradhaus-brockmann", "--name", "Kasse 1", "--scope", "read")
    # then the key is printed once, with the warning, and works
    assert output.count(raw_key) == 1
    assert "only once" in output
    api_key = api_key_authenticate(raw_key=raw_key)
    assert api_key is not None
    assert api_key.shop == shop
    assert api_key.name == "Kasse 1"
    assert api_key.scope == ApiKey.Scope.READ
    assert api_key.prefix == raw_key[:12]


def test_only_the_hash_is_stored() -> None:
    # given
    ShopFactory(slug="baeckerei-harms", hours=[])
    # when
    raw_key, _output = create_key_via_command("baeckerei-harms")
    # then no column of the key's row holds the raw key or its secret part
    api_key = ApiKey.objects.get()
    assert api_key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(k)::text FROM marketplace_apikey k")
        (row,) = cursor.fetchone()
    secret = raw_key.split("_", 2)[2]
    assert secret not in row
    assert raw_key not in row
    assert api_key.prefix in row


def test_unknown_slug_is_an_error() -> None:
    # given
    ShopFactory(slug="baeckerei-harms", hours=[])
    # when / then
    with pytest.raises(CommandError, match="no-such-shop"):
        call_command("create_api_key", "no-such-shop", stdout=StringIO())
    assert not ApiKey.objects.exists()


def test_wrong_or_malformed_keys_do_not_authenticate() -> None:
    # given
    _api_key, raw_key = api_key_create(shop=ShopFactory(hours=[]), name="Kasse")
    # when / then
    assert api_key_authenticate(raw_key=raw_key) is not None
    assert api_key_authenticate(raw_key=raw_key[:-1] + ("A" if raw_key[-1] != "A" else "B")) is None
    assert api_key_authenticate(raw_key=raw_key[:12]) is None
    assert api_key_authenticate(raw_key="") is None
    assert api_key_authenticate(raw_key=raw_key + "x" * 300) is None


def test_revoked_key_does_not_authenticate() -> None:
    # given
    api_key, raw_key = api_key_create(shop=ShopFactory(hours=[]), name="Kasse")
    first = timezone.now() - timedelta(hours=1)
    # when revoked (twice: the first time stays)
    api_key_revoke(api_key=api_key, now=first)
    api_key_revoke(api_key=api_key)
    # then
    assert api_key_authenticate(raw_key=raw_key) is None
    api_key.refresh_from_db()
    assert api_key.revoked_at == first


@pytest.mark.parametrize(
    "status",
    [Shop.Status.SUSPENDED, Shop.Status.PENDING, Shop.Status.REJECTED, Shop.Status.CHANGES_REQUESTED],
)
def test_key_of_a_shop_that_is_not_active_does_not_authenticate(status: str) -> None:
    # given a key that works
    shop = ShopFactory(hours=[])
    _api_key, raw_key = api_key_create(shop=shop, name="Kasse")
    assert api_key_authenticate(raw_key=raw_key) is not None
    # when the shop leaves the active state
    Shop.objects.filter(pk=shop.pk).update(status=status)
    # then
    assert api_key_authenticate(raw_key=raw_key) is None


def test_last_used_is_written_at_most_once_a_minute() -> None:
    # given
    api_key, raw_key = api_key_create(shop=ShopFactory(hours=[]), name="Kasse")
    start = timezone.now()
    # when used three times within a minute, then once more after it
    api_key_authenticate(raw_key=raw_key, now=start)
    api_key_authenticate(raw_key=raw_key, now=start + timedelta(seconds=30))
    api_key.refresh_from_db()
    within_minute = api_key.last_used_at
    later = api_key_authenticate(raw_key=raw_key, now=start + timedelta(seconds=61))
    # then
    assert within_minute == start
    assert later is not None
    assert later.last_used_at == start + timedelta(seconds=61)
    api_key.refresh_from_db()
    assert api_key.last_used_at == start + timedelta(seconds=61)


def test_keys_differ_and_record_their_creator() -> None:
    # given
    shop = ShopFactory(hours=[])
    user = UserFactory()
    MembershipFactory(shop=shop, user=user, role=ShopMembership.Role.OWNER)  # only owners make keys (1200)
    # when
    first, first_raw = api_key_create(shop=shop, name="Kasse", created_by=user)
    second, second_raw = api_key_create(shop=shop, name="Warenwirtschaft", scope=ApiKey.Scope.READ)
    # then
    assert first_raw != second_raw
    assert first.prefix != second.prefix
    assert first.created_by == user
    assert RAW_KEY.fullmatch(first_raw)


@pytest.mark.parametrize(
    ("name", "scope"), [("", "write"), ("   ", "write"), ("Kasse", "admin"), ("x" * 101, "read")]
)
def test_create_refuses_bad_input(name: str, scope: str) -> None:
    # given
    shop = ShopFactory(hours=[])
    # when / then
    with pytest.raises(ValidationFailed):
        api_key_create(shop=shop, name=name, scope=scope)
    assert not ApiKey.objects.exists()
