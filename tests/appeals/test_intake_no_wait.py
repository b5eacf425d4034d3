"""A submission does not wait on another submission's open transaction (issue 14 section 1): the
day's number is taken before the transaction opens, so a submitting transaction holds nothing
another submission needs.

Submission A is held open from outside, without touching the service: the test's own
transaction locks A's photo row, and A's `link_attachments` (SELECT ... FOR UPDATE) waits on it
after A has taken its number and inserted its appeal. Submission B, meanwhile, must complete."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection, transaction

from appeals import services
from appeals.models import Appeal, AppealAttachment
from tests.waiting import wait_until

from .factories import make_appeal, upload

pytestmark = pytest.mark.django_db(transaction=True)


class Submission(threading.Thread):
    """One appeal_submit in a thread of its own (its own connection)."""

    def __init__(self, **fields: Any) -> None:
        super().__init__(daemon=True)
        self.fields = fields
        self.appeal: Appeal | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.appeal = make_appeal(**self.fields)
        except BaseException as exc:
            self.error = exc
        finally:
            connection.close()


def _waiting_on_us() -> int:
    """How many sessions wait on a lock this connection holds (pg_locks is read live, unlike
    pg_stat_activity, which a transaction sees as of its first look)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))")
        return cursor.fetchone()[0]


def test_a_submission_completes_while_another_holds_its_transaction_open(tree: Any) -> None:
    photo = services.attachment_upload(actor=tree.resident1, file=upload())
    first = Submission(submitter=tree.resident1, attachments=[photo.pk])
    second = Submission(submitter=tree.resident2)
    with transaction.atomic():
        AppealAttachment.objects.select_for_update().get(pk=photo.pk)
        first.start()
        # A has its number and its appeal row, and waits on the photo's row in its transaction.
        assert wait_until(_waiting_on_us) == 1
        second.start()
        second.join(timeout=30)
        b_done_while_a_open = second.appeal is not None
        a_still_open = first.is_alive()
    first.join(timeout=30)
    assert second.error is None and first.error is None, (second.error, first.error)
    assert b_done_while_a_open and a_still_open
    assert first.appeal is not None and second.appeal is not None
    numbers = [first.appeal.number, second.appeal.number]
    assert all(re.fullmatch(r"SQ\d{8}-\d{6}", n) for n in numbers) and len(set(numbers)) == 2
    assert list(AppealAttachment.objects.filter(pk=photo.pk).values_list("appeal_id", flat=True)) == [first.appeal.pk]
