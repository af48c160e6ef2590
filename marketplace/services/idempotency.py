"""Idempotency keys (Stripe-like): the first response to a key is kept and replayed for repeats.

A request claims `(scope, key)` in its own short transaction (INSERT ... ON CONFLICT DO NOTHING), so a
concurrent duplicate sees the claim at once and is told `idempotency_key_in_use`. The owner stores its
response in the same transaction as its write (`idempotency_complete`), so a committed write always has its
stored response. Only a SHA-256 of the key is stored. A claim whose request died (no response after
`LEASE`) may be taken over by the same request; records expire after `LADENKARTE_IDEMPOTENCY_HOURS`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from marketplace.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused
from marketplace.models import IdempotencyRecord

# Longer than any request may run (gunicorn times workers out after 30 s).
LEASE = timedelta(minutes=5)

_TABLE = IdempotencyRecord._meta.db_table


@dataclass(frozen=True)
class IdempotencyClaim:
    """Either ours to run (`record_id`) or a stored response to replay (`status`, `body`)."""

    record_id: int | None = None
    status: int | None = None
    body: Any = None

    @property
    def is_replay(self) -> bool:
        return self.record_id is None


def idempotency_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idempotency_claim(
    *, scope: str, key: str, fingerprint: str, now: datetime | None = None
) -> IdempotencyClaim:
    """Claim `key` for this request, or return the stored response of the same earlier request.

    Raises `IdempotencyKeyReused` (other request, same key) or `IdempotencyKeyInUse` (still running).
    Call outside any transaction so the claim is visible to others at once: every statement here is its
    own transaction (autocommit), so the usual case, a new key, costs one round trip.
    """
    now = now or timezone.now()
    key_hash = idempotency_key_hash(key)
    expires_at = now + timedelta(hours=settings.LADENKARTE_IDEMPOTENCY_HOURS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (key, scope, fingerprint, state, created_at, expires_at) "  # noqa: S608
            "VALUES (%s, %s, %s, 'in_progress', %s, %s) ON CONFLICT (scope, key) DO NOTHING RETURNING id",
            [key_hash, scope, fingerprint, now, expires_at],
        )
        row = cursor.fetchone()
        if row is not None:
            return IdempotencyClaim(record_id=row[0])
        # An expired record, or an abandoned claim of this very request, is taken over.
        cursor.execute(
            f"UPDATE {_TABLE} SET fingerprint = %s, state = 'in_progress', response_status = NULL, "  # noqa: S608
            "response_body = NULL, created_at = %s, expires_at = %s "
            "WHERE scope = %s AND key = %s AND (expires_at <= %s "
            "OR (state = 'in_progress' AND created_at <= %s AND fingerprint = %s)) RETURNING id",
            [fingerprint, now, expires_at, scope, key_hash, now, now - LEASE, fingerprint],
        )
        row = cursor.fetchone()
        if row is not None:
            return IdempotencyClaim(record_id=row[0])
    record = IdempotencyRecord.objects.filter(scope=scope, key=key_hash).first()
    if record is None:  # purged in between: claim again
        return idempotency_claim(scope=scope, key=key, fingerprint=fingerprint, now=now)
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.state == IdempotencyRecord.State.IN_PROGRESS:
        raise IdempotencyKeyInUse()
    return IdempotencyClaim(status=record.response_status, body=record.response_body)


def idempotency_complete(*, record_id: int, status: int, body: Any) -> None:
    """Store the response of a claimed request; call inside the transaction of the write it answers."""
    with connection.cursor() as cursor:  # one plain UPDATE: this runs on every idempotent write
        cursor.execute(
            f"UPDATE {_TABLE} SET state = %s, response_status = %s, response_body = %s::jsonb "  # noqa: S608
            "WHERE id = %s AND state = %s",
            [
                IdempotencyRecord.State.DONE.value,
                status,
                json.dumps(body),
                record_id,
                IdempotencyRecord.State.IN_PROGRESS.value,
            ],
        )


def idempotency_release(*, record_id: int) -> None:
    """Give a claim up (the request failed without a result worth keeping): the key may be used again."""
    IdempotencyRecord.objects.filter(pk=record_id, state=IdempotencyRecord.State.IN_PROGRESS).delete()


def idempotency_records_purge(*, now: datetime | None = None, batch_size: int = 5000) -> int:
    """Delete expired records in batches; returns how many were deleted."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_TABLE} WHERE id IN (SELECT id FROM {_TABLE} "  # noqa: S608
                "WHERE expires_at <= %s LIMIT %s FOR UPDATE SKIP LOCKED)",
                [now, batch_size],
            )
            deleted = int(cursor.rowcount)
        total += deleted
        if deleted < batch_size:
            return total
