"""Feedback after pickup (issue 17, decision 1700): the resident's word, the shop's answer, moderation.

- On "collected" the resident gets one e-mail with a signed link (`feedback_token`) valid for
  `LINK_DAYS` (30) days, counted from the pickup. Only a collected reservation can give feedback, once
  (a unique reservation per feedback, checked under the reservation's row lock).
- The shop sees feedback first (my-shop, an e-mail). A text is published `ANSWER_WINDOW` (72 h) after it
  was given, so the shop can answer privately or publicly before; stars or "was it there?" without text
  are published at once. Public answers can be written or changed at any time.
- Anyone may report a review; the city hides it with a reason that the shop (my-shop) and the resident
  (their feedback link) see, or keeps it (the reports are closed either way).
Every e-mail goes through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import FeedbackLinkInvalid, FeedbackNotPossible, ValidationFailed
from marketplace.models import Feedback, FeedbackReport, OutboxMessage, Reservation
from marketplace.services.outbox import outbox_message_id, outbox_put
from marketplace.web_pages import shop_page_url, web_base

SALT = "ladenkarte.feedback"
LINK_DAYS = 30
ANSWER_WINDOW = timedelta(hours=72)
TEXT_MAX = 1000
REASON_MAX = 500
FEEDBACK_PATH = "/bewertung/{token}/"


@dataclass(frozen=True)
class FeedbackInput:
    """What the resident answers: `ready` (yes / partly / no), optional 1-5 stars and a short text."""

    ready: str
    rating: int | None = None
    text: str = ""


# --- the link ---


def feedback_token(*, reservation: Reservation) -> str:
    """The signed token of the feedback link: the reservation and the link's end (pickup + 30 days)."""
    closed = reservation.closed_at or timezone.now()
    until = int((closed + timedelta(days=LINK_DAYS)).timestamp())
    return signing.dumps({"r": reservation.pk, "u": until}, salt=SALT, compress=True)


def feedback_url(*, reservation: Reservation) -> str:
    return web_base(reservation.language) + FEEDBACK_PATH.format(
        token=feedback_token(reservation=reservation)
    )


