"""Job postings: expiry by the town's date (frozen clock), limits, the reminder 3 days before the end."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from marketplace.exceptions import NotFound, ValidationFailed
from marketplace.models import JobPosting
from marketplace.selectors import jobs as selectors
from marketplace.services import jobs as svc
from marketplace.services.jobs import JobInput, JobLimitReached
from tests.factories import MembershipFactory, ShopFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)
MONDAY = MONDAY_NOON.date()


def _input(**overrides) -> JobInput:
    values = {
        "title": "Verkäufer/in",
        "kind": JobPosting.Kind.PART_TIME,
        "description": "Beratung und Kasse.",
        "valid_through": MONDAY + timedelta(days=10),
        "apply_email": "jobs@laden.example",
    }
    values.update(overrides)
    return JobInput(**values)


@pytest.mark.django_db
def test_a_job_is_open_through_its_last_day_and_gone_the_day_after():
    # given: valid through Friday
    shop = ShopFactory()
    friday = date(2026, 12, 4)
    job = svc.job_create(shop=shop, data=_input(valid_through=friday), now=MONDAY_NOON)
    # when / then: the clock is frozen at Friday 23:59 and Saturday 00:01 (Berlin)
    with time_machine.travel(datetime(2026, 12, 4, 23, 59, tzinfo=BERLIN), tick=False):
        today = svc.town_today(datetime.now(BERLIN))
        assert list(selectors.jobs_live(today=today)) == [job]
    with time_machine.travel(datetime(2026, 12, 5, 0, 1, tzinfo=BERLIN), tick=False):
        today = svc.town_today(datetime.now(BERLIN))
        assert list(selectors.jobs_live(today=today)) == []
        with pytest.raises(NotFound):
            selectors.job_get_public(job_id=job.pk, today=today)
    assert JobPosting.objects.filter(pk=job.pk).exists()


@pytest.mark.django_db
def test_featured_jobs_come_first_and_filters_work():
    shop = ShopFactory()
    plain = svc.job_create(shop=shop, data=_input(title="Kasse"), now=MONDAY_NOON)
    apprenticeship = svc.job_create(
        shop=shop,
        data=_input(title="Ausbildung", kind=JobPosting.Kind.APPRENTICESHIP),
        now=MONDAY_NOON - timedelta(days=1),
    )
    svc.job_feature(job=apprenticeship, featured=True)
    assert list(selectors.jobs_live(today=MONDAY)) == [apprenticeship, plain]
    assert list(selectors.jobs_live(today=MONDAY, kind="part_time")) == [plain]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "volunteer"}, "kind"),
        ({"description": "  "}, "description"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"hours_per_week": 61}, "hours_per_week"),
        ({"valid_through": MONDAY - timedelta(days=1)}, "valid_through"),
        ({"valid_through": MONDAY + timedelta(days=181)}, "valid_through"),
        ({"apply_email": "", "apply_phone": "", "apply_note": ""}, "apply"),
        ({"apply_email": "not-an-address"}, "apply_email"),
    ],
)
def test_bad_job_input_is_refused_and_changes_nothing(overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        svc.job_create(shop=ShopFactory(), data=_input(**overrides), now=MONDAY_NOON)
    assert field in exc.value.details
    assert JobPosting.objects.count() == 0


@pytest.mark.django_db
def test_limits_on_open_postings_and_postings_per_day(settings):
    settings.LADENKARTE_JOBS_OPEN_MAX = 2
    settings.LADENKARTE_JOBS_PER_DAY = 3
    shop = ShopFactory()
    first = svc.job_create(shop=shop, data=_input(), now=MONDAY_NOON)
    svc.job_create(shop=shop, data=_input(), now=MONDAY_NOON)
    with pytest.raises(JobLimitReached):
        svc.job_create(shop=shop, data=_input(), now=MONDAY_NOON)
    # ending one frees a slot, but the day's budget still counts the ended one
    svc.job_end(job=first, now=MONDAY_NOON)
    svc.job_create(shop=shop, data=_input(), now=MONDAY_NOON)
    svc.job_end(job=first, now=MONDAY_NOON)
    JobPosting.objects.filter(shop=shop).update(valid_through=MONDAY - timedelta(days=1))
    with pytest.raises(JobLimitReached) as exc:
        svc.job_create(shop=shop, data=_input(), now=MONDAY_NOON)
    assert exc.value.code == "job_limit_reached"
    assert JobPosting.objects.filter(shop=shop).count() == 3


@pytest.mark.django_db(transaction=True)
def test_reminder_three_days_before_the_end_once_and_again_after_extending(settings):
    # given: a posting that ends on Thursday, owned by a shop with an owner
    settings.CELERY_TASK_ALWAYS_EAGER = True
    shop = ShopFactory(email="")
    owner = MembershipFactory(shop=shop).user
    job = svc.job_create(shop=shop, data=_input(valid_through=date(2026, 12, 3)), now=MONDAY_NOON)
    # when: the beat runs on Sunday (4 days before): nothing yet
    assert svc.jobs_remind_expiring(now=MONDAY_NOON - timedelta(days=1)) == []
    # when: Monday (3 days before)
    assert svc.jobs_remind_expiring(now=MONDAY_NOON) == [job.pk]
    # then: one e-mail to the owner, in German, with the end date and the my-shop link
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "03.12.2026" in mail.outbox[0].subject
    assert f"/mein-laden/{shop.slug}/#jobs" in mail.outbox[0].body
    # when: the beat runs again the same and the next day: no second e-mail
    assert svc.jobs_remind_expiring(now=MONDAY_NOON + timedelta(hours=1)) == []
    assert svc.jobs_remind_expiring(now=MONDAY_NOON + timedelta(days=1)) == []
    assert len(mail.outbox) == 1
    # when: the shop extends the posting, the reminder is armed again for the new end
    svc.job_update(job=job, changes={"valid_through": date(2026, 12, 20)}, now=MONDAY_NOON)
    assert svc.jobs_remind_expiring(now=MONDAY_NOON + timedelta(days=1)) == []
    assert svc.jobs_remind_expiring(now=datetime(2026, 12, 17, 9, 0, tzinfo=BERLIN)) == [job.pk]
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_no_reminder_for_ended_postings_or_suspended_shops(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    ended = svc.job_create(shop=ShopFactory(), data=_input(valid_through=date(2026, 12, 2)), now=MONDAY_NOON)
    svc.job_end(job=ended, now=MONDAY_NOON)
    suspended_shop = ShopFactory()
    svc.job_create(shop=suspended_shop, data=_input(valid_through=date(2026, 12, 2)), now=MONDAY_NOON)
    suspended_shop.status = suspended_shop.Status.SUSPENDED
    suspended_shop.save()
    assert svc.jobs_remind_expiring(now=MONDAY_NOON) == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_update_checks_everything_again_and_changes_nothing_on_error():
    job = svc.job_create(shop=ShopFactory(), data=_input(), now=MONDAY_NOON)
    with pytest.raises(ValidationFailed):
        svc.job_update(
            job=job, changes={"apply_email": "", "apply_phone": "", "apply_note": ""}, now=MONDAY_NOON
        )
    with pytest.raises(ValidationFailed):
        svc.job_update(job=job, changes={"shop_id": 99}, now=MONDAY_NOON)
    job.refresh_from_db()
    assert job.apply_email == "jobs@laden.example"
