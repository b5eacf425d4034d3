"""What appeals' events say on each channel (Chinese texts), registered at start-up."""

from notifications.templates import EventTemplate, register_templates

PAGE = "pages/appeals/detail?id={appeal_id}"
# The mini-program's "办理进度通知" subscribe template: number, title, status, time, remark.
STATUS_FIELDS = {
    "character_string1": "{number}",
    "thing2": "{title}",
    "phrase3": "{status}",
    "time4": "{at}",
    "thing5": "{note}",
}


def _to_submitter(title: str, body: str) -> EventTemplate:
    return EventTemplate(title=title, body=body, subscribe="status_update", subscribe_fields=STATUS_FIELDS, page=PAGE)


def _to_staff(title: str, body: str) -> EventTemplate:
    return EventTemplate(title=title, body=body, page=PAGE)


TEMPLATES = {
    # The handling unit (group chat and handlers' inboxes).
    "appeal_submitted": _to_staff(
        "新诉求 {number}",
        "**{grid_name}** 收到新诉求（{category}）：{title}\n请于 {accept_due_at} 前受理，{due_at} 前办结。",
    ),
    "appeal_escalated_in": _to_staff(
        "诉求上报 {number}",
        "诉求“{title}”（{category}）已上报至 **{grid_name}**：{note}\n请于 {accept_due_at} 前受理。",
    ),
    "appeal_overdue": _to_staff("诉求超期 {number}", "诉求“{title}”已超过办理时限（{due_at}），请尽快办理。"),
    "appeal_submitter_replied": _to_staff("诉求留言 {number}", "提交人对诉求“{title}”留言：{note}"),
    "appeal_reopened": _to_staff(
        "诉求被重新打开 {number}", "提交人对诉求“{title}”的办理结果不满意，已重新打开：{note}"
    ),
    "appeal_rated": _to_staff("诉求已评价 {number}", "诉求“{title}”已评价：{note}"),
    # The submitter (inbox and subscribe message).
    "appeal_accepted": _to_submitter("诉求已受理", "您的诉求“{title}”已由{grid_name}受理，将于 {due_at} 前办结。"),
    "appeal_replied": _to_submitter("诉求有新回复", "您的诉求“{title}”有新回复：{note}"),
    "appeal_resolved": _to_submitter(
        "诉求已办结", "您的诉求“{title}”已办结：{note}\n欢迎评价；如不满意可在7天内重新打开。"
    ),
    "appeal_rejected": _to_submitter("诉求未予受理", "您的诉求“{title}”未予受理：{note}"),
    "appeal_escalated": _to_submitter("诉求已上报", "您的诉求“{title}”已上报至{grid_name}办理。"),
    "appeal_to_mediation": _to_submitter("诉求已转调解", "您的诉求“{title}”已转入矛盾纠纷调解（{note}）。"),
    "appeal_closed": _to_submitter("诉求已关闭", "您的诉求“{title}”办结后7天未评价，已自动关闭。"),
}

register_templates(TEMPLATES)
