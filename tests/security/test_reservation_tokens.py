"""Finding 7: a reservation's secret token is kept nowhere in the clear. The session of the browser that
reserved holds it sealed (the session table and its backups open no reservation), the e-mail's outbox row
holds it sealed (and the background jobs get no arguments at all: they read the outbox), the reservation
itself only its hash."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from marketplace.models import OutboxMessage, Reservation
from marketplace.tasks import outbox_dispatch
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def reserve(client: Client) -> str:
    product = ProductFactory(quantity_on_hand=3)
    data = {
        "quantity": "1",
        "name": "Erika Muster",
        "email": "erika@example.org",
        "phone": "",
        "consent": "on",
        "form_key": str(uuid.uuid4()),
    }
    return str(client.post(f"/produkt/{product.pk}/reservieren/", data).headers["Location"])


def test_the_token_is_sealed_in_the_session_and_the_outbox_and_the_page_still_shows_it(client: Client):
    # given / when: a resident reserves on the website and opens the confirmation
    confirmation = client.get(reserve(client))
    # then: the confirmation still offers the status link with the token ...
    html = confirmation.content.decode()
    token = re.search(r'href="/reservierung/[^"]+\?token=([^"&]+)" data-testid="status-link"', html).group(1)
    assert confirmation.status_code == 200
    assert len(token) >= 20
    # ... but no stored row holds it readable: sessions, outbox rows, the reservation
    stored = [str(session.get_decoded()) + session.session_data for session in Session.objects.all()]
    stored += [f"{row.payload} {row.sealed}" for row in OutboxMessage.objects.all()]
    stored += [str(row) for row in Reservation.objects.values()]
    assert OutboxMessage.objects.filter(kind__startswith="email.").exists()
    assert all(token not in text for text in stored)


def test_the_background_jobs_take_no_arguments():
    # given / when / then: the dispatcher reads the outbox; nothing secret can be in a Celery message
    assert outbox_dispatch.run.__code__.co_argcount == 0
