"""Claim codes and claiming a listing: single use, expiry, hashed storage, rate limit, one transaction."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import timezone

from marketplace.exceptions import InvalidTransition, RateLimited, ValidationFailed
from marketplace.models import ClaimCode, Shop, ShopMembership, ShopOsmRecord
from marketplace.services.claims import (
    ClaimConfirmation,
    claim_code_check,
    claim_code_create,
    claim_code_normalize,
    shop_claim,
)
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing() -> Shop:
    shop = ShopFactory(name="Teehaus", status=Shop.Status.LISTED)
    ShopOsmRecord.objects.create(
        shop=shop,
        osm_type="n",
        osm_id=1,
        opening_hours="24/7",
        hours_status=ShopOsmRecord.HoursStatus.CONFIRM,
    )
    return shop


def confirmation(**overrides: object) -> ClaimConfirmation:
    values = {
        "name": "Teehaus am Sande",
        "street": "Am Sande 7",
        "postcode": "21335",
        "city": "Lüneburg",
        "hours_confirmed": True,
        "owner_name": "Imke Evers",
        "owner_email": "imke@teehaus.example",
        "owner_password": "lange-sichere-teekanne-42",
    }
    return ClaimConfirmation(**{**values, **overrides})  # type: ignore[arg-type]


def test_code_is_stored_only_as_hash(listing: Shop) -> None:
    # when
    claim, code = claim_code_create(shop=listing)
    # then
    assert len(claim_code_normalize(code)) == 12
    assert claim.code_hash == hashlib.sha256(claim_code_normalize(code).encode()).hexdigest()
    assert claim_code_normalize(code) not in str(ClaimCode.objects.filter(pk=claim.pk).values().get())


def test_claim_makes_the_owner_and_activates_the_shop(listing: Shop) -> None:
    # given
    _claim, code = claim_code_create(shop=listing)
    # when: typed in lower case with spaces, as people do
    shop, owner = shop_claim(code=code.lower().replace("-", " "), confirmation=confirmation())
    # then
    assert shop.status == Shop.Status.ACTIVE
    assert shop.name == "Teehaus am Sande"
    assert shop.hours_confirmed_at is not None
    assert ShopMembership.objects.get(shop=shop).user == owner
    assert ShopMembership.objects.get(shop=shop).role == ShopMembership.Role.OWNER
    assert owner.check_password("lange-sichere-teekanne-42")
    assert ShopOsmRecord.objects.get(shop=shop).hours_status == ShopOsmRecord.HoursStatus.CONFIRMED
    assert ClaimCode.objects.get().used_by == owner


def test_code_is_single_use(listing: Shop) -> None:
    _claim, code = claim_code_create(shop=listing)
    shop_claim(code=code, confirmation=confirmation())
    with pytest.raises(ValidationFailed):
        shop_claim(code=code, confirmation=confirmation(owner_email="other@example.org"))
    assert ShopMembership.objects.count() == 1
    assert not get_user_model().objects.filter(email="other@example.org").exists()


def test_expired_code_changes_nothing(listing: Shop) -> None:
    # given
    _claim, code = claim_code_create(shop=listing, now=timezone.now() - timedelta(days=61))
    # when / then
    with pytest.raises(ValidationFailed):
        claim_code_check(code=code, client="client:a")
    with pytest.raises(ValidationFailed):
        shop_claim(code=code, confirmation=confirmation())
    listing.refresh_from_db()
    assert listing.status == Shop.Status.LISTED
    assert not ShopMembership.objects.exists()
    assert not get_user_model().objects.filter(email="imke@teehaus.example").exists()


def test_new_letter_revokes_the_old_code(listing: Shop) -> None:
    _old, old_code = claim_code_create(shop=listing)
    _new, new_code = claim_code_create(shop=listing)
    with pytest.raises(ValidationFailed):
        claim_code_check(code=old_code, client="client:a")
    assert claim_code_check(code=new_code, client="client:a") == listing


def test_only_listings_get_codes() -> None:
    active = ShopFactory()
    with pytest.raises(InvalidTransition):
        claim_code_create(shop=active)
    assert not ClaimCode.objects.exists()


def test_tries_are_rate_limited_per_client(listing: Shop, settings: object) -> None:
    settings.LADENKARTE_CLAIM_RATE = "3/h"  # type: ignore[attr-defined]
    for _ in range(3):
        with pytest.raises(ValidationFailed):
            claim_code_check(code="AAAA-AAAA-AAAA", client="client:guesser")
    with pytest.raises(RateLimited):
        claim_code_check(code="AAAA-AAAA-AAAA", client="client:guesser")
    _claim, code = claim_code_create(shop=listing)
    assert claim_code_check(code=code, client="client:someone-else") == listing


def test_invalid_data_changes_nothing(listing: Shop) -> None:
    _claim, code = claim_code_create(shop=listing)
    with pytest.raises(ValidationFailed) as error:
        shop_claim(code=code, confirmation=confirmation(street="", owner_password="123"))
    assert set(error.value.details) == {"street", "owner_password"}
    listing.refresh_from_db()
    assert listing.status == Shop.Status.LISTED
    assert ClaimCode.objects.get().used_at is None


def test_signed_in_user_claims_without_a_new_account(listing: Shop) -> None:
    user = UserFactory()
    _claim, code = claim_code_create(shop=listing)
    shop, owner = shop_claim(
        code=code, confirmation=confirmation(owner_email="", owner_password=""), user=user
    )
    assert owner == user
    assert shop.memberships.get().user == user


def _race(count: int, target: Callable[[int], object]) -> list[object]:
    results: list[object] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # the loser's error is the result under test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_eight_people_racing_with_the_same_code_make_exactly_one_owner() -> None:
    # given
    shop = ShopFactory(status=Shop.Status.LISTED)
    _claim, code = claim_code_create(shop=shop)
    # when: eight claims with the same code at the same moment, each with its own new account
    results = _race(
        8, lambda i: shop_claim(code=code, confirmation=confirmation(owner_email=f"owner{i}@example.org"))
    )
    # then: one wins; the others are refused and leave no account behind
    won = [r for r in results if isinstance(r, tuple)]
    lost = [r for r in results if isinstance(r, ValidationFailed | InvalidTransition)]
    assert (len(won), len(lost)) == (1, 7)
    assert ShopMembership.objects.filter(shop=shop).count() == 1
    assert get_user_model().objects.filter(email__startswith="owner").count() == 1
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE


# --- the claim e-mail goes through the outbox ---------------------------------------------------------------


def test_claim_email_is_an_outbox_row_with_the_code_sealed_until_sent(
    listing: Shop, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    # given a listing with an address from OSM
    from django.core import mail

    from marketplace.models import OutboxMessage
    from marketplace.services.claim_letters import claim_code_send_email
    from marketplace.services.outbox import outbox_dispatch

    listing.email = "teehaus@example.org"
    listing.save(update_fields=["email"])
    # when the city e-mails the code, and no worker has run yet
    with django_capture_on_commit_callbacks(execute=False):  # type: ignore[operator]
        claim = claim_code_send_email(shop=listing)
    # then the row waits; the code is neither in its payload nor readable in the sealed column
    row = OutboxMessage.objects.get(kind="email.claim_code")
    assert row.payload == {"claim_code_id": claim.pk}
    assert row.sealed
    assert mail.outbox == []
    # when the dispatcher runs
    outbox_dispatch()
    # then one e-mail with the code that claims the listing, and the secret is wiped
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["teehaus@example.org"]
    code = mail.outbox[0].body.split("?code=")[1].split()[0]
    assert claim_code_check(code=code, client="test").pk == listing.pk
    row.refresh_from_db()
    assert row.state == OutboxMessage.State.DELIVERED
    assert row.sealed == ""


def test_a_code_revoked_before_the_email_goes_out_is_not_sent(
    listing: Shop, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    # given an e-mail waiting in the outbox
    from django.core import mail

    from marketplace.services.claim_letters import claim_code_send_email
    from marketplace.services.outbox import outbox_dispatch

    listing.email = "teehaus@example.org"
    listing.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False):  # type: ignore[operator]
        claim_code_send_email(shop=listing)
        # when the city prints a letter instead before the dispatcher runs (the e-mailed code is revoked)
        claim_code_create(shop=listing)
    outbox_dispatch()
    # then no e-mail with a dead code
    assert mail.outbox == []
