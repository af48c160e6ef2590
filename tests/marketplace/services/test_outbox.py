"""The transactional outbox: rows commit with the write or not at all, and each is delivered exactly once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from marketplace.models import OutboxMessage, Reservation, Shop
from marketplace.selectors.outbox import outbox_depth
from marketplace.services import reservations as svc
from marketplace.services.claim_letters import claim_code_send_email
from marketplace.services.outbox import (
    HANDLERS,
    outbox_deliver,
    outbox_dispatch,
    outbox_purge,
    outbox_put,
    outbox_retry,
)
from tests.factories import ProductFactory, ShopFactory


def reserve(*, email: str = "erika@example.org") -> svc.CreatedReservation:
    product = ProductFactory(quantity_on_hand=5, shop=ShopFactory(email="laden@example.org"))
    return svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=1)],
        contact=svc.Contact(name="Erika", email=email),
    )


@pytest.fixture
def smtp_down(settings: Any) -> None:
    """A real SMTP backend pointed at a loopback port nobody listens on: every send fails."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2


def reserve_then_fail() -> None:
    with transaction.atomic():
        reserve()
        assert OutboxMessage.objects.count() == 2
        raise RuntimeError("the write fails after its side effects were recorded")


@pytest.mark.django_db
def test_rows_are_part_of_the_write_and_vanish_with_its_rollback(django_capture_on_commit_callbacks):
    # given / when: a reservation whose transaction is rolled back after the outbox rows were written
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="fails after"):
        reserve_then_fail()
    # then: neither the reservation nor its e-mails exist, nothing was sent
    assert (Reservation.objects.count(), OutboxMessage.objects.count(), mail.outbox) == (0, 0, [])


@pytest.mark.django_db(transaction=True)
def test_putting_a_row_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_put(kind="search.words_refresh", payload={})
    with pytest.raises(ValueError, match="unknown outbox kind"), transaction.atomic():
        outbox_put(kind="email.nobody", payload={})


@pytest.mark.django_db
def test_a_row_delivered_twice_sends_one_email(django_capture_on_commit_callbacks):
    # given: a reservation whose e-mails wait (no delivery on commit)
    with django_capture_on_commit_callbacks(execute=False):
        created = reserve()
    resident = OutboxMessage.objects.get(kind="email.reservation_resident")
    # when: the same row is handed to the dispatcher twice
    first = outbox_deliver(message_id=resident.pk)
    second = outbox_deliver(message_id=resident.pk)
    # then: one e-mail, with the token, and a Message-ID made from the row
    assert (first, second) == ("delivered", None)
    assert len(mail.outbox) == 1
    assert f"?token={created.token}" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<outbox-{resident.pk}@")


@pytest.mark.django_db
def test_the_token_is_stored_encrypted_and_wiped_after_delivery(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=False):
        created = reserve()
    resident = OutboxMessage.objects.get(kind="email.reservation_resident")
    # then: the stored row does not contain the token
    assert resident.sealed
    assert created.token not in resident.sealed
    assert created.token not in str(resident.payload)
    # when
    outbox_dispatch()
    # then
    resident.refresh_from_db()
    assert (resident.state, resident.sealed) == ("delivered", "")


@pytest.mark.django_db
def test_a_failing_email_is_retried_with_back_off_then_dead_and_can_be_revived(
    smtp_down, settings, django_capture_on_commit_callbacks
):
    # given: the mail server is down; the resident e-mail of a new reservation waits
    with django_capture_on_commit_callbacks(execute=False):
        reserve()
    OutboxMessage.objects.filter(kind="email.reservation_merchant").delete()
    message = OutboxMessage.objects.get()
    attempts = HANDLERS["email.reservation_resident"].attempts()
    backoff = HANDLERS["email.reservation_resident"].backoff
    # when: the dispatcher runs whenever the row is due, until it gives up
    states = []
    for _ in range(attempts):
        message.refresh_from_db()
        outbox_dispatch(now=message.due_at + timedelta(seconds=1))
        message.refresh_from_db()
        states.append(message.state)
    # then: retrying with growing pauses, dead after the last attempt, the error kept
    assert states == ["retrying"] * (attempts - 1) + ["dead"]
    assert [backoff(n) for n in (1, 2, 3, 7, 8)] == [30, 60, 120, 1920, 3600]
    assert message.attempts == attempts
    assert "ConnectionRefusedError" in message.last_error
    assert message.sealed == ""  # a dead row keeps no secret
    assert outbox_depth().dead == 1
    # when: the mail server is back and the operator revives the row
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_retry(message_ids=[message.pk]) == 1
    report = outbox_dispatch()
    # then: sent once (without the token it had: the confirmation now carries no link)
    assert (report.delivered, len(mail.outbox)) == (1, 1)


@pytest.mark.django_db
def test_a_claim_whose_dispatcher_died_is_taken_over_after_its_lease(django_capture_on_commit_callbacks):
    # given: a dispatcher claimed the row and died (its claim stays, the lease runs)
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        outbox_put(kind="search.words_refresh", payload={})
    message = OutboxMessage.objects.get()
    lease = HANDLERS["search.words_refresh"].lease
    dead_claim = uuid.uuid4()
    OutboxMessage.objects.filter(pk=message.pk).update(
        claim=dead_claim, claimed_until=timezone.now() + lease, attempts=1
    )
    # when: the dispatcher runs during the lease, and after it
    during = outbox_dispatch()
    after = outbox_dispatch(now=timezone.now() + lease + timedelta(seconds=1))
    # then: not touched during the lease, delivered by the second dispatcher after it
    assert (during.total, after.delivered) == (0, 1)
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("delivered", 2)
    # and the dead dispatcher's late report changes nothing (its claim is gone)
    assert OutboxMessage.objects.filter(pk=message.pk, claim=dead_claim).count() == 0


