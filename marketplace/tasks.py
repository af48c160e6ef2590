"""Celery tasks: thin wrappers that call services, all started by Celery beat.

No request enqueues a task: side effects of writes are outbox rows (`marketplace.services.outbox`) that
the `outbox_dispatch` beat task delivers.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def outbox_dispatch() -> int:
    """Celery beat (every few seconds): deliver due outbox rows (e-mails, webhook events, jobs)."""
    from marketplace.services.outbox import outbox_dispatch as dispatch

    return dispatch().total


@shared_task(ignore_result=True)
def outbox_purge() -> int:
    """Celery beat (daily): delete delivered outbox rows past their keeping time."""
    from marketplace.services.outbox import outbox_purge as purge

    return purge()


@shared_task(ignore_result=True)
def alerts_purge() -> int:
    """Celery beat (daily): delete "tell me when it's here" alerts 30 days after they ended."""
    from marketplace.services.alerts import alerts_purge as purge

    return purge()


@shared_task(ignore_result=True)
def reservations_sweep() -> int:
    """Celery beat: expire past-due reservations and release their stock."""
    from marketplace.services.reservations import reservations_sweep as sweep

    return sweep()


@shared_task(ignore_result=True)
def reservations_remind() -> int:
    """Celery beat: remind residents on the morning of their pickup day (once each)."""
    from marketplace.services.reservations import reservations_remind as remind

    return len(remind())


@shared_task(ignore_result=True)
def idempotency_records_purge() -> int:
    """Celery beat: delete idempotency records past their expiry."""
    from marketplace.services.idempotency import idempotency_records_purge as purge

    return purge()


@shared_task(ignore_result=True)
def search_words_refresh() -> int:
    """Celery beat (hourly) and after catalogue imports: rebuild the search's typo-correction word list."""
    from marketplace.services.search_index import search_words_refresh as refresh

    return refresh()


@shared_task(ignore_result=True)
def data_health_snapshot() -> int:
    """Celery beat (daily): store the town's data-health totals for the chart over time."""
    from marketplace.services.data_health import data_health_snapshot_write

    return data_health_snapshot_write().pk


@shared_task(ignore_result=True)
def stale_stock_remind() -> int:
    """Celery beat (weekly): ask merchants whose stock went stale whether it is still true."""
    from marketplace.services.data_health import stale_stock_reminders_send

    return stale_stock_reminders_send()


@shared_task(ignore_result=True)
def jobs_remind_expiring() -> int:
    """Celery beat: e-mail shops whose job postings end within the next days (each posting once)."""
    from marketplace.services.jobs import jobs_remind_expiring as remind

    return len(remind())


@shared_task(ignore_result=True)
def connectors_pull_due() -> int:
    """Celery beat (every minute): queue the pulls of till connectors that are due (issue 16)."""
    from marketplace.services.connectors import connectors_pull_due as pull_due

    return pull_due()


@shared_task(ignore_result=True)
def signups_purge() -> int:
    """Celery beat (hourly): delete registrations whose e-mail address was not confirmed in time."""
    from marketplace.services.signup import signup_lapsed_purge

    return signup_lapsed_purge()
