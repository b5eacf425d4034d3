"""The notifications app's own events: announcements and the group-chat test message."""

from .templates import EventTemplate, register_templates

# The "announcement" subscribe template's data fields: title, grid, time.
ANNOUNCEMENT_FIELDS = {"thing1": "{title}", "thing2": "{grid_name}", "time3": "{time}"}

TEMPLATES = {
    "announcement": EventTemplate(
        title="{title}",
        body="{body}",
        subscribe="announcement",
        subscribe_fields=ANNOUNCEMENT_FIELDS,
        page="pages/announcements/detail?id={announcement_id}",
    ),
    "group_chat_test": EventTemplate(
        title="测试消息",
        body="这是来自原点在线的测试消息：群聊“{chat_name}”已接通。",
    ),
}

register_templates(TEMPLATES)
