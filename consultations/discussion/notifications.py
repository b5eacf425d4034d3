"""What the discussion's events say (Chinese texts), registered by consultations.discussion.ready."""

from notifications.templates import EventTemplate, register_templates

PAGE = "pages/consultations/detail?id={consultation_id}"
POST_PAGE = "pages/consultations/detail?id={consultation_id}&post={post_id}"


def _about_post(title: str, body: str) -> EventTemplate:
    """An inbox message that opens the thread at the post."""
    return EventTemplate(title=title, body=body, page=POST_PAGE)


register_templates(
    {
        # The parent post's author, at once.
        "consultation_post_reply": _about_post("有人回复了您", "您在议题“{title}”下的发言收到了新回复。"),
        # Followers: at most one per consultation per window, however busy the thread.
        "consultation_posts_digest": EventTemplate(
            title="议题“{title}”有新讨论", body="您关注的议题“{title}”有 {count} 条新发言。", page=PAGE
        ),
        # Authors of moderated texts.
        "consultation_post_hidden": _about_post(
            "您的发言已被隐藏", "您在议题“{title}”下的发言已被隐藏，原因：{reason}。"
        ),
        "consultation_post_restored": _about_post("您的发言已恢复显示", "您在议题“{title}”下的发言经审核已恢复显示。"),
        "consultation_post_held": _about_post(
            "您的发言正在审核", "您在议题“{title}”下的发言需人工审核，审核通过后将对他人显示。"
        ),
        # Authors of photos (consultations/photos.py): WeChat's media check refused one, or staff
        # settled one it asked a person to look at.
        "consultation_photo_rejected": EventTemplate(
            title="图片未通过审核", body="您在议题“{title}”中上传的图片未通过审核：{reason}。", page=PAGE
        ),
        "consultation_photo_released": EventTemplate(
            title="图片已通过审核", body="您在议题“{title}”中上传的图片经审核已显示。", page=PAGE
        ),
        # The unit's staff: a post reached the report threshold and was hidden by itself.
        "consultation_post_auto_hidden": _about_post(
            "发言因举报被隐藏，待审核", "议题“{title}”下的一条发言被举报 {count} 次，已自动隐藏，请审核。"
        ),
    }
)
