"""What the linkage does when a mediation case moves (backend.workflow.timeline_written):
the move goes to the city's conflict system, and a case that failed with referral 信访 is
handed to the petition system."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from backend import workflow
from mediation.models import Case, Referral, Source

from . import conflict, petitions
from .models import ConflictLink


@receiver(workflow.timeline_written, sender=Case, dispatch_uid="linkage.case_moved")
def case_moved(sender: type[Case], subject: Case, event: Any, **_: Any) -> None:
    if event.action.startswith("petition_") or event.action == "to_petition":
        return  # our own notes on the case: the city's system hears of them from 信访
    if subject.source == Source.CONFLICT_SYSTEM and not ConflictLink.objects.filter(case=subject).exists():
        return  # a dispatch being opened: do_receive_dispatched_case links and forwards it
    conflict.case_event_out(case=subject, event=event)
    if event.action == "fail" and subject.referral == Referral.PETITION:
        petitions.hand_case_to_petition(case=subject, reason=subject.failure_reason)
