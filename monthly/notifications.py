"""Message templates of 每月一事 (registered from MonthlyConfig.ready)."""

from notifications.templates import EventTemplate, register_templates

ROUND_PAGE = "pages/monthly/round?id={round_id}"

register_templates(
    {
        "monthly_voting_opened": EventTemplate(
            title="每月一事投票开始：{title}",
            body="{scope}「每月一事」（{month}）开始投票，截止时间 {voting_ends}。每位已核实住址的居民可投一票，请选出本月最想解决的一件事。",
            subscribe="status_update",
            subscribe_fields={"thing1": "{title}", "phrase2": "投票中", "time3": "{voting_ends}"},
            page=ROUND_PAGE,
        ),
        "monthly_voting_last_day": EventTemplate(
            title="每月一事投票最后一天：{title}",
            body="{scope}「每月一事」（{month}）投票将于 {voting_ends} 截止，还没有投票的居民请抓紧。",
            subscribe="reminder",
            subscribe_fields={"thing1": "{title}", "time2": "{voting_ends}"},
            page=ROUND_PAGE,
        ),
        "monthly_result": EventTemplate(
            title="每月一事结果公布：{winner}",
            body="{scope}「每月一事」（{month}）投票结束：共 {turnout} 人投票，得票最多的是「{winner}」（{winner_votes} 票）。后续办理进展将在此公布。",
            subscribe="status_update",
            subscribe_fields={"thing1": "{title}", "phrase2": "已计票", "thing3": "{winner}"},
            page=ROUND_PAGE,
        ),
        "monthly_completed": EventTemplate(
            title="每月一事已办结：{winner}",
            body="{scope}「每月一事」（{month}）选出的「{winner}」已办结，欢迎评价办理效果。",
            subscribe="status_update",
            subscribe_fields={"thing1": "{title}", "phrase2": "已完成", "thing3": "{winner}"},
            page=ROUND_PAGE,
        ),
    }
)
