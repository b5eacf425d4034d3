"""How the mediation app's events read (inbox, group chats, subscribe messages).

Every context carries `case_id`, `number`, `category`, `status`, `title` and `team` (see
events.context); some events add `reason`, `referral`, `scheduled_at`, `place`, `due_at`.
"""

from __future__ import annotations

from notifications.templates import EventTemplate, register_templates

PAGE = "pages/mediation/case?id={case_id}"
# The subscribe templates' data fields (WeChat trims `thing` values to 20 characters).
STATUS_FIELDS = {"character_string1": "{number}", "phrase2": "{status}", "thing3": "{title}"}
REMINDER_FIELDS = {"character_string1": "{number}", "thing2": "{title}", "time3": "{when}"}


def _status(title: str, body: str) -> EventTemplate:
    return EventTemplate(title=title, body=body, subscribe="status_update", subscribe_fields=STATUS_FIELDS, page=PAGE)


def _reminder(title: str, body: str) -> EventTemplate:
    return EventTemplate(title=title, body=body, subscribe="reminder", subscribe_fields=REMINDER_FIELDS, page=PAGE)


TEMPLATES = {
    # to the applicant and the parties who are users, on every change of the case's state
    "mediation_case_applied": _status(
        "调解申请已提交", "您的{category}调解申请（{number}）已提交，我们将尽快安排受理。"
    ),
    "mediation_case_accepted": _status(
        "调解申请已受理", "{team}已受理您的调解申请（{number}），调解员将与您联系，请保持电话畅通。"
    ),
    "mediation_case_declined": _status("调解申请未予受理", "您的调解申请（{number}）未予受理。原因：{reason}"),
    "mediation_session_scheduled": _status("调解会已安排", "案件{number}的调解会定于{when}在{place}举行，请准时参加。"),
    "mediation_case_agreed": _status("调解成功", "案件{number}已达成调解协议，请按协议履行。"),
    "mediation_case_failed": _status("调解未成功", "案件{number}调解不成。原因：{reason}。后续途径：{referral}。"),
    "mediation_case_closed": _status("调解案件已结案", "案件{number}已完成回访并结案，感谢您的配合。"),
    "mediation_case_escalated": _status("调解案件已移交", "案件{number}已移交{team}继续调解。原因：{reason}"),
    # to the team's people
    "mediation_case_offered": _status("新的调解案件待受理", "{category}纠纷（{number}）已提交至{team}，请及时受理。"),
    "mediation_case_assigned": _reminder(
        "您有新的调解案件", "{category}纠纷（{number}）已指派给您，请于{due_at}前完成调解。"
    ),
    "mediation_session_reminder": _reminder("调解会提醒", "案件{number}的调解会将于{when}在{place}举行。"),
    # to the team lead and the street's staff
    "mediation_case_overdue": _reminder("调解案件已超期", "案件{number}（{team}）已超过办理期限{due_at}，请尽快处理。"),
}

register_templates(TEMPLATES)
