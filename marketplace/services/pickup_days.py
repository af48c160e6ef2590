"""The pickup day of a reservation: choosing it, the hold it gives, its reminder, and moving it once.

Which days are offered is one read, `marketplace.selectors.pickup.pickup_options` (effective hours, lead
time, the shop's minimum window today, days ahead, later days on or off); this module turns a choice into
a hold and checks it with clear error codes (decision 2100). `reservations.reservation_create` calls
`pickup_day_choose` and `pickup_hold`; the move below changes one reservation row only (step 3 of the lock
order in `marketplace.services.reservations`): the stock stays held, no counter changes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.opening_hours import Schedule
from marketplace.exceptions import (
    PickupDateClosed,
    PickupDateInPast,
    PickupDateNextDayOnly,
    PickupDateTooFar,
    PickupLaterDaysOff,
    PickupUnavailable,
    ReservationMoveNotPossible,
    ValidationFailed,
)
from marketplace.models import Reservation, Shop, StockMode
from marketplace.selectors.hours import shop_schedule
from marketplace.selectors.pickup import PickupDay, PickupOptions, pickup_board, pickup_options
from marketplace.services.reservation_emails import reservation_emails_queue
from marketplace.services.webhooks import webhook_event_emit

# The reminder goes out at this local time on the pickup day, unless the reservation was made less than
# REMINDER_MIN_NOTICE before that (a same-day pickup made in the morning needs no reminder).
REMINDER_LOCAL_TIME = time(7, 0)
REMINDER_MIN_NOTICE = timedelta(hours=2)


def shop_schedule_now(shop: Shop, *, now: datetime) -> Schedule:
    """The shop's schedule from the per-process pickup board (no query while it is fresh), else loaded.

    The board keeps every active shop's schedule for the day before today and the pickup horizon, which is
    all the pickup days look at; it is at most `BOARD_TTL_SECONDS` old (as the search).
    """
    schedule = pickup_board(now=now).schedules.get(shop.pk)
    return schedule if schedule is not None else shop_schedule(shop, now=now)


def _offered(options: PickupOptions) -> list[str]:
    return [day.date.isoformat() for day in options.days]


def pickup_day_choose(
    *,
    shop: Shop,
    schedule: Schedule,
    now: datetime,
    pickup_date: date | None = None,
    from_next_day: bool = False,
) -> PickupDay:
    """The offered day for `pickup_date` (default: the first possible one), else a clear error.

    Raises `PickupUnavailable` (no day at all), `PickupDateInPast`, `PickupDateNextDayOnly` (today, for an
    order with a "next day" product), `PickupLaterDaysOff`, `PickupDateTooFar` or `PickupDateClosed`; each
    carries `details.offered` (ISO dates).
    """
    options = pickup_options(shop=shop, schedule=schedule, now=now, from_next_day=from_next_day)
    if pickup_date is None:
        if options.first is None:
            raise PickupUnavailable(
                _("The shop has no opening hours in the coming days in which to collect.")
            )
        return options.first
    day = options.get(pickup_date)
    if day is not None:
        return day
    today = now.astimezone(schedule.tz).date()
    details = {"pickup_date": pickup_date.isoformat(), "offered": _offered(options)}
    if pickup_date < today:
        raise PickupDateInPast(details=details)
    if from_next_day and pickup_date == today:
        raise PickupDateNextDayOnly(details=details)
    if pickup_date > today and not from_next_day and not (shop.pickup_later_days and shop.pickup_days_ahead):
        raise PickupLaterDaysOff(details=details)
    lead = timedelta(minutes=shop.pickup_lead_minutes)
    if schedule.pickup_day(pickup_date, now, lead) is None:
        raise PickupDateClosed(details=details)  # closed that day (or too late to collect today)
    raise PickupDateTooFar(details=details | {"pickup_days_ahead": shop.pickup_days_ahead})


def pickup_hold(*, shop: Shop, day: PickupDay) -> tuple[datetime, datetime]:
    """(pickup from, held until) on the chosen day: what the day offered said (`PickupDay.ends` is that
    day's closing, or the end of the shop's shorter hold, `selectors.pickup`): a hold never runs through
    a night. The stock is held from the moment of reserving (a hold is an active reservation line,
    whatever its day).
    """
    return day.starts, day.ends


def shop_confirm_deadline(*, reservation: Reservation, now: datetime) -> datetime:
    """Until when the shop must confirm a no-count hold (decision 1600): `LADENKARTE_SHOP_CONFIRM_MINUTES`
    after pickup starts (or after now, if later), in whole minutes, never after the hold's full end."""
    start = max(now, reservation.pickup_from)
    deadline = _ceil_minute(start + timedelta(minutes=settings.LADENKARTE_SHOP_CONFIRM_MINUTES))
    end = reservation.hold_until or reservation.expires_at
    return min(deadline, end)


def reservation_expiry(reservation: Reservation) -> datetime:
    """The expiry of a hold with confirmations: its full end (`hold_until`), cut to each pending deadline
    (the resident's e-mail link, `confirm_by`; the shop's confirmation, `shop_confirm_by`)."""
    end = reservation.hold_until or reservation.expires_at
    if reservation.confirm_by is not None and reservation.confirmed_at is None:
        end = min(end, reservation.confirm_by)
    if reservation.shop_confirm_by is not None and reservation.ready_at is None:
        end = min(end, reservation.shop_confirm_by)
    return end


def _ceil_minute(value: datetime) -> datetime:
    floored = value.replace(second=0, microsecond=0)
    return floored if floored == value else floored + timedelta(minutes=1)