@pytest.mark.django_db(transaction=True)
def test_dispatchers_racing_deliver_every_row_exactly_once(settings):
    # given: 40 e-mails waiting (no delivery on commit), four dispatchers in threads
    settings.LADENKARTE_OUTBOX_DELIVER_ON_COMMIT = False
    shop = ShopFactory(email="laden@example.org")
    products = [ProductFactory(shop=shop, quantity_on_hand=5) for _ in range(20)]
    for n, product in enumerate(products):
        svc.reservation_create(
            items=[svc.LineRequest(product_id=product.pk, quantity=1)],
            contact=svc.Contact(name="E", email=f"e{n}@example.org"),
        )
    assert OutboxMessage.objects.filter(state="pending").count() == 40
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def dispatch() -> None:
        try:
            barrier.wait()
            outbox_dispatch(limit=3)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: 40 e-mails, no Message-ID twice, every row delivered once
    assert errors == []
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert (len(ids), len(set(ids))) == (40, 40)
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {("delivered", 1)}


@pytest.mark.django_db
def test_depth_counts_waiting_and_dead_and_the_age_of_the_oldest_due(django_capture_on_commit_callbacks):
    # given: two waiting rows (one due 10 minutes ago, one not yet due) and a dead one
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        outbox_put(kind="csv_import.run", payload={"job_id": 0}, now=now - timedelta(minutes=10))
        outbox_put(kind="search.words_refresh", payload={}, delay=60, now=now)
        outbox_put(kind="csv_import.run", payload={"job_id": 1}, now=now)
    OutboxMessage.objects.filter(payload__job_id=1).update(state="dead")
    # when
    depth = outbox_depth(now=now)
    # then
    assert (depth.pending, depth.retrying, depth.dead, depth.waiting) == (2, 0, 1, 2)
    assert depth.oldest_age_seconds == 600


@pytest.mark.django_db
def test_purge_keeps_dead_rows_and_recent_deliveries(settings, django_capture_on_commit_callbacks):
    # given
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        for job_id in (1, 2, 3):
            outbox_put(kind="csv_import.run", payload={"job_id": job_id}, now=now)
    old = now - timedelta(days=settings.LADENKARTE_OUTBOX_KEEP_DAYS + 1)
    OutboxMessage.objects.filter(payload__job_id=1).update(state="delivered", delivered_at=old)
    OutboxMessage.objects.filter(payload__job_id=2).update(state="delivered", delivered_at=now)
    OutboxMessage.objects.filter(payload__job_id=3).update(state="dead")
    # when / then
    assert outbox_purge(now=now) == 1
    assert sorted(OutboxMessage.objects.values_list("payload__job_id", flat=True)) == [2, 3]


@pytest.mark.django_db
def test_the_management_command_delivers_what_is_due(capsys, django_capture_on_commit_callbacks):
    # given: e-mails waiting for a dispatcher
    with django_capture_on_commit_callbacks(execute=False):
        reserve()
    # when
    call_command("outbox_dispatch")
    # then
    assert len(mail.outbox) == 2
    assert "delivered 2, retrying 0, dead 0; waiting 0" in capsys.readouterr().out
    assert connection.in_atomic_block  # the test's own transaction is untouched


# Modules that run in requests (and the beat tasks' services): none may hand work to the broker or the mail
# server itself; their side effects are outbox rows. The handlers (`*_deliver`) send, from the dispatcher.
# An after-commit callback is allowed only as `robust=True` (in-process counters, which cannot fail a 500).
BYPASSES = (".delay(", ".apply_async(", "send_mail(", "send_mass_mail(")


def test_no_write_enqueues_to_the_broker_or_mails_directly():
    root = Path(__file__).resolve().parents[3]
    allowed = {"marketplace/services/outbox.py"}  # the on_commit delivery without a worker (robust=True)
    found = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for folder in ("marketplace", "api", "frontend", "geo", "ops", "backend")
        for path in (root / folder).rglob("*.py")
        if str(path.relative_to(root)) not in allowed and "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if not line.lstrip().startswith("#")
        and (
            any(bypass in line for bypass in BYPASSES) or ("on_commit(" in line and "robust=True" not in line)
        )
    ]
    assert found == []


@pytest.mark.django_db
def test_a_claim_code_email_is_an_outbox_row_with_the_code_sealed(django_capture_on_commit_callbacks):
    # given: a listing with an address; the city e-mails it a claim code (delivery waits: no worker yet)
    shop = ShopFactory(status=Shop.Status.LISTED, email="laden@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        claim = claim_code_send_email(shop=shop)
    row = OutboxMessage.objects.get(kind="email.claim_code")
    assert row.sealed
    assert row.payload == {"claim_code_id": claim.pk}  # the code itself only sealed
    assert mail.outbox == []
    # when
    outbox_dispatch()
    outbox_deliver(message_id=row.pk, ignore_due=True)  # handed over twice
    # then: one e-mail with the code's link; the sealed code is gone from the row
    row.refresh_from_db()
    assert (row.state, row.sealed) == ("delivered", "")
    assert len(mail.outbox) == 1
    assert "/laden-anmelden/code/?code=" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<outbox-{row.pk}@")
