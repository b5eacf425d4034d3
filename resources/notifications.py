"""What the resources app's events say (Chinese texts), registered at start-up."""

from notifications.templates import EventTemplate, register_templates

PROVIDER_PAGE = "pages/resources/provider?id={provider_id}"
BOOKING_PAGE = "pages/resources/booking?id={booking_id}"
VOLUNTEER_PAGE = "pages/resources/volunteer?id={volunteer_id}"

# event -> (title, body), by the page each opens: every event here opens its object's page.
_TEXTS = {
    PROVIDER_PAGE: {
        "provider_applied": ("服务商申请：{name}", "{kind}“{name}”申请加入三社联盟，请审核。"),
        "provider_verified": ("服务商认证通过", "您的{kind}“{name}”已通过认证。"),
        "provider_rejected": ("服务商认证未通过", "您的{kind}“{name}”未通过认证：{note}"),
    },
    BOOKING_PAGE: {
        "booking_requested": ("新预约", "有居民预约了“{provider}”的服务，请及时处理。"),
        "booking_accepted": ("预约已接单", "“{provider}”已接受您的预约。"),
        "booking_declined": ("预约被婉拒", "“{provider}”婉拒了您的预约：{note}"),
        "booking_done": ("服务已完成", "“{provider}”已完成服务，欢迎评价。"),
    },
    VOLUNTEER_PAGE: {
        "volunteer_registered": ("义警队报名", "{grid_name}有新的{kind}报名，请审核。"),
        "volunteer_approved": ("义警队报名已通过", "您已加入{grid_name}的中原义警队（{kind}）。"),
        "volunteer_rejected": ("义警队报名未通过", "您在{grid_name}的报名未通过：{note}"),
        "tip_received": ("义警线索", "{grid_name}收到义警线索：{description}"),
    },
}

TEMPLATES = {
    event: EventTemplate(title=title, body=body, page=page)
    for page, texts in _TEXTS.items()
    for event, (title, body) in texts.items()
}

register_templates(TEMPLATES)
