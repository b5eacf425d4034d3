"""Celery tasks of the linkage: send one object's calls, sweep what is due, warn deadlines."""

from __future__ import annotations

from celery import shared_task

from . import petitions, systems


@shared_task(acks_late=True, ignore_result=True)
def send_linked_calls(key: str) -> int:
    return systems.send_key(key)


@shared_task(ignore_result=True)
def sweep_linked_calls() -> int:
    return systems.sweep()


@shared_task(ignore_result=True)
def warn_petition_deadlines() -> int:
    return petitions.enforce_deadlines()
