""" "Tell me when it's here" (issue 17, decision 1700): stock alerts by e-mail, without an account.

- `alert_create`: a query text or a product, a point and a radius; at most
  `LADENKARTE_MAX_ALERTS_PER_EMAIL` live alerts per person (normalised e-mail, counted under the person's
  advisory lock). Double opt-in: nothing is matched until the confirmation link was opened (within 24 h).
- Confirmed alerts live 30 days (`LIFETIME`), renewable from every e-mail; every e-mail has a one-click
  unsubscribe link (RFC 8058 headers). Links carry signed tokens, nothing secret is stored. 30 days after an
  alert ended (unconfirmed, unsubscribed or expired) `alerts_purge` deletes it with its address.
- Matching never runs in the request of a sync: a stock write that raises a product's on-hand puts one
  `alerts.match` outbox row (the product ids) into its own transaction. The handler finds the alerts whose
  words all occur in the product's `search_vector` (a hash join on the alert's first word, then array
  containment) or that wait
  for that product, within their radius, not e-mailed in the last 24 hours, records the matches and puts
  one `email.stock_alert` row per person (deduplicated while one waits). That e-mail lists every waiting
  item with its pickup time and marks the alerts as notified: one e-mail per person per batch, at most one
  a day per alert.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import AlertLinkInvalid, TooManyAlerts, ValidationFailed
from marketplace.models import SEARCH_CONFIG, OutboxMessage, Product, Shop, StockAlert, StockAlertMatch
from marketplace.selectors.pickup import pickup_board
from marketplace.selectors.stock import available_positive_sql, stock_fresh_since
from marketplace.services.hoarding import email_identity
from marketplace.services.outbox import Outgoing, outbox_message_id, outbox_put, outbox_put_all
from marketplace.web_pages import product_page_url, web_base

SALT = "ladenkarte.stock-alert"
LIFETIME = timedelta(days=30)
CONFIRM_WITHIN = timedelta(hours=24)
QUIET = timedelta(hours=24)  # at most one e-mail a day per alert
KEEP_ENDED = timedelta(days=30)  # an ended alert's address is deleted after this
RADIUS_MAX_KM = 25.0
ITEMS_PER_EMAIL = 20
ALERT_PATH = "/benachrichtigung/{action}/{token}/"
ACTIONS = ("bestaetigen", "verlaengern", "abbestellen")


@dataclass(frozen=True)
class AlertRequest:
    """What the resident asks for: `query` or `product_id`, near `lat`/`lng` within `radius_km`."""

    email: str
    lat: float
    lng: float
    radius_km: float = 2.0
    query: str = ""
    product_id: int | None = None
    language: str = "de"


# --- links ---


def alert_token(*, alert: StockAlert) -> str:
    return signing.dumps({"a": alert.pk}, salt=SALT, compress=True)


def alert_url(*, alert: StockAlert, action: str) -> str:
    return web_base(alert.language) + ALERT_PATH.format(action=action, token=alert_token(alert=alert))


def alert_for_token(token: str) -> StockAlert:
    try:
        alert_id = int(signing.loads(token, salt=SALT)["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise AlertLinkInvalid from None
    alert = StockAlert.objects.filter(pk=alert_id).first()
    if alert is None:
        raise AlertLinkInvalid
    return alert


# --- creating, confirming, renewing, unsubscribing ---


def _lexemes(query: str) -> list[str]:
    """The query's words as the search's text configuration stems them (`german_unaccent`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(array_agg(DISTINCT lexeme ORDER BY lexeme), '{}') "
            "FROM unnest(to_tsvector(%s::regconfig, %s))",
            [SEARCH_CONFIG, query],
        )
        row = cursor.fetchone()
    return list(row[0]) if row else []


def _live(queryset: QuerySet[StockAlert], *, now: datetime) -> QuerySet[StockAlert]:
    """Alerts that count for the limit: confirmed and not expired, or unconfirmed and less than a day old."""
    return queryset.filter(unsubscribed_at__isnull=True).filter(
        Q(confirmed_at__isnull=False, expires_at__gt=now)
        | Q(confirmed_at__isnull=True, created_at__gt=now - CONFIRM_WITHIN)
    )


