"""Every write of 每月一事, by concern (this module is their public face):

- `rounds`: create, edit, nominate, candidates, open and close voting, the last-day reminder;
- `ballots`: casting a ballot (the hot path) and its receipt;
- `live`: live tallies over the WebSocket;
- `followup`: progress reports on the winner and residents' ratings;
- `events`: what they share (lock, move with its history row, who hears of it).
"""

from __future__ import annotations

from .ballots import CAST_SQL, ballot_cast, make_receipt
from .followup import progress_report, round_rate
from .live import publish_tally_if_due, request_tally_publish
from .rounds import (
    ROUND_LOCK_NAMESPACE,
    SCOPE_LEVELS,
    candidate_add,
    nomination_create,
    round_close,
    round_create,
    round_open_voting,
    round_remind_last_day,
    round_update,
)

__all__ = [
    "CAST_SQL",
    "ROUND_LOCK_NAMESPACE",
    "SCOPE_LEVELS",
    "ballot_cast",
    "candidate_add",
    "make_receipt",
    "nomination_create",
    "progress_report",
    "publish_tally_if_due",
    "request_tally_publish",
    "round_close",
    "round_create",
    "round_open_voting",
    "round_rate",
    "round_remind_last_day",
    "round_update",
]
