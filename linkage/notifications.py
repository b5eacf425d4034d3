"""What the linkage's events say (Chinese texts), registered at start-up."""

from notifications.templates import EventTemplate, register_templates

PAGE = "pages/appeals/detail?id={appeal_id}"

TEMPLATES = {
    "petition_handed_over": EventTemplate(
        title="诉求已转信访 {number}",
        body="您的诉求“{title}”已移交智慧信访系统（{petition}），受理期限 {deadline}。",
        page=PAGE,
    ),
    "petition_status": EventTemplate(
        title="信访办理进度 {number}", body="您的诉求“{title}”在信访系统中的状态：{status}。{note}", page=PAGE
    ),
    "petition_review_deadline": EventTemplate(
        title="信访复查申请期限 {number}",
        body="“{title}”已答复；如不满意，可在 {due} 前申请复查。",
        page=PAGE,
    ),
    "petition_deadline": EventTemplate(
        title="信访期限预警 {petition}",
        body="信访件 {petition}（{title}）的{which}期限 {due} 将至，当前状态：{status}。",
        page=PAGE,
    ),
}

register_templates(TEMPLATES)