def reminder_due_at(*, day: date, tz: ZoneInfo, created_at: datetime) -> datetime | None:
    """When the pickup-day reminder is due (the morning of `day`), or None when it would come too soon."""
    due = datetime.combine(day, REMINDER_LOCAL_TIME, tzinfo=tz)
    return None if created_at > due - REMINDER_MIN_NOTICE else due


@transaction.atomic
def reservation_move_next_day(*, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Move an active reservation's pickup to the shop's next offered day after its current one, once.

    Refused (`ReservationMoveNotPossible`, `details.reason`) when the shop does not allow it
    (`not_allowed`), the reservation was moved before (`already_moved`), it no longer holds stock
    (`not_active`: collected, cancelled, or expired by timestamp) or there is no later offered day
    (`no_later_day`). Locks only the reservation row (lock order step 3): held units stay held.
    """
    now = now or timezone.now()
    locked = Reservation.objects.select_for_update(of=("self",)).select_related("shop").get(pk=reservation.pk)
    shop = locked.shop

    def refuse(reason: str, message: str) -> ReservationMoveNotPossible:
        return ReservationMoveNotPossible(message, details={"reason": reason})

    if not (shop.pickup_move_allowed and shop.pickup_later_days):
        raise refuse("not_allowed", _("This shop does not allow moving the pickup day."))
    if not locked.is_active_at(now):
        raise refuse("not_active", _("This reservation no longer holds the items."))
    if locked.moved_at is not None:
        raise refuse("already_moved", _("This reservation was already moved once."))
    schedule = shop_schedule_now(shop, now=now)
    current = locked.pickup_date or timezone.localtime(locked.pickup_from, schedule.tz).date()
    next_day = locked.lines.filter(product__stock_mode=StockMode.NEXT_DAY).exists()
    day = pickup_options(shop=shop, schedule=schedule, now=now, from_next_day=next_day).after(current)
    if day is None:
        raise refuse("no_later_day", _("The shop offers no later day for pickup."))
    pickup_from, expires_at = pickup_hold(shop=shop, day=day)
    locked.pickup_date = day.date
    locked.pickup_from = pickup_from
    if locked.hold_until is not None:
        # a hold with confirmations: a pending e-mail deadline stays; the shop's moves with the day
        locked.hold_until = expires_at
        if locked.shop_confirm_by is not None and locked.ready_at is None:
            locked.shop_confirm_by = shop_confirm_deadline(reservation=locked, now=now)
        locked.expires_at = reservation_expiry(locked)
    else:
        locked.expires_at = expires_at
    locked.moved_at = now
    locked.remind_at = reminder_due_at(day=day.date, tz=schedule.tz, created_at=now)
    locked.reminder_sent_at = None  # a new day, a new reminder
    locked.save(
        update_fields=[
            "pickup_date",
            "pickup_from",
            "expires_at",
            "hold_until",
            "shop_confirm_by",
            "moved_at",
            "remind_at",
            "reminder_sent_at",
            "updated_at",
        ]
    )
    webhook_event_emit(
        shop=shop,
        event="reservation.moved",
        payload={
            "code": locked.code,
            "status": locked.status,
            "pickup_date": day.date.isoformat(),
            "pickup_from": locked.pickup_from.isoformat(),
            "expires_at": locked.expires_at.isoformat(),
        },
    )
    reservation_emails_queue(reservation=locked, event="moved")
    return locked


def reservation_can_move(reservation: Reservation, *, now: datetime) -> bool:
    """Whether the status page offers the move button (the service still decides under the lock)."""
    shop = reservation.shop
    return (
        shop.pickup_move_allowed
        and shop.pickup_later_days
        and reservation.moved_at is None
        and reservation.status in Reservation.ACTIVE_STATUSES
        and reservation.expires_at > now
    )


# --- the shop's pickup settings (my-shop and the merchant API) ---------------------------------------------

PICKUP_SETTINGS = (
    "pickup_lead_minutes",
    "pickup_min_window_minutes",
    "pickup_days_ahead",
    "pickup_later_days",
    "pickup_move_allowed",
    "hold_minutes",
)
_LIMITS = {
    "pickup_lead_minutes": (0, 24 * 60),
    "pickup_min_window_minutes": (0, 12 * 60),
    "pickup_days_ahead": (0, 7),
}
MAX_DAYS_AHEAD = 7


def _hold_minutes_ok(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 15 <= value <= 7 * 24 * 60


@transaction.atomic
def shop_pickup_settings_update(*, shop: Shop, changes: dict[str, object]) -> Shop:
    """Change some of the shop's pickup settings; all checked first, then one UPDATE (nothing on error).

    Lead time 0-1440 minutes, minimum window today 0-720, days ahead 0-7, hold length empty or at least
    15 minutes; the two switches are booleans. Raises `ValidationFailed` with per-field details.
    """
    unknown = sorted(set(changes) - set(PICKUP_SETTINGS))
    errors: dict[str, list[str]] = {name: [_("Unknown setting.")] for name in unknown}
    for name, value in changes.items():
        if name in _LIMITS:
            low, high = _LIMITS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[name] = [_("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        elif name in ("pickup_later_days", "pickup_move_allowed") and not isinstance(value, bool):
            errors[name] = [_("true or false.")]
        elif name == "hold_minutes" and value is not None and not _hold_minutes_ok(value):
            errors[name] = [_("Empty (until closing) or at least 15 minutes.")]
    if errors:
        raise ValidationFailed(_("The input is not valid."), details=errors)
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changes, "updated_at"])
    return locked
