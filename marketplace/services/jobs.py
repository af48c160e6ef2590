"""Job postings of shops: write (with limits), change, end, the city's featuring, and the expiry reminder.

A posting is shown through `valid_through` (a local date, inclusive) and disappears by itself the day after.
Applications go straight to the shop by e-mail, phone or in person: no CV is uploaded to or stored by us.
Three days before the end the shop gets one e-mail (Celery beat marks the posting and writes an outbox row
in the same transaction, decision 0900); extending the end date re-arms the reminder.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import LimitExceeded, ValidationFailed
from marketplace.models import JobPosting, OutboxMessage, Shop
from marketplace.selectors.merchant import shop_email_addresses
from marketplace.services.emails import email_compose
from marketplace.services.outbox import Outgoing, outbox_message_id, outbox_put_all
from marketplace.services.posts import local_day_start


class JobLimitReached(LimitExceeded):
    code = "job_limit_reached"
    status = 429


@dataclass(frozen=True)
class JobInput:
    """A job posting as the merchant sends it (shape-checked by the form or serializer)."""

    title: str
    kind: str
    description: str
    valid_through: date
    hours_per_week: int | None = None
    starts_on: date | None = None
    apply_email: str = ""
    apply_phone: str = ""
    apply_note: str = ""


def town_today(now: datetime) -> date:
    """The town's local date: job postings are valid through a date in the town's time zone."""
    return timezone.localdate(now)


def _check(data: JobInput, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("Please give the job a title.")]
    elif len(data.title.strip()) > 120:
        errors["title"] = [_("At most 120 characters.")]
    if data.kind not in JobPosting.Kind.values:
        errors["kind"] = [_("Choose full time, part time, mini job, apprenticeship or internship.")]
    if not data.description.strip():
        errors["description"] = [_("Please describe the job in a few sentences.")]
    elif len(data.description) > 3000:
        errors["description"] = [_("At most 3000 characters.")]
    if data.hours_per_week is not None and not 1 <= data.hours_per_week <= 60:
        errors["hours_per_week"] = [_("Between 1 and 60 hours a week.")]
    if data.valid_through < today:
        errors["valid_through"] = [_("The end date must not be in the past.")]
    elif data.valid_through > today + timedelta(days=settings.LADENKARTE_JOB_MAX_DAYS):
        errors["valid_through"] = [
            _("A job can be posted for at most %(days)s days.") % {"days": settings.LADENKARTE_JOB_MAX_DAYS}
        ]
    if data.starts_on is not None and data.starts_on < today - timedelta(days=365):
        errors["starts_on"] = [_("Please check the start date.")]
    if data.apply_email:
        try:
            validate_email(data.apply_email)
        except Exception:
            errors["apply_email"] = [_("Enter a valid e-mail address.")]
    if len(data.apply_phone) > 40:
        errors["apply_phone"] = [_("At most 40 characters.")]
    if len(data.apply_note) > 300:
        errors["apply_note"] = [_("At most 300 characters.")]
    if not (data.apply_email.strip() or data.apply_phone.strip() or data.apply_note.strip()):
        errors["apply"] = [_("Say how to apply: e-mail, phone or a note (e.g. drop in with a short letter).")]
    return errors


def _values(data: JobInput) -> dict[str, Any]:
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    for name in ("title", "description", "apply_email", "apply_phone", "apply_note"):
        values[name] = values[name].strip()
    return values


@transaction.atomic
def job_create(*, shop: Shop, data: JobInput, now: datetime | None = None) -> JobPosting:
    """Post a job for `shop`; `ValidationFailed` for bad input, `JobLimitReached` past the limits."""
    now = now or timezone.now()
    today = town_today(now)
    errors = _check(data, today)
    if errors:
        raise ValidationFailed(details=errors)
    locked = Shop.objects.select_for_update().only("pk", "time_zone").get(pk=shop.pk)
    open_jobs = JobPosting.objects.filter(shop=locked, valid_through__gte=today).count()
    if open_jobs >= settings.LADENKARTE_JOBS_OPEN_MAX:
        raise JobLimitReached(
            _("Your shop has %(n)s open job postings; end one before posting another.") % {"n": open_jobs},
            details={"limit": settings.LADENKARTE_JOBS_OPEN_MAX},
        )
    created_today = JobPosting.objects.filter(
        shop=locked, created_at__gte=local_day_start(now, locked.time_zone)
    ).count()
    if created_today >= settings.LADENKARTE_JOBS_PER_DAY:
        raise JobLimitReached(
            _("Your shop has posted %(n)s jobs today; more are possible tomorrow.") % {"n": created_today},
            details={"limit": settings.LADENKARTE_JOBS_PER_DAY},
        )
    return JobPosting.objects.create(shop=locked, created_at=now, **_values(data))


@transaction.atomic
def job_update(*, job: JobPosting, changes: dict[str, Any], now: datetime | None = None) -> JobPosting:
    """Change fields of a posting (all checks again); a later end date re-arms the expiry reminder."""
    now = now or timezone.now()
    locked = JobPosting.objects.select_for_update().get(pk=job.pk)
    allowed = {f.name for f in fields(JobInput)}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationFailed(details={name: [_("Unknown field.")] for name in unknown})
    current = JobInput(**{name: getattr(locked, name) for name in allowed})
    data = replace(current, **changes)
    errors = _check(data, town_today(now))
    if errors:
        raise ValidationFailed(details=errors)
    for name, value in _values(data).items():
        setattr(locked, name, value)
    update = [*allowed, "updated_at"]
    if data.valid_through > current.valid_through:
        locked.expiry_reminder_sent_at = None
        update.append("expiry_reminder_sent_at")
    locked.save(update_fields=update)
    return locked


@transaction.atomic
def job_end(*, job: JobPosting, now: datetime | None = None) -> JobPosting:
    """The shop takes a posting down: it was valid through yesterday (the row stays)."""
    now = now or timezone.now()
    locked = JobPosting.objects.select_for_update().get(pk=job.pk)
    yesterday = town_today(now) - timedelta(days=1)
    if locked.valid_through > yesterday:
        locked.valid_through = yesterday
        locked.save(update_fields=["valid_through", "updated_at"])
    return locked


@transaction.atomic
def job_feature(*, job: JobPosting, featured: bool) -> JobPosting:
    """The city features a posting (shown first on the jobs page, e.g. apprenticeships in autumn)."""
    locked = JobPosting.objects.select_for_update().get(pk=job.pk)
    if locked.featured != featured:
        locked.featured = featured
        locked.save(update_fields=["featured", "updated_at"])
    return locked


@transaction.atomic
def jobs_remind_expiring(*, now: datetime | None = None) -> list[int]:
    """Mark postings that end within the reminder window and e-mail their shops (outbox, after commit).

    Each posting is reminded once (`expiry_reminder_sent_at`); rows locked by a concurrent run are
    skipped, so two beat workers never send the same reminder twice.
    """
    now = now or timezone.now()
    today = town_today(now)
    window_end = today + timedelta(days=settings.LADENKARTE_JOB_REMINDER_DAYS)
    due = list(
        JobPosting.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            valid_through__gte=today,
            valid_through__lte=window_end,
            expiry_reminder_sent_at__isnull=True,
            shop__status=Shop.Status.ACTIVE,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if due:
        JobPosting.objects.filter(pk__in=due).update(expiry_reminder_sent_at=now)
        shops = dict(JobPosting.objects.filter(pk__in=due).values_list("pk", "shop_id"))
        outbox_put_all(
            [Outgoing("email.job_expiring", {"job_id": job_id}, shop=shops[job_id]) for job_id in due],
            now=now,
        )
    return due


def job_expiry_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: e-mail the shop's owners (and the shop address) that a posting ends soon."""
    job_expiry_email_send(job_id=int(message.payload["job_id"]), message_id=outbox_message_id(message))


def job_expiry_email_send(*, job_id: int, message_id: str = "") -> int:
    """The reminder e-mail itself; 0 when the posting is gone, was extended or ended meanwhile."""
    job = JobPosting.objects.select_related("shop").filter(pk=job_id).first()
    if job is None or job.expiry_reminder_sent_at is None:  # gone, or extended meanwhile (re-armed)
        return 0
    shop = job.shop
    recipients = shop_email_addresses(shop=shop)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "job": job,
            "shop": shop,
            "site_url": settings.SITE_URL,
            "my_shop_path": f"/mein-laden/{shop.slug}/#jobs",
            "operator": settings.LADENKARTE_OPERATOR,
            "town": settings.LADENKARTE_TOWN,
        }
        subject = _("Your job posting “%(title)s” ends on %(date)s") % {
            "title": job.title,
            "date": job.valid_through.strftime("%d.%m.%Y"),
        }
        headers = {"Message-ID": message_id} if message_id else {}
        return email_compose(
            subject=subject,
            template="marketplace/email/job_expiring.txt",
            context=context,
            to=recipients,
            headers=headers,
        ).send()
