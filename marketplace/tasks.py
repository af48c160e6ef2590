"""Celery tasks: thin wrappers that call services (scheduled with `transaction.on_commit`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(ignore_result=True)
def webhook_deliver(
    webhook_id: int, event: str, event_id: str, envelope: dict[str, Any], attempt: int = 1
) -> None:
    """Deliver one webhook event; on failure schedule the next attempt with exponential back-off."""
    from marketplace.services.webhooks import webhook_attempt

    outcome = webhook_attempt(
        webhook_id=webhook_id, event=event, event_id=event_id, envelope=envelope, attempt=attempt
    )
    if outcome.retry_in is not None:
        webhook_deliver.apply_async(
            args=(webhook_id, event, event_id, envelope, attempt + 1), countdown=outcome.retry_in
        )


@shared_task(ignore_result=True)
def csv_import_run(job_id: int) -> None:
    """Run a large CSV import in the background; progress and report are kept on the `ImportJob`."""
    from marketplace.services.csv_import import import_job_run

    import_job_run(job_id=job_id)


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def shop_status_notify(*, shop_id: int, event: str, message: str = "") -> int:
    """E-mail a shop's owners about an onboarding step (registered, approved, rejected, ...)."""
    from marketplace.services.shops import shop_status_email_send

    return shop_status_email_send(shop_id=shop_id, event=event, message=message)


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def reservation_notify(
    reservation_id: int, event: str, token: str = "", by: str = "", confirm_token: str = ""
) -> int:
    """E-mail the resident (and for new or resident-cancelled ones the shop) about a reservation event."""
    from marketplace.services.reservation_emails import reservation_email_send

    return reservation_email_send(
        reservation_id=reservation_id, event=event, token=token, by=by, confirm_token=confirm_token
    )


@shared_task(ignore_result=True)
def reservations_notify_expired(reservation_ids: list[int]) -> None:
    """One e-mail task per reservation the sweeper expired."""
    for reservation_id in reservation_ids:
        reservation_notify.delay(reservation_id, "expired")


@shared_task(ignore_result=True)
def reservations_sweep() -> int:
    """Celery beat: expire past-due reservations and release their stock."""
    from marketplace.services.reservations import reservations_sweep as sweep

    return sweep()


@shared_task(ignore_result=True)
def reservations_remind() -> int:
    """Celery beat: remind residents shortly before their hold expires."""
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


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def claim_code_email_send(*, shop_id: int, code: str, url: str) -> int:
    """E-mail a listing its claim code (the code travels in the task message, never in the database)."""
    from marketplace.services.claim_letters import claim_code_email_write

    return claim_code_email_write(shop_id=shop_id, code=code, url=url)


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


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def job_expiry_notify(job_id: int) -> int:
    """E-mail one shop that its job posting ends soon."""
    from marketplace.services.jobs import job_expiry_email_send

    return job_expiry_email_send(job_id=job_id)