def feedback_reservation_for_token(*, token: str, now: datetime | None = None) -> Reservation:
    """The reservation a feedback link belongs to; `FeedbackLinkInvalid` when altered, unknown or expired."""
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=SALT)
        reservation_id, until = int(data["r"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise FeedbackLinkInvalid from None
    if now.timestamp() > until:
        raise FeedbackLinkInvalid(_("This feedback link has expired: feedback is possible for 30 days."))
    reservation = Reservation.objects.select_related("shop").filter(pk=reservation_id).first()
    if reservation is None:
        raise FeedbackLinkInvalid
    return reservation


def feedback_request_queue(*, reservation: Reservation) -> None:
    """Inside the "collected" transaction: the one e-mail asking for feedback (the outbox)."""
    outbox_put(
        kind="email.feedback_request", payload={"reservation_id": reservation.pk}, shop=reservation.shop_id
    )


# --- giving feedback ---


def _first_name(name: str) -> str:
    """Only a first name is ever shown: the first word of the name given when reserving."""
    words = name.strip().split()
    return words[0][:60] if words else ""


def _check_input(data: FeedbackInput) -> FeedbackInput:
    errors: dict[str, list[str]] = {}
    if data.ready not in Feedback.Ready.values:
        errors["ready"] = [_("Please answer yes, partly or no.")]
    if data.rating is not None and not 1 <= data.rating <= 5:
        errors["rating"] = [_("Stars go from 1 to 5.")]
    text = data.text.strip()
    if len(text) > TEXT_MAX:
        errors["text"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if errors:
        raise ValidationFailed(details=errors)
    return FeedbackInput(ready=data.ready, rating=data.rating, text=text)


@transaction.atomic
def feedback_give(*, token: str, data: FeedbackInput, now: datetime | None = None) -> Feedback:
    """The resident's feedback from the e-mail link; raises `FeedbackLinkInvalid`, `ValidationFailed` or
    `FeedbackNotPossible` (not collected, or already given) and then writes nothing."""
    now = now or timezone.now()
    reservation = feedback_reservation_for_token(token=token, now=now)
    data = _check_input(data)
    reservation = Reservation.objects.select_for_update().select_related("shop").get(pk=reservation.pk)
    if reservation.status != Reservation.Status.COLLECTED:
        raise FeedbackNotPossible(_("Feedback is possible only for a reservation that was collected."))
    if Feedback.objects.filter(reservation=reservation).exists():
        raise FeedbackNotPossible(_("Thank you, your feedback for this pickup is already with the shop."))
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                reservation=reservation,
                shop=reservation.shop,
                ready=data.ready,
                rating=data.rating,
                text=data.text,
                first_name=_first_name(reservation.customer_name),
                language=reservation.language,
                created_at=now,
                publish_at=now + ANSWER_WINDOW if data.text else now,
            )
    except IntegrityError:  # a second request of the same resident raced past the check
        raise FeedbackNotPossible from None
    outbox_put(kind="email.feedback_shop", payload={"feedback_id": feedback.pk}, shop=reservation.shop_id)
    return feedback


# --- the shop's answer ---


@transaction.atomic
def feedback_answer(
    *, feedback: Feedback, text: str, public: bool, by: Any = None, now: datetime | None = None
) -> Feedback:
    """The shop answers: privately (an e-mail to the resident only) or publicly (shown under the review, and
    e-mailed too). Any time; a later answer replaces the earlier one."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationFailed(details={"answer": [_("Please write an answer.")]})
    if len(text) > TEXT_MAX:
        raise ValidationFailed(details={"answer": [_("At most %(n)d characters.") % {"n": TEXT_MAX}]})
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    locked.answer = text
    locked.answer_public = public
    locked.answered_at = now
    locked.answered_by = by if getattr(by, "is_authenticated", False) else None
    locked.save(update_fields=["answer", "answer_public", "answered_at", "answered_by"])
    outbox_put(
        kind="email.feedback_answer",
        payload={"feedback_id": locked.pk, "answered_at": now.isoformat()},
        shop=locked.shop_id,
    )
    return locked


# --- reports and moderation ---


@transaction.atomic
def feedback_report(
    *, feedback: Feedback, by: str, reason: str, now: datetime | None = None
) -> FeedbackReport:
    """A shop or a resident reports a review; it goes to the city's to-do list."""
    now = now or timezone.now()
    reason = " ".join(reason.split())
    errors: dict[str, list[str]] = {}
    if by not in FeedbackReport.By.values:
        errors["by"] = [_("Unknown reporter.")]
    if not reason:
        errors["reason"] = [_("Please say briefly what is wrong with this review.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": REASON_MAX}]
    if errors:
        raise ValidationFailed(details=errors)
    return FeedbackReport.objects.create(feedback=feedback, by=by, reason=reason, created_at=now)


def _close_reports(feedback: Feedback, now: datetime) -> None:
    FeedbackReport.objects.filter(feedback=feedback, handled_at__isnull=True).update(handled_at=now)


@transaction.atomic
def feedback_hide(
    *, feedback: Feedback, reason: str, by: Any = None, now: datetime | None = None
) -> Feedback:
    """The city hides a review; the reason is shown to the shop and to the resident."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            details={"reason": [_("Please give a reason; the shop and the resident see it.")]}
        )
    if len(reason) > 300:
        raise ValidationFailed(details={"reason": [_("At most %(n)d characters.") % {"n": 300}]})
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    locked.hidden_at = now
    locked.hidden_reason = reason
    locked.hidden_by = by if getattr(by, "is_authenticated", False) else None
    locked.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    _close_reports(locked, now)
    return locked


@transaction.atomic
def feedback_unhide(*, feedback: Feedback) -> Feedback:
    """The city shows a hidden review again."""
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    locked.hidden_at = None
    locked.hidden_reason = ""
    locked.hidden_by = None
    locked.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    return locked


@transaction.atomic
def feedback_keep(*, feedback: Feedback, now: datetime | None = None) -> Feedback:
    """The city read the reports and keeps the review as it is."""
    _close_reports(feedback, now or timezone.now())
    return feedback


# --- e-mails (outbox handlers) ------------------------------------------------------------------------------


def _reservation(reservation_id: int) -> Reservation | None:
    return (
        Reservation.objects.select_related("shop")
        .prefetch_related("lines__product")
        .filter(pk=reservation_id)
        .first()
    )


def feedback_request_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: "Was everything there and ready?" to the resident, in the reservation's language."""
    reservation = _reservation(int(message.payload["reservation_id"]))
    if reservation is None or reservation.status != Reservation.Status.COLLECTED:
        return
    with translation.override(reservation.language or settings.LANGUAGE_CODE):
        context = {
            "reservation": reservation,
            "shop": reservation.shop,
            "first_name": _first_name(reservation.customer_name),
            "lines": [(line.quantity, line.product.title) for line in reservation.lines.all()],
            "feedback_url": feedback_url(reservation=reservation),
            "days": LINK_DAYS,
            "rules_url": web_base(reservation.language) + "/bewertungen/regeln/",
        }
        email = EmailMessage(
            subject=_("Was everything there and ready at %(shop)s?") % {"shop": reservation.shop.name},
            body=render_to_string("marketplace/email/feedback_request.txt", context),
            to=[reservation.customer_email],
        )
    email.extra_headers["Message-ID"] = outbox_message_id(message)
    email.send()


def _feedback(feedback_id: int) -> Feedback | None:
    return Feedback.objects.select_related("shop", "reservation").filter(pk=feedback_id).first()


def feedback_shop_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: the shop hears about new feedback first (site language), with the 72-hour window."""
    feedback = _feedback(int(message.payload["feedback_id"]))
    if feedback is None or not feedback.shop.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "feedback": feedback,
            "shop": feedback.shop,
            "publish_at": timezone.localtime(feedback.publish_at).strftime("%d.%m.%Y %H:%M"),
            "has_text": bool(feedback.text),
            "my_shop_url": f"{settings.SITE_URL}/mein-laden/{feedback.shop.slug}/#bewertungen",
        }
        email = EmailMessage(
            subject=_("New feedback for %(shop)s") % {"shop": feedback.shop.name},
            body=render_to_string("marketplace/email/feedback_shop.txt", context),
            to=[feedback.shop.email],
        )
    email.extra_headers["Message-ID"] = outbox_message_id(message)
    email.send()


def feedback_answer_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: the shop's answer to the resident (private or public), in the resident's language."""
    feedback = _feedback(int(message.payload["feedback_id"]))
    if feedback is None or not feedback.answer:
        return
    reservation = feedback.reservation
    with translation.override(feedback.language or settings.LANGUAGE_CODE):
        context = {
            "feedback": feedback,
            "shop": feedback.shop,
            "first_name": feedback.first_name,
            "shop_url": shop_page_url(slug=feedback.shop.slug, base=web_base(feedback.language)),
        }
        email = EmailMessage(
            subject=_("%(shop)s answered your feedback") % {"shop": feedback.shop.name},
            body=render_to_string("marketplace/email/feedback_answer.txt", context),
            to=[reservation.customer_email],
            reply_to=[feedback.shop.email] if feedback.shop.email else None,
        )
    email.extra_headers["Message-ID"] = outbox_message_id(message)
    email.send()
