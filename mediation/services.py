"""Every write of mediation, by concern (this module is their public face):

- `teams`: teams and their members (`team_create`, `team_member_add`);
- `intake`: opening a case (`case_create`, and the SEAM for appeals, `case_open_from_appeal`);
- `handling`: triage, sessions, agreement or failure, follow-up, escalation;
- `periodic`: the deadline flag and session reminders;
- `events`: what they share (lock, move with its timeline row, who hears of it).
"""

from __future__ import annotations

from .handling import (
    case_accept,
    case_agree,
    case_decline,
    case_escalate,
    case_fail,
    case_follow_up,
    session_record,
    session_schedule,
)
from .intake import APPEAL_CATEGORIES, PartyIn, case_create, case_open_from_appeal, case_receive_dispatched
from .periodic import cases_flag_overdue, sessions_remind_upcoming
from .teams import team_create, team_member_add

__all__ = [
    "APPEAL_CATEGORIES",
    "PartyIn",
    "case_accept",
    "case_agree",
    "case_create",
    "case_decline",
    "case_escalate",
    "case_fail",
    "case_follow_up",
    "case_open_from_appeal",
    "case_receive_dispatched",
    "cases_flag_overdue",
    "session_record",
    "session_schedule",
    "sessions_remind_upcoming",
    "team_create",
    "team_member_add",
]