@transaction.atomic
def alert_create(*, request: AlertRequest, now: datetime | None = None) -> StockAlert:
    """Record an alert and send the confirmation e-mail (double opt-in); bad input changes nothing."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    email = request.email.strip()
    try:
        EmailValidator()(email)
    except DjangoValidationError:
        errors["email"] = [_("Please enter a valid e-mail address.")]
    query = " ".join(request.query.split())[:100]
    lexemes: list[str] = []
    product: Product | None = None
    if request.product_id is not None:
        product = Product.objects.filter(pk=request.product_id, active=True, shop_active=True).first()
        if product is None:
            errors["product"] = [_("Unknown product.")]
    elif query:
        lexemes = _lexemes(query)
        if not lexemes:
            errors["query"] = [_("Please use at least one word that is not a stop word.")]
    else:
        errors["query"] = [_("Say what you are looking for.")]
    if not -90 <= request.lat <= 90 or not -180 <= request.lng <= 180:
        errors["location"] = [_("The location is not valid.")]
    if not 0 < request.radius_km <= RADIUS_MAX_KM:
        errors["radius_km"] = [_("The radius must be between 0 and %(max)d km.") % {"max": RADIUS_MAX_KM}]
    if errors:
        raise ValidationFailed(details=errors)
    key = email_identity(email)
    with connection.cursor() as cursor:  # one person's alerts are counted one request at a time
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"alert:{key}"])
    if (
        _live(StockAlert.objects.filter(email_key=key), now=now).count()
        >= settings.LADENKARTE_MAX_ALERTS_PER_EMAIL
    ):
        raise TooManyAlerts(details={"max": settings.LADENKARTE_MAX_ALERTS_PER_EMAIL})
    alert = StockAlert.objects.create(
        email=email,
        email_key=key,
        query="" if product else query,
        lexemes=lexemes,
        product=product,
        location=Point(request.lng, request.lat, srid=4326),
        radius_km=request.radius_km,
        language=request.language[:5] or "de",
        created_at=now,
    )
    outbox_put(kind="email.stock_alert_confirm", payload={"alert_id": alert.pk})
    return alert


@transaction.atomic
def alert_confirm(*, token: str, now: datetime | None = None) -> StockAlert:
    """Opt-in confirmed: the alert lives `LIFETIME` from now. A second click changes nothing."""
    now = now or timezone.now()
    alert = StockAlert.objects.select_for_update().get(pk=alert_for_token(token).pk)
    if alert.unsubscribed_at is not None:
        raise AlertLinkInvalid(_("This alert was unsubscribed."))
    if alert.confirmed_at is None:
        if now - alert.created_at > CONFIRM_WITHIN:
            raise AlertLinkInvalid(_("The confirmation link has expired. Please ask again."))
        alert.confirmed_at = now
        alert.expires_at = now + LIFETIME
        alert.save(update_fields=["confirmed_at", "expires_at"])
    return alert


@transaction.atomic
def alert_renew(*, token: str, now: datetime | None = None) -> StockAlert:
    """Another 30 days from now (from any e-mail's link, also after it expired)."""
    now = now or timezone.now()
    alert = StockAlert.objects.select_for_update().get(pk=alert_for_token(token).pk)
    if alert.unsubscribed_at is not None or alert.confirmed_at is None:
        raise AlertLinkInvalid(_("This alert is not active."))
    alert.expires_at = now + LIFETIME
    alert.save(update_fields=["expires_at"])
    return alert


@transaction.atomic
def alert_unsubscribe(*, token: str, now: datetime | None = None) -> StockAlert:
    """No more e-mails for this alert (idempotent)."""
    now = now or timezone.now()
    alert = StockAlert.objects.select_for_update().get(pk=alert_for_token(token).pk)
    if alert.unsubscribed_at is None:
        alert.unsubscribed_at = now
        alert.save(update_fields=["unsubscribed_at"])
        StockAlertMatch.objects.filter(alert=alert, sent_at__isnull=True).delete()
    return alert


@transaction.atomic
def alerts_purge(*, now: datetime | None = None) -> int:
    """Forget the addresses of alerts that ended (Celery beat, daily): never confirmed after `KEEP_ENDED`,
    unsubscribed or expired `KEEP_ENDED` ago (until then an old e-mail's renew link still works); sent
    matches after `KEEP_ENDED` too. Returns the number of alerts deleted (their matches go with them)."""
    now = now or timezone.now()
    before = now - KEEP_ENDED
    ended = StockAlert.objects.filter(
        Q(confirmed_at__isnull=True, created_at__lt=before)
        | Q(unsubscribed_at__lt=before)
        | Q(expires_at__lt=before)
    )
    StockAlertMatch.objects.filter(sent_at__lt=before).delete()
    return ended.delete()[1].get(StockAlert._meta.label, 0)


# --- matching (background work) ---


def alerts_match_schedule(*, product_ids: Iterable[int]) -> None:
    """Inside a stock write: one outbox row for matching the products whose on-hand rose (no work here)."""
    ids = sorted(set(product_ids))
    if ids:
        outbox_put(kind="alerts.match", payload={"product_ids": ids})


_LIVE = """a.confirmed_at IS NOT NULL AND a.unsubscribed_at IS NULL AND a.expires_at > %(now)s
      AND (a.last_notified_at IS NULL OR a.last_notified_at <= %(quiet_since)s)"""

MATCH_SQL = f"""
WITH p AS MATERIALIZED (
    SELECT p.id, p.shop_id, tsvector_to_array(p.search_vector)::varchar[] AS lx
    FROM {Product._meta.db_table} p
    WHERE p.id = ANY(%(ids)s) AND p.active AND p.shop_active AND {available_positive_sql("p")}
), words AS MATERIALIZED (
    SELECT p.id, p.shop_id, p.lx, unnest(p.lx) AS lexeme FROM p
), texts AS MATERIALIZED (
    -- the live text alerts whose first word is one of the products' words (stockalert_first_word_idx:
    -- a few thousand distinct words, however many products and alerts)
    SELECT a.id, a.lexemes, a.location, a.radius_km
    FROM {StockAlert._meta.db_table} a
    WHERE a.lexemes[1] = ANY(ARRAY(SELECT DISTINCT lexeme FROM words))
      AND a.product_id IS NULL AND {_LIVE}
), candidates AS MATERIALIZED (
    -- every word of the alert in the product's words
    SELECT t.id AS alert_id, w.id AS product_id, w.shop_id
    FROM words w JOIN texts t ON t.lexemes[1] = w.lexeme
    WHERE t.lexemes <@ w.lx
), reach AS MATERIALIZED (
    -- the radius once per alert and shop (products stand at their shop's point), not once per product
    SELECT c.alert_id, c.shop_id
    FROM (SELECT DISTINCT alert_id, shop_id FROM candidates) c
    JOIN texts t ON t.id = c.alert_id
    JOIN {Shop._meta.db_table} s ON s.id = c.shop_id
    WHERE ST_DWithin(t.location, s.location, t.radius_km * 1000)
), pairs AS (
    SELECT c.alert_id, c.product_id FROM candidates c JOIN reach r USING (alert_id, shop_id)
    UNION ALL
    SELECT a.id, p.id
    FROM p JOIN {StockAlert._meta.db_table} a ON a.product_id = p.id
    WHERE {_LIVE}
), inserted AS (
    INSERT INTO {StockAlertMatch._meta.db_table} (alert_id, product_id, matched_at)
    SELECT alert_id, product_id, %(now)s FROM pairs
    ON CONFLICT DO NOTHING
    RETURNING alert_id
)
-- per person the lowest alert id with a new match: the handle of their one e-mail row
SELECT a.email_key, min(a.id)
FROM {StockAlert._meta.db_table} a
WHERE a.id IN (SELECT alert_id FROM inserted)
GROUP BY a.email_key
ORDER BY a.email_key
"""  # noqa: S608 - identifiers are ours, values are parameters


@transaction.atomic
def alerts_match(*, product_ids: list[int], now: datetime | None = None) -> int:
    """Record the matches of these products and put one e-mail per person (one statement, then one insert);
    returns the number of e-mails put. Runs in the outbox dispatcher, never in the request of the stock
    write."""
    now = now or timezone.now()
    if not product_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            MATCH_SQL,
            {
                "ids": list(product_ids),
                "now": now,
                "quiet_since": now - QUIET,
                "fresh_since": stock_fresh_since(now=now),
            },
        )
        first_alert = [(str(key), int(pk)) for key, pk in cursor.fetchall()]
    outbox_put_all(
        [
            Outgoing(
                "email.stock_alert",
                {"alert_id": pk},
                dedupe_key="alert:" + hashlib.sha256(key.encode()).hexdigest()[:32],
            )
            for key, pk in first_alert
        ],
        now=now,
    )
    return len(first_alert)


