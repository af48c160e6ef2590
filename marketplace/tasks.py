"""Celery tasks: thin wrappers that call services (scheduled with `transaction.on_commit`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(ignore_result=True)
def webhook_deliver(webhook_id: int, event: str, event_id: str, envelope: dict[str, Any], attempt: int = 1) -> None:
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
