"""Idempotency keys (Stripe-like): the first response to a key is kept and replayed for repeats.

A request claims `(scope, key)` inside the transaction of its write, together with the response it stores
(`idempotency_complete`), so a committed write always has its stored response and a request that dies
leaves nothing behind. A concurrent duplicate must not wait for the first: the claim takes a try-lock on
the key (`pg_try_advisory_xact_lock` in its own two-key space, released at commit or rollback) before it
inserts, and a duplicate that finds the key locked is told `idempotency_key_in_use` at once. Only a
SHA-256 of the key is stored. A claim left `in_progress` by an older release (claims were committed on
their own then) is taken over by the same request after `LEASE`; records expire after
`LADENKARTE_IDEMPOTENCY_HOURS`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from marketplace.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused
from marketplace.infrastructure.prepared import prepared_cursor
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


def _key_lock(scope: str, key_hash: str) -> int:
    """The key's advisory lock (second half of the two-key form; the first is `_LOCK_SPACE`)."""
    return int.from_bytes(hashlib.sha256(f"{scope}|{key_hash}".encode()).digest()[:4], "big", signed=True)


# The two-key advisory locks' first key for idempotency keys: the one-key (bigint) locks of the e-mail
# address and the shop (marketplace.services.reservations, inventory) are another lock space.
_LOCK_SPACE = 0x1DE3


def idempotency_claim(
    *, scope: str, key: str, fingerprint: str, now: datetime | None = None
) -> IdempotencyClaim:
    """Claim `key` for this request, or return the stored response of the same earlier request.

    Raises `IdempotencyKeyReused` (other request, same key) or `IdempotencyKeyInUse` (still running).
    Call inside the transaction of the write (it must not be autocommit: the try-lock lasts until the
    transaction ends); the usual case, a new key, costs one statement.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_claim must run inside the transaction of the write it answers")
    now = now or timezone.now()
    key_hash = idempotency_key_hash(key)
    expires_at = now + timedelta(hours=settings.LADENKARTE_IDEMPOTENCY_HOURS)
    with prepared_cursor() as cursor:
        cursor.execute(
            "WITH lock AS (SELECT pg_try_advisory_xact_lock(%s::int, %s::int) AS free), claimed AS ("  # noqa: S608
            f"INSERT INTO {_TABLE} (key, scope, fingerprint, state, created_at, expires_at) "
            "SELECT %s, %s, %s, 'in_progress', %s, %s FROM lock WHERE free "
            "ON CONFLICT (scope, key) DO NOTHING RETURNING id) "
            "SELECT free, (SELECT id FROM claimed) FROM lock",
            [_LOCK_SPACE, _key_lock(scope, key_hash), key_hash, scope, fingerprint, now, expires_at],
        )
        free, record_id = cursor.fetchone()
        if not free:  # a request with this key is running now (its transaction holds the lock)
            raise IdempotencyKeyInUse()
        if record_id is not None:
            return IdempotencyClaim(record_id=record_id)
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


def idempotency_complete(*, record_id: int, status: int, body_json: str) -> None:
    """Store the response (`body_json`: its JSON text) of a claimed request; call inside the transaction of
    the write it answers."""
    with prepared_cursor() as cursor:  # one plain UPDATE: this runs on every idempotent write
        cursor.execute(
            f"UPDATE {_TABLE} SET state = %s, response_status = %s, response_body = %s::jsonb "  # noqa: S608
            "WHERE id = %s AND state = %s",
            [
                IdempotencyRecord.State.DONE.value,
                status,
                body_json,
                record_id,
                IdempotencyRecord.State.IN_PROGRESS.value,
            ],
        )


def idempotency_release(*, record_id: int) -> None:
    """Give a claim up (the request failed without a result worth keeping): the key may be used again once
    the transaction commits; the request's own writes stay."""
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
