"""Deliver due outbox rows: what the Celery beat task `outbox-dispatch` does, for deployments without Celery
(run it with `--loop` as a service, or from cron) and for operators after an outage."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from marketplace.selectors.outbox import outbox_depth
from marketplace.services.outbox import outbox_dispatch, outbox_retry


class Command(BaseCommand):
    help = "Deliver due outbox rows (e-mails, webhook events, jobs); --loop keeps polling."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep polling until stopped (SIGTERM/SIGINT)."
        )
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between polls with --loop.")
        parser.add_argument("--batch-size", type=int, default=100, help="Rows claimed per batch.")
        parser.add_argument(
            "--retry-dead", action="store_true", help="First revive every dead row (after fixing the cause)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry_dead"]:
            from marketplace.models import OutboxMessage

            ids = OutboxMessage.objects.filter(state=OutboxMessage.State.DEAD).values_list("pk", flat=True)
            self.stdout.write(f"Revived {outbox_retry(message_ids=list(ids))} dead row(s).")
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        if options["loop"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            if options["loop"]:
                close_old_connections()  # a database restart between polls costs one poll, not the loop
            try:
                report = outbox_dispatch(limit=options["batch_size"])
            except Exception as exc:
                if not options["loop"]:
                    raise
                self.stderr.write(f"outbox dispatch failed: {type(exc).__name__}: {exc}")
            else:
                if report.total or not options["loop"]:
                    depth = outbox_depth()
                    self.stdout.write(
                        f"delivered {report.delivered}, retrying {report.retrying}, dead {report.dead}; "
                        f"waiting {depth.waiting}, oldest {depth.oldest_age_seconds:.0f} s"
                    )
            if not options["loop"] or stopping:
                return
            time.sleep(options["interval"])
            if stopping:
                return
