"""Outside systems, each reached over HTTP at a base URL with timeouts (tests point them at
local fakes)."""

from pathlib import Path

from .env import env_int, env_list, env_str

WECHAT_API_BASE = env_str("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/")
WECHAT_APPID = env_str("WECHAT_APPID", "")
WECHAT_SECRET = env_str("WECHAT_SECRET", "")
HOTLINE_API_BASE = env_str("HOTLINE_API_BASE", "").rstrip("/")
HOTLINE_SECRET = env_str("HOTLINE_SECRET", "")
# 智慧信访 (petitions) and 智慧矛盾系统 (the city's conflict-resolution system).
PETITION_API_BASE = env_str("PETITION_API_BASE", "").rstrip("/")
PETITION_SECRET = env_str("PETITION_SECRET", "")
CONFLICT_API_BASE = env_str("CONFLICT_API_BASE", "").rstrip("/")
CONFLICT_SECRET = env_str("CONFLICT_SECRET", "")
# Their outboxes retry after 30 s, doubling up to an hour, for as long as it takes.
LINKAGE_RETRY_BASE_SECONDS = env_int("LINKAGE_RETRY_BASE_SECONDS", 30)
LINKAGE_RETRY_MAX_SECONDS = env_int("LINKAGE_RETRY_MAX_SECONDS", 3600)
# Robot webhooks are full URLs held per group chat; this only bounds the wait.
OUTBOUND_CONNECT_TIMEOUT = float(env_str("OUTBOUND_CONNECT_TIMEOUT", "3"))
OUTBOUND_READ_TIMEOUT = float(env_str("OUTBOUND_READ_TIMEOUT", "5"))
# Template ids of the mini-program's subscribe messages, by purpose.
WECHAT_SUBSCRIBE_TEMPLATES = {
    "status_update": env_str("WECHAT_TEMPLATE_STATUS_UPDATE", ""),
    "announcement": env_str("WECHAT_TEMPLATE_ANNOUNCEMENT", ""),
    "reminder": env_str("WECHAT_TEMPLATE_REMINDER", ""),
}
WECHAT_MINIPROGRAM_STATE = env_str("WECHAT_MINIPROGRAM_STATE", "formal")
ROBOT_MESSAGES_PER_MINUTE = env_int("ROBOT_MESSAGES_PER_MINUTE", 20)
# Robot rate limit: at most ROBOT_MESSAGES_PER_MINUTE messages per ROBOT_RATE_WINDOW_SECONDS per
# robot (WeCom and DingTalk allow 20 a minute), counted in Redis across every worker.
ROBOT_RATE_WINDOW_SECONDS = float(env_str("ROBOT_RATE_WINDOW_SECONDS", "60"))
# Hosts a group chat's webhook may point at (SSRF guard); extra hosts for private deployments.
ROBOT_WEBHOOK_HOSTS = {
    "wecom": ["qyapi.weixin.qq.com"],
    "dingtalk": ["oapi.dingtalk.com"],
    "feishu": ["open.feishu.cn", "open.larksuite.com"],
}
ROBOT_WEBHOOK_EXTRA_HOSTS = env_list("ROBOT_WEBHOOK_EXTRA_HOSTS", [])
# 12345 outbox: retry a status post after 30 s, 60 s, 120 s ... at most this long apart.
HOTLINE_SYNC_BASE_DELAY_SECONDS = env_int("HOTLINE_SYNC_BASE_DELAY_SECONDS", 30)
HOTLINE_SYNC_MAX_DELAY_SECONDS = env_int("HOTLINE_SYNC_MAX_DELAY_SECONDS", 3600)
# A sender holds an outbox row this long while it posts it (no transaction is open meanwhile);
# longer than the outbound HTTP timeout, so a live sender never loses its row to another.
HOTLINE_SYNC_LEASE_SECONDS = env_int("HOTLINE_SYNC_LEASE_SECONDS", 60)
# Content safety (backend.content_check): the local word list applied to every resident's text,
# and how long a request waits for WeChat's msgSecCheck before holding the text instead.
CONTENT_WORDS_FILE = env_str(
    "CONTENT_WORDS_FILE", str(Path(__file__).resolve().parent.parent / "data" / "content_words.txt")
)
CONTENT_CHECK_TIMEOUT_SECONDS = float(env_str("CONTENT_CHECK_TIMEOUT_SECONDS", "2"))
# The token of the mini-program's message push (消息推送) configuration: WeChat signs each push
# (mediaCheckAsync verdicts) with sha1 of the sorted token, timestamp and nonce.
WECHAT_PUSH_TOKEN = env_str("WECHAT_PUSH_TOKEN", "")
# A signed push is accepted this long after its `timestamp` (and its nonce remembered this
# long, so a captured push cannot be replayed within it nor after it).
WECHAT_PUSH_MAX_AGE_SECONDS = env_int("WECHAT_PUSH_MAX_AGE_SECONDS", 300)
# The public https origin WeChat fetches stored photos from for mediaCheckAsync
# (e.g. https://yd.example.cn); empty: photo URLs are sent as stored (a CDN's absolute URLs).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "").rstrip("/")
