"""What the resources app's events say (Chinese texts), registered at start-up."""

from notifications.templates import EventTemplate, register_templates

PROVIDER_PAGE = "pages/resources/provider?id={provider_id}"
BOOKING_PAGE = "pages/resources/booking?id={booking_id}"
VOLUNTEER_PAGE = "pages/resources/volunteer?id={volunteer_id}"

TEMPLATES = {
    "provider_applied": EventTemplate(
        title="服务商申请：{name}", body="{kind}“{name}”申请加入三社联盟，请审核。", page=PROVIDER_PAGE
    ),
    "provider_verified": EventTemplate(
        title="服务商认证通过", body="您的{kind}“{name}”已通过认证。", page=PROVIDER_PAGE
    ),
    "provider_rejected": EventTemplate(
        title="服务商认证未通过", body="您的{kind}“{name}”未通过认证：{note}", page=PROVIDER_PAGE
    ),
    "booking_requested": EventTemplate(
        title="新预约", body="有居民预约了“{provider}”的服务，请及时处理。", page=BOOKING_PAGE
    ),
    "booking_accepted": EventTemplate(title="预约已接单", body="“{provider}”已接受您的预约。", page=BOOKING_PAGE),
    "booking_declined": EventTemplate(title="预约被婉拒", body="“{provider}”婉拒了您的预约：{note}", page=BOOKING_PAGE),
    "booking_done": EventTemplate(title="服务已完成", body="“{provider}”已完成服务，欢迎评价。", page=BOOKING_PAGE),
    "volunteer_registered": EventTemplate(
        title="义警队报名", body="{grid_name}有新的{kind}报名，请审核。", page=VOLUNTEER_PAGE
    ),
    "volunteer_approved": EventTemplate(
        title="义警队报名已通过", body="您已加入{grid_name}的中原义警队（{kind}）。", page=VOLUNTEER_PAGE
    ),
    "volunteer_rejected": EventTemplate(
        title="义警队报名未通过", body="您在{grid_name}的报名未通过：{note}", page=VOLUNTEER_PAGE
    ),
    "tip_received": EventTemplate(title="义警线索", body="{grid_name}收到义警线索：{description}", page=VOLUNTEER_PAGE),
}

register_templates(TEMPLATES)
