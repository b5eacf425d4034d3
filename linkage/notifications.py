"""What the linkage's events say (Chinese texts), registered at start-up. Every one opens the
appeal the petition came from."""

from notifications.templates import EventTemplate, register_templates

PAGE = "pages/appeals/detail?id={appeal_id}"


def _about_appeal(title: str, body: str) -> EventTemplate:
    return EventTemplate(title=title, body=body, page=PAGE)


TEMPLATES = {
    # The resident whose appeal went to the petition system.
    "petition_handed_over": _about_appeal(
        "诉求已转信访 {number}", "您的诉求“{title}”已移交智慧信访系统（{petition}），受理期限 {deadline}。"
    ),
    "petition_status": _about_appeal("信访办理进度 {number}", "您的诉求“{title}”在信访系统中的状态：{status}。{note}"),
    "petition_review_deadline": _about_appeal(
        "信访复查申请期限 {number}", "“{title}”已答复；如不满意，可在 {due} 前申请复查。"
    ),
    # The handlers over the unit.
    "petition_deadline": _about_appeal(
        "信访期限预警 {petition}", "信访件 {petition}（{title}）的{which}期限 {due} 将至，当前状态：{status}。"
    ),
}

register_templates(TEMPLATES)
