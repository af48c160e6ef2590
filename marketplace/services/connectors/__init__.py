"""Till connectors (issue 16): adapters behind one interface and the services that run them.

`ADAPTERS` maps a `TillConnector.Kind` to its adapter (see `base.py` for the interface). The services here
create and change connectors, run a file import, a background pull (outbox `connector.pull`, scheduled by
the `connectors_pull_due` beat task, never in a request) or a signed push, and record every run's state,
last error and last success on the connector.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import DomainError, NotFound, ValidationFailed
from marketplace.models import OutboxMessage, Shop, TillConnector
from marketplace.services import webhook_transport
from marketplace.services.connectors.base import (
    FILE,
    PULL,
    PUSH,
    Adapter,
    ConnectorError,
    Parsed,
    credentials_seal,
    credentials_unseal,
    new_push_salt,
    push_secret,
    push_signature_valid,
    till_rows_apply,
)
from marketplace.services.connectors.dsfinvk import DsfinvkAdapter
from marketplace.services.connectors.lightspeed import LightspeedAdapter
from marketplace.services.connectors.mapped_csv import MappedCsvAdapter, mapping_clean, mapping_preview
from marketplace.services.connectors.ready2order import Ready2orderAdapter
from marketplace.services.connectors.shopify import ShopifyAdapter
from marketplace.services.outbox import outbox_put

logger = logging.getLogger(__name__)

ADAPTERS: dict[str, Adapter] = {
    adapter.kind: adapter
    for adapter in (
        ShopifyAdapter(),
        Ready2orderAdapter(),
        LightspeedAdapter(),
        DsfinvkAdapter(),
        MappedCsvAdapter(),
    )
}
# ready2order also pushes (its product webhooks) besides being pulled
PUSH_KINDS = frozenset({TillConnector.Kind.READY2ORDER})

__all__ = [
    "ADAPTERS",
    "FILE",
    "PULL",
    "PUSH",
    "ConnectorError",
    "connector_file_import",
    "connector_pull_run",
    "connector_push",
    "connector_save",
    "connectors_pull_due",
    "mapping_preview",
    "push_secret",
]


def pull_interval() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "LADENKARTE_CONNECTOR_PULL_SECONDS", 900)))


def adapter_for(connector: TillConnector) -> Adapter:
    return ADAPTERS[connector.kind]


@transaction.atomic
def connector_save(
    *,
    shop: Shop,
    kind: str,
    base_url: str = "",
    account: str = "",
    credentials: str | None = None,
    column_mapping: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    active: bool = True,
    now: datetime | None = None,
) -> tuple[TillConnector, str]:
    """Create or change the shop's connector of `kind`; returns it and, for push connectors, the signing
    secret (derived, never stored). `credentials` (a pull connector's token) is stored sealed; None keeps
    the stored one. A custom API address is checked like a webhook URL (public internet only)."""
    if kind not in ADAPTERS:
        raise ValidationFailed(details={"kind": [_("Unknown till.")]})
    now = now or timezone.now()
    adapter = ADAPTERS[kind]
    if base_url:
        webhook_transport.target_check(base_url)
    connector = TillConnector.objects.select_for_update().filter(shop=shop, kind=kind).first()
    if connector is None:
        connector = TillConnector(shop=shop, kind=kind, created_at=now)
    connector.base_url = base_url
    connector.account = account.strip()[:100]
    connector.active = active
    if credentials is not None:
        connector.credentials_sealed = credentials_seal(credentials.strip())
    if column_mapping is not None:
        connector.column_mapping = mapping_clean(column_mapping)
    if options is not None:
        connector.options = {str(k): v for k, v in options.items() if isinstance(v, str | int)}
    if kind in PUSH_KINDS and not connector.push_salt:
        connector.push_salt = new_push_salt()
    if adapter.transport == PULL:
        if active and not connector.credentials_sealed:
            raise ValidationFailed(details={"credentials": [_("Enter the till's access token.")]})
        connector.next_pull_at = now if active else None
    connector.updated_at = now
    connector.save()
    return connector, push_secret(connector) if kind in PUSH_KINDS else ""


def _record(
    connector: TillConnector,
    *,
    report: dict[str, Any] | None,
    error: str,
    now: datetime,
    cursor: str | None = None,
) -> None:
    fields: dict[str, Any] = {"last_run_at": now, "updated_at": now}
    if error:
        fields.update(state=TillConnector.State.ERROR, last_error=error[:500], last_error_at=now)
    else:
        fields.update(state=TillConnector.State.OK, last_success_at=now, last_report=report or {})
        skipped = int((report or {}).get("error_count", 0))
        fields["last_error"] = (
            _("%(count)d rows skipped (see the report).") % {"count": skipped} if skipped else ""
        )
        if skipped:
            fields["last_error_at"] = now
        if cursor is not None:
            fields["cursor"] = cursor
    TillConnector.objects.filter(pk=connector.pk).update(**fields)
    for name, value in fields.items():
        setattr(connector, name, value)


def _run(connector: TillConnector, parsed: Parsed, *, user: Any, now: datetime) -> dict[str, Any]:
    return till_rows_apply(
        shop=connector.shop, parsed=parsed, source=connector.kind, actor_user=user, now=now
    )


def connector_file_import(
    *, connector: TillConnector, data: bytes, user: Any = None, now: datetime | None = None
) -> dict[str, Any]:
    """Read an uploaded export with the connector's adapter and write it; the run is recorded either way."""
    now = now or timezone.now()
    adapter = adapter_for(connector)
    try:
        parsed = adapter.parse_file(data, connector=connector)
        report = _run(connector, parsed, user=user, now=now)
    except DomainError as exc:
        _record(connector, report=None, error=str(exc.message), now=now)
        raise
    _record(connector, report=report, error="", now=now)
    return report


def connector_pull_run(*, connector_id: int, now: datetime | None = None) -> TillConnector:
    """Pull what changed since the last successful pull (background only: the outbox handler)."""
    now = now or timezone.now()
    connector = TillConnector.objects.select_related("shop").get(pk=connector_id)
    adapter = adapter_for(connector)
    if adapter.transport != PULL or not connector.active:
        return connector
    TillConnector.objects.filter(pk=connector.pk).update(state=TillConnector.State.RUNNING)
    try:
        # network first, no transaction or lock held meanwhile; then one write
        parsed = adapter.pull(
            connector=connector, credentials=credentials_unseal(connector), since=connector.cursor, now=now
        )
        report = _run(connector, parsed, user=None, now=now)
    except DomainError as exc:
        _record(connector, report=None, error=str(exc.message), now=now)
        return connector
    except Exception:
        logger.exception("till pull %s failed", connector.pk)
        _record(connector, report=None, error=_("The pull failed unexpectedly."), now=now)
        return connector
    # the next pull asks for changes since this one started (a change during the pull comes again)
    _record(connector, report=report, error="", now=now, cursor=now.isoformat(timespec="seconds"))
    return connector


def connector_pull_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler of `connector.pull`."""
    connector_pull_run(connector_id=int(message.payload["connector_id"]))


@transaction.atomic
def connectors_pull_due(*, now: datetime | None = None) -> int:
    """Beat task: queue a pull (outbox) for every active pull connector that is due; returns how many."""
    now = now or timezone.now()
    due = list(
        TillConnector.objects.select_for_update(skip_locked=True)
        .filter(active=True, next_pull_at__lte=now)
        .order_by("pk")[:500]
    )
    for connector in due:
        outbox_put(
            kind="connector.pull",
            payload={"connector_id": connector.pk},
            shop=connector.shop_id,
            dedupe_key=f"connector:{connector.pk}",
        )
    TillConnector.objects.filter(pk__in=[c.pk for c in due]).update(next_pull_at=now + pull_interval())
    return len(due)


@transaction.atomic
def connector_pull_now(*, connector: TillConnector, now: datetime | None = None) -> None:
    """The merchant's "sync now": the pull is queued for the background, not run in the request."""
    outbox_put(
        kind="connector.pull",
        payload={"connector_id": connector.pk},
        shop=connector.shop_id,
        dedupe_key=f"connector:{connector.pk}",
    )


def connector_push(
    *, connector_id: int, body: bytes, signature: str, now: datetime | None = None
) -> dict[str, Any]:
    """A till's push (ready2order product webhook): the signature must match the connector's secret."""
    now = now or timezone.now()
    connector = (
        TillConnector.objects.select_related("shop").filter(pk=connector_id, kind__in=PUSH_KINDS).first()
    )
    # an unknown connector and a bad signature look the same to the caller
    if (
        connector is None
        or not connector.active
        or not push_signature_valid(connector, body=body, signature=signature)
    ):
        raise NotFound()
    try:
        payload = json.loads(body)
    except ValueError:
        raise ConnectorError(_("The push is not JSON.")) from None
    try:
        parsed = adapter_for(connector).parse_push(payload, connector=connector)
        report = _run(connector, parsed, user=None, now=now)
    except DomainError as exc:
        _record(connector, report=None, error=str(exc.message), now=now)
        raise
    _record(connector, report=report, error="", now=now)
    return report


def connectors_of_shop(shop: Shop) -> list[TillConnector]:
    return list(TillConnector.objects.filter(shop=shop).order_by("kind"))
