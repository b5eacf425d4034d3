"""Message templates of 每月一事 (registered from MonthlyConfig.ready)."""

from notifications.templates import EventTemplate, register_templates

ROUND_PAGE = "pages/monthly/round?id={round_id}"


def _to_residents(title: str, body: str, subscribe: str, **fields: str) -> EventTemplate:
    """Every round message opens the round and names it in the subscribe template's first field."""
    return EventTemplate(
        title=title, body=body, subscribe=subscribe, subscribe_fields={"thing1": "{title}", **fields}, page=ROUND_PAGE
    )


TEMPLATES = {
    "monthly_voting_opened": _to_residents(
        "每月一事投票开始：{title}",
        "{scope}「每月一事」（{month}）开始投票，截止时间 {voting_ends}。每位已核实住址的居民可投一票，请选出本月最想解决的一件事。",
        "status_update",
        phrase2="投票中",
        time3="{voting_ends}",
    ),
    "monthly_voting_last_day": _to_residents(
        "每月一事投票最后一天：{title}",
        "{scope}「每月一事」（{month}）投票将于 {voting_ends} 截止，还没有投票的居民请抓紧。",
        "reminder",
        time2="{voting_ends}",
    ),
    "monthly_result": _to_residents(
        "每月一事结果公布：{winner}",
        "{scope}「每月一事」（{month}）投票结束：共 {turnout} 人投票，得票最多的是「{winner}」（{winner_votes} 票）。后续办理进展将在此公布。",
        "status_update",
        phrase2="已计票",
        thing3="{winner}",
    ),
    "monthly_completed": _to_residents(
        "每月一事已办结：{winner}",
        "{scope}「每月一事」（{month}）选出的「{winner}」已办结，欢迎评价办理效果。",
        "status_update",
        phrase2="已完成",
        thing3="{winner}",
    ),
}

register_templates(TEMPLATES)
