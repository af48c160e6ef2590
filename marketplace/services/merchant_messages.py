"""The city's messages to merchants: send (e-mail plus a banner on "my shop"), answer, dismiss, unsubscribe.

Sending resolves the audience into one recipient row per shop in one transaction, with one outbox row per
shop for its e-mail (the normal e-mail path, decision 0900: delivered after commit, retried on its own).
A question ("will you open on 14 December?") is answered with one tap; the answer is written into the
shop's special day through `marketplace.services.hours`, so the map, search and pickup times follow it.
Non-essential messages are not e-mailed to shops that unsubscribed (one click, RFC 8058 header included);
the banner on "my shop" still shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import InvalidTransition, ValidationFailed
from marketplace.models import (
    Category,
    MerchantMessage,
    MerchantMessageRecipient,
    MerchantNewsOptOut,
    OutboxMessage,
    Shop,
    SpecialDay,
)
from marketplace.selectors.merchant import shop_email_addresses
from marketplace.services import city_calendar, hours
from marketplace.services.emails import email_compose
from marketplace.services.outbox import Outgoing, outbox_message_id, outbox_put_all

MAX_SUBJECT = 150
MAX_BODY = 5000
UNSUBSCRIBE_SALT = "ladenkarte.merchant-news-unsubscribe"


def merchant_message_audience(
    *, audience: str, category: Category | None = None, shop_ids: Iterable[int] = ()
) -> list[Shop]:
    """The shops a message to `audience` reaches: active shops only (pending shops hear from the queue)."""
    shops = Shop.objects.active()
    if audience == MerchantMessage.Audience.CATEGORY:
        if category is None:
            return []
        shops = shops.filter(categories__in=[category.pk, *category.children.values_list("pk", flat=True)])
    elif audience == MerchantMessage.Audience.SHOPS:
        shops = shops.filter(pk__in=list(shop_ids))
    elif audience != MerchantMessage.Audience.ALL:
        return []
    return list(shops.distinct().order_by("name"))


@transaction.atomic
def merchant_message_send(
    *,
    subject: str,
    body: str,
    audience: str,
    sender: Any,
    category: Category | None = None,
    shop_ids: Iterable[int] = (),
    question: str = "",
    question_date: date | None = None,
    question_intervals: Iterable[Mapping[str, str]] | Iterable[str] = (),
    essential: bool = False,
    now: datetime | None = None,
) -> MerchantMessage:
    """Write a message to the shops of `audience`; e-mails follow after commit. Bad input changes nothing."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    subject, body = subject.strip(), body.strip()
    if not subject:
        errors["subject"] = [_("This field is required.")]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [_("At most %(max)d characters.") % {"max": MAX_SUBJECT}]
    if not body:
        errors["body"] = [_("This field is required.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("At most %(max)d characters.") % {"max": MAX_BODY}]
    if audience not in MerchantMessage.Audience.values:
        errors["audience"] = [_("Choose who receives the message.")]
    if audience == MerchantMessage.Audience.CATEGORY and category is None:
        errors["category"] = [_("Choose a category.")]
    shop_ids = list(shop_ids)
    if audience == MerchantMessage.Audience.SHOPS and not shop_ids:
        errors["shops"] = [_("Choose at least one shop.")]
    intervals: list[dict[str, str]] = []
    if question:
        if question not in MerchantMessage.Question.values:
            errors["question"] = [_("Unknown kind of question.")]
        elif question_date is None:
            errors["question_date"] = [_("Which day are you asking about?")]
        elif question_date < timezone.localdate(now):
            errors["question_date"] = [_("The day is in the past.")]
        try:
            intervals = city_calendar.intervals_clean(question_intervals)
        except ValidationFailed as exc:
            errors["question_intervals"] = [exc.message]
        if (
            question == MerchantMessage.Question.OPEN_DAY
            and not intervals
            and "question_intervals" not in errors
        ):
            errors["question_intervals"] = [_("Enter the opening times shops confirm, e.g. 13:00-18:00.")]
    if errors:
        raise ValidationFailed(_("Please check the highlighted fields."), details=errors)
    shops = merchant_message_audience(audience=audience, category=category, shop_ids=shop_ids)
    if not shops:
        raise ValidationFailed(
            _("No active shop receives this message."), details={"audience": [_("No active shop matches.")]}
        )
    message = MerchantMessage.objects.create(
        subject=subject,
        body=body,
        audience=audience,
        category=category if audience == MerchantMessage.Audience.CATEGORY else None,
        question=question,
        question_date=question_date if question else None,
        question_intervals=intervals if question else [],
        essential=essential,
        created_by=sender if getattr(sender, "pk", None) else None,
        created_at=now,
    )
    recipients = MerchantMessageRecipient.objects.bulk_create(
        MerchantMessageRecipient(message=message, shop=shop) for shop in shops
    )
    # One outbox row per shop: one e-mail each, retried on its own (decision 0900).
    outbox_put_all(
        [
            Outgoing("email.merchant_message", {"recipient_id": row.pk}, shop=row.shop_id)
            for row in recipients
        ],
        now=now,
    )
    return message


def merchant_news_token(*, shop: Shop) -> str:
    """The signed token of a shop's one-click unsubscribe link (no expiry: old e-mails keep working)."""
    return signing.dumps({"shop": shop.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def merchant_news_shop_for_token(token: str) -> Shop | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    shop_id = data.get("shop") if isinstance(data, dict) else None
    return Shop.objects.filter(pk=shop_id).first() if isinstance(shop_id, int) else None


def merchant_news_unsubscribe_url(*, shop: Shop) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("my_shop:unsubscribe", kwargs={"token": merchant_news_token(shop=shop)})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def merchant_news_unsubscribe(*, shop: Shop) -> bool:
    """Stop non-essential e-mails of the city to this shop; returns False when it had unsubscribed already."""
    _opt_out, created = MerchantNewsOptOut.objects.get_or_create(shop=shop)
    return created


@transaction.atomic
def merchant_news_resubscribe(*, shop: Shop) -> bool:
    deleted, _rows = MerchantNewsOptOut.objects.filter(shop=shop).delete()
    return bool(deleted)


def merchant_message_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: e-mail one recipient shop (skipped if it opted out of non-essential news)."""
    row = (
        MerchantMessageRecipient.objects.select_related("message", "shop")
        .filter(pk=message.payload["recipient_id"])
        .first()
    )
    if row is None or row.emailed_at is not None or row.email_skipped:
        return
    if not row.message.essential and MerchantNewsOptOut.objects.filter(shop_id=row.shop_id).exists():
        MerchantMessageRecipient.objects.filter(pk=row.pk).update(email_skipped=True)
        return
    addresses = shop_email_addresses(shop=row.shop)
    if not addresses:
        return
    _email(message=row.message, shop=row.shop, to=addresses, message_id=outbox_message_id(message))
    MerchantMessageRecipient.objects.filter(pk=row.pk).update(emailed_at=timezone.now())


def _email(*, message: MerchantMessage, shop: Shop, to: list[str], message_id: str) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        my_shop = f"{settings.SITE_URL}{reverse('my_shop:shop', kwargs={'slug': shop.slug})}"
        unsubscribe = "" if message.essential else merchant_news_unsubscribe_url(shop=shop)
        context = {
            "message": message,
            "shop": shop,
            "my_shop_url": my_shop,
            "unsubscribe_url": unsubscribe,
            "operator": settings.LADENKARTE_OPERATOR,
            "town": settings.LADENKARTE_TOWN,
        }
        headers = {"Message-ID": message_id}
        if unsubscribe:
            headers |= {
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        return email_compose(
            subject=message.subject,
            template="marketplace/email/merchant_message.txt",
            context=context,
            to=to,
            headers=headers,
        ).send()


def _locked_recipient(*, recipient_id: int, shop: Shop) -> MerchantMessageRecipient:
    row = (
        MerchantMessageRecipient.objects.select_for_update()
        .select_related("message")
        .filter(pk=recipient_id, shop=shop)
        .first()
    )
    if row is None:
        from marketplace.exceptions import NotFound

        raise NotFound(_("This message does not exist."))
    return row


@transaction.atomic
def merchant_message_answer(
    *, shop: Shop, recipient_id: int, answer: str, user: Any, now: datetime | None = None
) -> SpecialDay:
    """Answer the city's question for this shop: "we open" / "we stay closed", written as its special day.

    Answering again replaces the earlier answer (and the special day). A day in the past cannot be answered.
    """
    now = now or timezone.now()
    row = _locked_recipient(recipient_id=recipient_id, shop=shop)
    message = row.message
    if message.question != MerchantMessage.Question.OPEN_DAY or message.question_date is None:
        raise InvalidTransition(_("This message does not ask anything."))
    if answer not in (MerchantMessageRecipient.Answer.OPEN, MerchantMessageRecipient.Answer.CLOSED):
        raise ValidationFailed(details={"answer": [_("Answer “we open” or “we stay closed”.")]})
    if message.question_date < timezone.localdate(now):
        raise InvalidTransition(_("This day is over; the answer cannot be changed any more."))
    opens_closes = [
        (time.fromisoformat(item["opens"]), _closes(item["closes"])) for item in message.question_intervals
    ]
    special = hours.special_day_set(
        shop=shop,
        day=message.question_date,
        closed=answer == MerchantMessageRecipient.Answer.CLOSED,
        intervals=opens_closes if answer == MerchantMessageRecipient.Answer.OPEN else [],
        name=message.subject,
    )
    row.answer = answer
    row.answered_at = now
    row.answered_by = user if getattr(user, "pk", None) else None
    row.dismissed_at = row.dismissed_at or now
    row.save(update_fields=["answer", "answered_at", "answered_by", "dismissed_at"])
    return special


def _closes(value: str) -> time:
    return time(0) if value == "24:00" else time.fromisoformat(value)


@transaction.atomic
def merchant_message_dismiss(*, shop: Shop, recipient_id: int, now: datetime | None = None) -> None:
    """Hide a message's banner on "my shop" (it stays in the shop's list of messages)."""
    row = _locked_recipient(recipient_id=recipient_id, shop=shop)
    if row.dismissed_at is None:
        row.dismissed_at = now or timezone.now()
        row.save(update_fields=["dismissed_at"])
