"""Every write on appeals, by concern (this module is their public face):

- `intake`: a resident's appeal, a 12345 work order (`appeal_submit`, `hotline_order_receive`);
- `handling`: accept, reply, resolve, reject, escalate, to mediation; reopen and rate;
- `deadlines`: the periodic task (`deadlines_enforce`);
- `attachments`: photos (`attachment_upload`);
- `hotline`: the 12345 platform (signature, the outbox and its sender);
- `events`: what they share (lock, move with its timeline row, who hears of it).
"""

from __future__ import annotations

from .attachments import attachment_upload
from .deadlines import deadlines_enforce
from .handling import (
    appeal_accept,
    appeal_escalate,
    appeal_note_petition,
    appeal_rate,
    appeal_reject,
    appeal_reopen,
    appeal_reply,
    appeal_resolve,
    appeal_to_mediation,
)
from .intake import HotlineOrder, appeal_submit, hotline_order_receive, next_number

__all__ = [
    "HotlineOrder",
    "appeal_accept",
    "appeal_escalate",
    "appeal_note_petition",
    "appeal_rate",
    "appeal_reject",
    "appeal_reopen",
    "appeal_reply",
    "appeal_resolve",
    "appeal_submit",
    "appeal_to_mediation",
    "attachment_upload",
    "deadlines_enforce",
    "hotline_order_receive",
    "next_number",
]
