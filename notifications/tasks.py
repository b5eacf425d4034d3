"""Celery tasks of the notifications app. Late acknowledgement and rejection on a lost worker
are set for every task in settings (CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST)."""

from __future__ import annotations

import logging

from celery import shared_task

from . import delivery

log = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.send_deliveries", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def send_deliveries(delivery_ids: list[int]) -> dict[str, int]:
    """One batch: claimed with one lease, sent concurrently (`delivery.deliver_many`)."""
    outcomes: dict[str, int] = {}
    try:
        for outcome in delivery.deliver_many(delivery_ids).values():
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    except Exception:  # leased rows come back when the lease ends: the sweeper retries them
        log.exception("a batch of %d deliveries crashed", len(delivery_ids))
        outcomes["error"] = len(delivery_ids)
    return outcomes


@shared_task(name="notifications.tasks.dispatch_message", ignore_result=True)
def dispatch_message(message_id: int) -> None:
    delivery.dispatch_message(message_id)


@shared_task(name="notifications.tasks.sweep_pending_deliveries", ignore_result=True)
def sweep_pending_deliveries() -> int:
    return delivery.sweep_pending()
