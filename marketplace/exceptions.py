"""Domain errors with stable, machine-readable codes; `api.errors` turns them into the error body."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every business-rule violation. `status` is the HTTP status the API answers with."""

    code = "domain_error"
    status = 400
    default_message: str | Promise = _("The request breaks a business rule.")

    def __init__(
        self, message: str | Promise | None = None, *, details: dict[str, Any] | None = None
    ) -> None:
        # Kept lazy: `message` is resolved when read, in the language active then (the request's).
        self._message = message or self.default_message
        self.details = details or {}
        super().__init__(self._message)

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 400
    default_message = _("The input is not valid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You may not do this.")


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    status = 409
    default_message = _("Not enough stock for at least one item.")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    default_message = _("The reservation cannot change to this state.")


class ReservationNotCancellable(InvalidTransition):
    code = "reservation_not_cancellable"
    default_message = _("The reservation can no longer be cancelled.")


class LimitExceeded(DomainError):
    code = "limit_exceeded"
    status = 409
    default_message = _("A limit was reached.")


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    default_message = _("This Idempotency-Key was used with a different request.")


class IdempotencyKeyInUse(DomainError):
    code = "idempotency_key_in_use"
    status = 409
    default_message = _("A request with this Idempotency-Key is still being processed.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = _("Too many requests. Please try again later.")


class TooManyUnits(LimitExceeded):
    code = "too_many_units"
    status = 422
    default_message = _("Too many units of one item in one reservation.")


class TooManyActiveReservations(LimitExceeded):
    code = "too_many_active_reservations"
    default_message = _("This e-mail address already has the maximum number of open reservations.")


class ShopUnavailable(DomainError):
    code = "shop_unavailable"
    status = 409
    default_message = _("The shop does not take reservations at the moment.")


class PickupUnavailable(DomainError):
    code = "pickup_unavailable"
    status = 409
    default_message = _(
        "The shop has no opening hours in the coming days in which the items could be collected."
    )


class StockChanged(DomainError):
    """A person's stock edit was made over a figure that changed meanwhile (compare-and-set failed)."""

    code = "stock_changed"
    status = 409
    default_message = _("The stock was changed meanwhile. Nothing was saved.")


class PersonProductLimit(LimitExceeded):
    """One person (normalised e-mail) would hold more units of one product than allowed."""

    code = "person_product_limit"
    default_message = _("You already hold as many units of this item as one person may.")


class PersonShopLimit(LimitExceeded):
    """One person (normalised e-mail) would hold more units in one shop than allowed."""

    code = "person_shop_limit"
    default_message = _("You already hold as many units in this shop as one person may.")


class ConfirmationNotPossible(DomainError):
    """The confirmation link is wrong, or the hold was not waiting for a confirmation (any more)."""

    code = "confirmation_not_possible"
    status = 409
    default_message = _("This reservation cannot be confirmed (any more).")


class PickupDateNotOffered(DomainError):
    """The chosen pickup day is not one the shop offers now (decision 2100); `details.offered` lists them."""

    code = "pickup_date_not_offered"
    status = 422
    default_message = _("The shop does not offer pickup on this day.")


class PickupDateInPast(PickupDateNotOffered):
    code = "pickup_date_in_past"
    default_message = _("The pickup day is in the past.")


class PickupDateClosed(PickupDateNotOffered):
    code = "pickup_date_closed"
    default_message = _("The shop is closed on this day, or it is too late to collect today.")


class PickupDateTooFar(PickupDateNotOffered):
    code = "pickup_date_too_far"
    default_message = _("The pickup day is further ahead than the shop allows.")


class PickupLaterDaysOff(PickupDateNotOffered):
    code = "pickup_later_days_off"
    default_message = _("This shop takes reservations only for pickup today.")


class PickupDateNextDayOnly(PickupDateNotOffered):
    code = "pickup_date_next_day_only"
    default_message = _(
        "An item of this reservation is orderable for the next opening day: it cannot be collected today."
    )


class ReservationMoveNotPossible(DomainError):
    """Moving the pickup to the next opening day is not allowed (any more) for this reservation."""

    code = "reservation_move_not_possible"
    status = 409
    default_message = _("This reservation cannot be moved to another day.")


class FeedbackLinkInvalid(DomainError):
    """The feedback link was altered, belongs to no reservation, or its 30 days are over."""

    code = "feedback_link_invalid"
    status = 404
    default_message = _("This feedback link is not valid (any more).")


class FeedbackNotPossible(DomainError):
    """Feedback only for collected reservations, once each."""

    code = "feedback_not_possible"
    status = 409
    default_message = _("Feedback can be given once, for a collected reservation.")


class TooManyAlerts(LimitExceeded):
    code = "too_many_alerts"
    default_message = _("This e-mail address already has the maximum number of alerts.")


class AlertLinkInvalid(DomainError):
    code = "alert_link_invalid"
    status = 404
    default_message = _("This link is not valid (any more).")


class WebhookUrlRefused(ValidationFailed):
    """A webhook URL that is not https (outside DEBUG) or could reach our own network; `details.reason`."""

    code = "webhook_url_refused"
    status = 400
    default_message = _("This webhook URL is not allowed.")


class ShopNotActive(DomainError):
    """Webhooks are for shops the city approved: pending, suspended, rejected (any not active) are refused."""

    code = "shop_not_active"
    status = 409
    default_message = _("This is possible only once the city has approved the shop.")


class SignupLinkInvalid(DomainError):
    """A sign-up confirmation link that is unknown, used or lapsed (one answer for all)."""

    code = "signup_link_invalid"
    status = 404
    default_message = _("This link is not valid (any more).")
