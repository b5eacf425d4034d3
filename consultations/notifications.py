"""What consultations' events say on each channel (Chinese texts), registered at start-up."""

from notifications.templates import EventTemplate, register_templates

PAGE = "pages/consultations/detail?id={consultation_id}"
# The mini-program's "办理进度通知" subscribe template: number, title, status, time, remark.
STATUS_FIELDS = {
    "character_string1": "YS{consultation_id}",
    "thing2": "{title}",
    "phrase3": "{status}",
    "time4": "{at}",
    "thing5": "{note}",
}
MEETING_FIELDS = {**STATUS_FIELDS, "phrase3": "议事会", "time4": "{when}", "thing5": "{place}"}


def _to_people(title: str, body: str, fields: dict[str, str] = STATUS_FIELDS) -> EventTemplate:
    return EventTemplate(title=title, body=body, subscribe="status_update", subscribe_fields=fields, page=PAGE)


def _to_staff(title: str, body: str) -> EventTemplate:
    return EventTemplate(title=title, body=body, page=PAGE)


TEMPLATES = {
    # Followers: every change of state.
    "consultation_status_changed": _to_people("议题“{title}”{status}", "您关注的议题“{title}”现为：{status}。{note}"),
    "consultation_progress": _to_staff("议题“{title}”有新进展", "您关注的议题“{title}”落实进度 {percent}%：{note}"),
    "consultation_merged": _to_people(
        "议题已合并", "议题“{title}”已合并至议题“{into_title}”，您的附议已一并转入。", STATUS_FIELDS
    ),
    "consultation_objection_answered": _to_people("异议已答复", "您对议题“{title}”的异议已答复：{note}"),
    # Invitees of a meeting, and the unit's group chats.
    "consultation_meeting_scheduled": _to_people(
        "家门口议事会：{title}",
        "**{grid_name}** 将于 {when} 在 {place} 召开议事会，议题：{title}。欢迎报名参加。",
        MEETING_FIELDS,
    ),
    # The unit's staff and grid workers.
    "consultation_raised": _to_staff("新议题：{title}", "**{grid_name}** 有居民发起新议题：{title}"),
    "consultation_to_review": _to_staff("议题待审议：{title}", "议题“{title}”附议已达到门槛，请审议。"),
    "consultation_escalated": _to_staff(
        "议题上报：{title}", "议题“{title}”未达成共识，已上报至 **{grid_name}**：{note}"
    ),
    "consultation_objection": _to_staff("议题收到异议：{title}", "公示中的议题“{title}”收到新的异议，请答复。"),
    "consultation_reopened": _to_staff(
        "议题重新审议：{title}", "议题“{title}”多数参与者不满意，已重新进入审议：{note}"
    ),
    # Authors of a held topic or objection, once it is settled (by staff or the re-check).
    "consultation_topic_released": _to_staff("您的议题已通过审核", "您发起的议题“{title}”经审核已公开。"),
    "consultation_topic_rejected": _to_staff("您的议题未通过审核", "您发起的议题“{title}”未通过审核，原因：{reason}。"),
    "consultation_objection_released": _to_staff("您的异议已通过审核", "您对议题“{title}”的异议经审核已公开。"),
    "consultation_objection_rejected": _to_staff(
        "您的异议未通过审核", "您对议题“{title}”的异议未通过审核，原因：{reason}。"
    ),
    "consultation_overdue": _to_staff("议题超期：{title}", "议题“{title}”已超过办理时限，请尽快处理。"),
}

register_templates(TEMPLATES)
