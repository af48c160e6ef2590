"""The transactional outbox: every side effect of a write is a row written in the write's own transaction.

A write never talks to the mail server, a merchant's webhook or the Celery broker. It calls `outbox_put`
inside its transaction; the row commits with the write or not at all. The dispatcher (`outbox_dispatch`:
the Celery beat task `outbox-dispatch` every few seconds, or `manage.py outbox_dispatch --loop` without
Celery) claims due rows with `FOR UPDATE SKIP LOCKED`, runs their handler outside any transaction and
records the outcome:

    pending --handler ok--> delivered
    pending/retrying --handler fails--> retrying (due again after the kind's back-off)
    retrying --attempts used up, or the handler gives up--> dead (kept for the city's admin; "retry" revives)

Delivery is at least once: a claim is a lease (`Handler.lease`); a dispatcher that dies mid-row leaves the
row to be claimed again after the lease. Only a row still waiting can be claimed, and only the claim's owner
may record its outcome, so a row that was delivered is never run again and two dispatchers never run the
same row at the same time. One row is one e-mail (or one webhook POST), so a retry never repeats a sibling.
The one window left, a process dying between a successful send and recording it, is covered downstream:
e-mails carry a Message-ID made from the row, webhook POSTs the event id (`X-Ladenkarte-Delivery`).

To add a side effect: add its kind to `HANDLERS` (the handler's dotted path, attempts, back-off), write the
handler `(message: OutboxMessage, secret: str) -> None` (raise `OutboxRetry` / `OutboxGiveUp`, any other
exception is retried too), and call `outbox_put(kind=..., payload=...)` inside the transaction of the write.
Payloads are JSON; a secret the handler needs (a reservation token) goes into `secret=` and is stored
encrypted and wiped after delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from marketplace.infrastructure.prepared import prepared_cursor
from marketplace.models import OutboxMessage, Shop, Webhook

logger = logging.getLogger(__name__)

_TABLE = OutboxMessage._meta.db_table
WAITING = (OutboxMessage.State.PENDING.value, OutboxMessage.State.RETRYING.value)
# One dispatch run stops after this long; the next run goes on with what is still due.
DISPATCH_MAX_SECONDS = 50.0


class OutboxRetry(Exception):
    """Raised by a handler: this attempt failed; retry after `delay` seconds (else the kind's back-off)."""

    def __init__(self, reason: str, *, delay: int | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class OutboxGiveUp(Exception):
    """Raised by a handler: retrying cannot help (e.g. the webhook was disabled); the row goes dead."""


def backoff_exponential(base: int, cap: int) -> Callable[[int], int]:
    """`base * 2**(n-1)` seconds after failed attempt n, at most `cap`."""
    return lambda attempt: int(min(cap, base * 2 ** (attempt - 1)))


def _webhook_backoff(attempt: int) -> int:
    from marketplace.services.webhooks import retry_delay

    return retry_delay(attempt)


@dataclass(frozen=True)
class Handler:
    path: str  # dotted path of `(message, secret) -> None`
    max_attempts: int | Callable[[], int] = 12
    backoff: Callable[[int], int] = field(default=backoff_exponential(30, 3600))
    lease: timedelta = timedelta(minutes=10)  # longer than one run can take

    def attempts(self) -> int:
        return self.max_attempts() if callable(self.max_attempts) else self.max_attempts


# kind -> handler. E-mails: 12 attempts, 30 s doubling up to an hour (about 7 h in all: an SMTP outage of an
# evening). Webhooks follow the webhook service's own schedule (30 s x 4^n, LADENKARTE_WEBHOOK_MAX_ATTEMPTS).
HANDLERS: dict[str, Handler] = {
    "email.reservation_resident": Handler("marketplace.services.reservation_emails.resident_email_deliver"),
    "email.reservation_merchant": Handler("marketplace.services.reservation_emails.merchant_email_deliver"),
    "email.shop_status": Handler("marketplace.services.shops.shop_status_email_deliver"),
    "email.shop_registered_city": Handler("marketplace.services.shops.shop_registered_city_email_deliver"),
    "email.signup_verify": Handler("marketplace.services.signup.signup_verify_email_deliver"),
    "email.signup_exists": Handler("marketplace.services.signup.signup_exists_email_deliver"),
    "email.claim_code": Handler("marketplace.services.claim_letters.claim_code_email_deliver"),
    "email.stale_stock": Handler("marketplace.services.data_health.stale_stock_email_deliver"),
    "email.job_expiring": Handler("marketplace.services.jobs.job_expiry_email_deliver"),
    "email.merchant_message": Handler(
        "marketplace.services.merchant_messages.merchant_message_email_deliver"
    ),
    "email.feedback_request": Handler("marketplace.services.feedback.feedback_request_email_deliver"),
    "email.feedback_shop": Handler("marketplace.services.feedback.feedback_shop_email_deliver"),
    "email.feedback_answer": Handler("marketplace.services.feedback.feedback_answer_email_deliver"),
    "email.stock_alert_confirm": Handler("marketplace.services.alerts.stock_alert_confirm_email_deliver"),
    "email.stock_alert": Handler("marketplace.services.alerts.stock_alert_email_deliver"),
    "alerts.match": Handler(
        "marketplace.services.alerts.alerts_match_deliver", max_attempts=5, lease=timedelta(minutes=10)
    ),
    "webhook.event": Handler(
        "marketplace.services.webhooks.webhook_event_deliver",
        max_attempts=lambda: int(settings.LADENKARTE_WEBHOOK_MAX_ATTEMPTS),
        backoff=_webhook_backoff,
        lease=timedelta(minutes=2),
    ),
    "search.words_refresh": Handler(
        "marketplace.services.search_index.search_words_refresh_deliver", max_attempts=5
    ),
    "connector.pull": Handler(
        "marketplace.services.connectors.connector_pull_deliver", max_attempts=3, lease=timedelta(minutes=30)
    ),
    "csv_import.run": Handler(
        "marketplace.services.csv_import.import_job_deliver", max_attempts=3, lease=timedelta(hours=1)
    ),
}


# --- writing -----------------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hmac.new(settings.SECRET_KEY.encode(), b"ladenkarte-outbox-seal", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:  # SECRET_KEY rotated since the row was written
        raise OutboxGiveUp("the sealed secret cannot be read (SECRET_KEY changed?)") from None


@dataclass(frozen=True)
class Outgoing:
    """One side effect to record (see `outbox_put` for the fields)."""

    kind: str
    payload: dict[str, Any]
    secret: str = ""
    shop: Shop | int | None = None
    webhook: Webhook | int | None = None
    dedupe_key: str = ""
    delay: int = 0


def outbox_put(
    *,
    kind: str,
    payload: dict[str, Any],
    secret: str = "",
    shop: Shop | int | None = None,
    webhook: Webhook | int | None = None,
    dedupe_key: str = "",
    delay: int = 0,
    now: datetime | None = None,
) -> None:
    """Record one side effect in the current transaction; it is delivered after the commit (never before,
    never without it). Must be called inside the write's `transaction.atomic()`.

    `payload`: JSON for the handler (ids, not objects: the handler reads the committed state). `secret`:
    stored encrypted, handed to the handler, wiped after delivery. `shop` / `webhook`: whose it is (the
    merchant's webhook queue, the city's admin). `dedupe_key`: while a row of this kind and key waits,
    another one is not added (a burst of catalogue changes rebuilds the word list once). `delay`: due that
    many seconds from now.
    """
    outbox_put_all(
        [Outgoing(kind, payload, secret, shop, webhook, dedupe_key, delay)],
        now=now,
    )


def outbox_put_all(messages: Sequence[Outgoing], *, now: datetime | None = None) -> None:
    """`outbox_put` for several rows in one INSERT (e.g. a reservation's e-mails, a sweeper batch)."""
    if not messages:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_put must run inside the transaction of the write it belongs to")
    now = now or timezone.now()
    kinds: list[str] = []
    payloads: list[str] = []
    sealed: list[str] = []
    dedupe_keys: list[str] = []
    shops: list[int | None] = []
    webhooks: list[int | None] = []
    max_attempts: list[int] = []
    due: list[datetime] = []
    for message in messages:
        if message.kind not in HANDLERS:
            raise ValueError(f"unknown outbox kind {message.kind!r}")
        kinds.append(message.kind)
        payloads.append(_json(message.payload))
        sealed.append(_fernet().encrypt(message.secret.encode()).decode() if message.secret else "")
        dedupe_keys.append(message.dedupe_key)
        shops.append(message.shop.pk if isinstance(message.shop, Shop) else message.shop)
        webhooks.append(message.webhook.pk if isinstance(message.webhook, Webhook) else message.webhook)
        max_attempts.append(HANDLERS[message.kind].attempts())
        due.append(now + timedelta(seconds=message.delay))
    # One statement of fixed size whatever the number of rows (arrays, not a VALUES list of 10 placeholders
    # a row: building that query string cost more than the insert for thousands of alert e-mails).
    # Prepared: every hold and every sweep writes its e-mails through it.
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (kind, payload, sealed, dedupe_key, shop_id, webhook_id, state, "  # noqa: S608
            "attempts, max_attempts, due_at, last_error, created_at) "
            "SELECT m.kind, m.payload::jsonb, m.sealed, m.dedupe_key, m.shop_id, m.webhook_id, %s, 0, "
            "m.max_attempts, m.due_at, '', %s FROM unnest(%s::varchar[], %s::text[], %s::text[], "
            "%s::varchar[], %s::bigint[], %s::bigint[], %s::smallint[], %s::timestamptz[]) WITH ORDINALITY "
            "AS m(kind, payload, sealed, dedupe_key, shop_id, webhook_id, max_attempts, due_at, n) "
            "ORDER BY m.n ON CONFLICT DO NOTHING RETURNING id",
            [
                OutboxMessage.State.PENDING.value,
                now,
                kinds,
                payloads,
                sealed,
                dedupe_keys,
                shops,
                webhooks,
                max_attempts,
                due,
            ],
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
    if ids and settings.LADENKARTE_OUTBOX_DELIVER_ON_COMMIT:
        # No worker (laptop demo, tests): deliver right after the commit, in this process. A failure stays a
        # retrying row for `manage.py outbox_dispatch`; `robust` keeps it from touching the answer.
        transaction.on_commit(partial(_deliver_after_commit, ids), robust=True)


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def _deliver_after_commit(message_ids: list[int]) -> None:
    for message_id in message_ids:
        outbox_deliver(message_id=message_id, ignore_due=True)


# --- dispatching -------------------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def total(self) -> int:
        return self.delivered + self.retrying + self.dead

    def add(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    attempts: int
    max_attempts: int
    claim: uuid.UUID


def _claim(*, ids: Sequence[int] | None, limit: int, now: datetime, ignore_due: bool) -> list[_Claimed]:
    """Take up to `limit` due rows (or the given `ids`) for this dispatcher: one short transaction."""
    claim = uuid.uuid4()
    where = ["state = ANY(%(waiting)s)", "(claimed_until IS NULL OR claimed_until <= %(now)s)"]
    if not ignore_due:
        where.append("due_at <= %(now)s")
    if ids is not None:
        where.append("id = ANY(%(ids)s)")
    params: dict[str, Any] = {"waiting": list(WAITING), "now": now, "ids": list(ids or []), "limit": limit}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, kind, attempts, max_attempts FROM {_TABLE} WHERE {' AND '.join(where)} "  # noqa: S608
            "ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED",
            params,
        )
        rows = cursor.fetchall()
        claimed: list[_Claimed] = []
        for message_id, kind, attempts, max_attempts in rows:
            handler = HANDLERS.get(kind)
            if handler is None or attempts >= max_attempts:
                # Unknown kind (code removed), or the last attempt's dispatcher died before recording it.
                reason = "unknown kind" if handler is None else "the last attempt did not report back"
                cursor.execute(
                    f"UPDATE {_TABLE} SET state = %s, sealed = '', claim = NULL, claimed_until = NULL, "  # noqa: S608
                    "last_error = %s WHERE id = %s",
                    [OutboxMessage.State.DEAD.value, reason, message_id],
                )
                logger.error("outbox: message %s (%s) is dead: %s", message_id, kind, reason)
                continue
            cursor.execute(
                f"UPDATE {_TABLE} SET claim = %s, claimed_until = %s, attempts = attempts + 1 "  # noqa: S608
                "WHERE id = %s",
                [claim, now + handler.lease, message_id],
            )
            claimed.append(_Claimed(message_id, kind, attempts + 1, max_attempts, claim))
    return claimed


def _record(claimed: _Claimed, *, state: str, error: str = "", due_at: datetime | None = None) -> bool:
    """Store the outcome, only if the claim is still ours (a lease that ran out was taken over)."""
    now = timezone.now()
    fields: dict[str, Any] = {"state": state, "claim": None, "claimed_until": None, "last_error": error[:500]}
    if state == OutboxMessage.State.DELIVERED:
        fields.update(delivered_at=now, sealed="")
    elif state == OutboxMessage.State.DEAD:
        fields.update(sealed="")
    else:
        fields.update(due_at=due_at or now)
    try:
        with transaction.atomic():
            return bool(OutboxMessage.objects.filter(pk=claimed.id, claim=claimed.claim).update(**fields))
    except IntegrityError:
        # A deduplicated row failed while a newer one of the same key was added: the newer one does the work.
        fields.update(
            state=OutboxMessage.State.DELIVERED, delivered_at=now, sealed="", last_error="superseded"
        )
        return bool(OutboxMessage.objects.filter(pk=claimed.id, claim=claimed.claim).update(**fields))


def _run(claimed: _Claimed) -> str:
    """Run one claimed row's handler (no transaction open) and record the outcome; returns the new state."""
    handler = HANDLERS[claimed.kind]
    message = OutboxMessage.objects.get(pk=claimed.id)
    try:
        import_string(handler.path)(message, _unseal(message.sealed))
    except OutboxGiveUp as exc:
        state, error, due_at = OutboxMessage.State.DEAD.value, str(exc), None
    except Exception as exc:
        delay = exc.delay if isinstance(exc, OutboxRetry) and exc.delay is not None else None
        if claimed.attempts >= claimed.max_attempts:
            state, due_at = OutboxMessage.State.DEAD.value, None
        else:
            state = OutboxMessage.State.RETRYING.value
            due_at = timezone.now() + timedelta(
                seconds=delay if delay is not None else handler.backoff(claimed.attempts)
            )
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, OutboxRetry) else str(exc)
        if not isinstance(exc, OutboxRetry):
            logger.warning(
                "outbox: %s #%s attempt %s failed", claimed.kind, claimed.id, claimed.attempts, exc_info=True
            )
    else:
        state, error, due_at = OutboxMessage.State.DELIVERED.value, "", None
    if state == OutboxMessage.State.DEAD:
        logger.error(
            "outbox: %s #%s is dead after %s attempts: %s", claimed.kind, claimed.id, claimed.attempts, error
        )
    if not _record(claimed, state=state, error=error, due_at=due_at):
        logger.warning("outbox: %s #%s: claim lost before its outcome was recorded", claimed.kind, claimed.id)
    return state


def outbox_dispatch(*, limit: int = 100, now: datetime | None = None) -> DispatchReport:
    """Deliver due rows in batches of `limit` until none is due or `DISPATCH_MAX_SECONDS` have passed.

    Safe to run in several processes at once (rows are claimed with SKIP LOCKED).
    """
    report = DispatchReport()
    started = time.monotonic()
    while time.monotonic() - started < DISPATCH_MAX_SECONDS:
        claimed = _claim(ids=None, limit=limit, now=now or timezone.now(), ignore_due=False)
        for row in claimed:
            report.add(_run(row))
        if len(claimed) < limit:
            break
    return report


def outbox_deliver(*, message_id: int, ignore_due: bool = False) -> str | None:
    """Deliver one row now if it is waiting (and due, unless `ignore_due`); returns its new state, or None
    when it was not waiting (delivered, dead, or claimed by another dispatcher): a second call is a no-op."""
    claimed = _claim(ids=[message_id], limit=1, now=timezone.now(), ignore_due=ignore_due)
    return _run(claimed[0]) if claimed else None


@transaction.atomic
def outbox_retry(*, message_ids: Iterable[int], now: datetime | None = None) -> int:
    """Revive dead rows (an operator fixed the cause): due now, with a fresh set of attempts."""
    return OutboxMessage.objects.filter(pk__in=list(message_ids), state=OutboxMessage.State.DEAD).update(
        state=OutboxMessage.State.PENDING, attempts=0, due_at=now or timezone.now(), last_error=""
    )


def outbox_purge(*, now: datetime | None = None) -> int:
    """Delete delivered rows older than `LADENKARTE_OUTBOX_KEEP_DAYS`; dead rows stay until handled."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LADENKARTE_OUTBOX_KEEP_DAYS)
    deleted, _by_model = OutboxMessage.objects.filter(
        state=OutboxMessage.State.DELIVERED, delivered_at__lt=cutoff
    ).delete()
    return int(deleted)


def outbox_message_id(message: OutboxMessage) -> str:
    """The Message-ID of the e-mail a row sends: the same on every attempt, so a mail system can drop a
    duplicate of the one window at-least-once delivery leaves open."""
    domain = str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip(" >") or "ladenkarte"
    return f"<outbox-{message.pk}@{domain}>"