def alerts_match_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler of `alerts.match`."""
    alerts_match(product_ids=[int(pk) for pk in message.payload.get("product_ids", [])])


# --- e-mails ---


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def stock_alert_confirm_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: the double opt-in e-mail."""
    alert = StockAlert.objects.select_related("product").filter(pk=int(message.payload["alert_id"])).first()
    if alert is None or alert.confirmed_at is not None or alert.unsubscribed_at is not None:
        return
    unsubscribe = alert_url(alert=alert, action="abbestellen")
    with translation.override(alert.language or settings.LANGUAGE_CODE):
        body = render_to_string(
            "marketplace/email/stock_alert_confirm.txt",
            {
                "alert": alert,
                "what": alert.product.title if alert.product else alert.query,
                "confirm_url": alert_url(alert=alert, action="bestaetigen"),
                "unsubscribe_url": unsubscribe,
                "days": LIFETIME.days,
            },
        )
        email = EmailMessage(
            subject=_("Please confirm: tell me when it's here"),
            body=body,
            to=[alert.email],
            headers={"Message-ID": outbox_message_id(message), **_unsubscribe_headers(unsubscribe)},
        )
    email.send()


def stock_alert_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: one e-mail to one person with every waiting item of their alerts. The matches are
    claimed by one conditional UPDATE (given back if the send fails), and the alerts count as notified: the
    next e-mail for them comes a day later at the earliest."""
    now = timezone.now()
    first = StockAlert.objects.filter(pk=int(message.payload["alert_id"])).first()
    if first is None:
        return
    alerts = {
        alert.pk: alert
        for alert in StockAlert.objects.active(at=now)
        .filter(email_key=first.email_key)
        .select_related("product")
    }
    claimed = list(
        StockAlertMatch.objects.filter(alert_id__in=list(alerts), sent_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    claimed_now = StockAlertMatch.objects.filter(pk__in=claimed, sent_at__isnull=True).update(sent_at=now)
    if not claimed_now:
        return
    matches = list(
        StockAlertMatch.objects.filter(pk__in=claimed, sent_at=now)
        .select_related("product__shop")
        .order_by("alert_id", "product_id")
    )
    try:
        _send_alert_email(message, alerts=alerts, matches=matches, now=now)
    except Exception:
        StockAlertMatch.objects.filter(pk__in=[m.pk for m in matches]).update(sent_at=None)
        raise
    StockAlert.objects.filter(pk__in={m.alert_id for m in matches}).update(last_notified_at=now)


def _product_title(alert: StockAlert) -> str:
    return alert.product.title if alert.product is not None else ""


def _send_alert_email(
    message: OutboxMessage, *, alerts: dict[int, StockAlert], matches: list[StockAlertMatch], now: datetime
) -> None:
    board = pickup_board(now=now)
    first = alerts[matches[0].alert_id]
    seen: set[int] = set()
    items: list[dict[str, str]] = []
    with translation.override(first.language or settings.LANGUAGE_CODE):
        for match in matches:
            if match.product_id in seen or len(items) >= ITEMS_PER_EMAIL:
                continue
            seen.add(match.product_id)
            product = match.product
            until = board.pickup_today_until(product.shop_id, now)
            later = board.next_pickup_from(product.shop_id, now)
            items.append(
                {
                    "title": product.title,
                    "shop": product.shop.name,
                    "address": f"{product.shop.street}, {product.shop.postcode} {product.shop.city}",
                    "pickup_until": timezone.localtime(until).strftime("%H:%M") if until else "",
                    "next_pickup": timezone.localtime(later).strftime("%d.%m. %H:%M") if later else "",
                    "url": product_page_url(
                        pk=product.pk, title=product.title, base=web_base(first.language)
                    ),
                }
            )
        notified = sorted({m.alert_id for m in matches})
        links = [
            {
                "what": alerts[pk].query or _product_title(alerts[pk]),
                "renew_url": alert_url(alert=alerts[pk], action="verlaengern"),
                "unsubscribe_url": alert_url(alert=alerts[pk], action="abbestellen"),
                "expires_at": timezone.localtime(alerts[pk].expires_at).strftime("%d.%m.%Y")
                if alerts[pk].expires_at
                else "",
            }
            for pk in notified
        ]
        subject = (
            _("It's here: %(title)s") % {"title": items[0]["title"]}
            if len(items) == 1
            else _("%(n)d items you were waiting for are here") % {"n": len(items)}
        )
        email = EmailMessage(
            subject=subject,
            body=render_to_string("marketplace/email/stock_alert.txt", {"items": items, "alerts": links}),
            to=[first.email],
            headers={
                "Message-ID": outbox_message_id(message),
                **_unsubscribe_headers(links[0]["unsubscribe_url"]),
            },
        )
    email.send()
