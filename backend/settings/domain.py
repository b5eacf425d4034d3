"""Rules of the governance domain that the district may tune without code changes."""

from .env import env_int, env_str

# Appeals (诉求): hours to accept and working days to resolve, per category and level.
APPEAL_DEADLINES = {
    "default": {"accept_hours": 24, "resolve_days": 5},
    "safety": {"accept_hours": 2, "resolve_days": 2},
    "utilities": {"accept_hours": 4, "resolve_days": 3},
    "environment": {"accept_hours": 24, "resolve_days": 5},
    "facilities": {"accept_hours": 24, "resolve_days": 7},
    "neighbour": {"accept_hours": 24, "resolve_days": 7},
    "property": {"accept_hours": 24, "resolve_days": 7},
    "policy": {"accept_hours": 48, "resolve_days": 10},
    "other": {"accept_hours": 48, "resolve_days": 10},
}
APPEAL_REOPEN_DAYS = env_int("APPEAL_REOPEN_DAYS", 7)
APPEAL_AUTOCLOSE_DAYS = env_int("APPEAL_AUTOCLOSE_DAYS", 7)
# Mediation (调解): days from acceptance to an outcome.
MEDIATION_CASE_DAYS = env_int("MEDIATION_CASE_DAYS", 30)
# Per level, a category's limits may be overridden (APPEAL_DEADLINES[category][level] over
# APPEAL_DEADLINES[category] over ["default"]): escalated to the street or the district, repairs
# and policy questions involve other departments and get more working days.
APPEAL_DEADLINES["facilities"]["street"] = {"resolve_days": 10}
APPEAL_DEADLINES["facilities"]["district"] = {"resolve_days": 15}
APPEAL_DEADLINES["policy"]["district"] = {"resolve_days": 15}
APPEAL_MAX_ATTACHMENTS = env_int("APPEAL_MAX_ATTACHMENTS", 9)
APPEAL_NUMBER_PREFIX = "SQ"
# Mediators are reminded of a session this many hours before it.
MEDIATION_REMINDER_HOURS = env_int("MEDIATION_REMINDER_HOURS", 24)
# Notifications: delivery of group-chat and subscribe messages (notifications.delivery).
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 6)
DELIVERY_RETRY_BASE_SECONDS = float(env_str("DELIVERY_RETRY_BASE_SECONDS", "15"))
DELIVERY_RETRY_MAX_SECONDS = float(env_str("DELIVERY_RETRY_MAX_SECONDS", "900"))
# A worker owns a delivery it claimed this long; must exceed connect + read timeout.
DELIVERY_LEASE_SECONDS = float(env_str("DELIVERY_LEASE_SECONDS", "30"))
# The sweeper re-enqueues deliveries still unsent this long after they were due.
DELIVERY_SWEEP_AFTER_SECONDS = float(env_str("DELIVERY_SWEEP_AFTER_SECONDS", "60"))
# Deliveries per Celery task message: one lease, one batch sent concurrently on asynchronous I/O
# (fewer broker and database round trips for a district-wide announcement).
DELIVERY_TASK_CHUNK = env_int("DELIVERY_TASK_CHUNK", 100)
# Messages of one batch in flight at once (each worker thread runs one batch at a time).
DELIVERY_SEND_CONCURRENCY = env_int("DELIVERY_SEND_CONCURRENCY", 50)
# Up to this many inbox rows / deliveries are pushed / enqueued in the committing process;
# larger fan-outs hand the work to one Celery task.
NOTIFY_INLINE_MAX = env_int("NOTIFY_INLINE_MAX", 200)
# 协商议事 discussion: open reports that hide a post pending review by themselves; a follower
# gets at most one digest of new posts per consultation per window (swept every minute).
CONSULTATION_REPORTS_TO_HIDE = env_int("CONSULTATION_REPORTS_TO_HIDE", 3)
CONSULTATION_DIGEST_WINDOW_MINUTES = env_int("CONSULTATION_DIGEST_WINDOW_MINUTES", 30)
# Photos one topic or one post may carry (uploads through POST /attachments).
CONSULTATION_MAX_PHOTOS = env_int("CONSULTATION_MAX_PHOTOS", 9)
# 每月一事: counter rows per candidate (spreads concurrent ballots over rows; more rows, less
# waiting on one hot row, a slightly longer sum), and how long a web process trusts a voting
# round's candidate list (candidates cannot change while voting; the window is checked in SQL).
MONTHLY_TALLY_SHARDS = env_int("MONTHLY_TALLY_SHARDS", 16)
MONTHLY_ROUND_CACHE_SECONDS = env_int("MONTHLY_ROUND_CACHE_SECONDS", 10)
# Live tallies go out over the WebSocket at most once per this many seconds per round.
MONTHLY_TALLY_PUBLISH_SECONDS = env_int("MONTHLY_TALLY_PUBLISH_SECONDS", 1)
# 协商议事 (consultations): supports (one per household) that move a topic to review by itself,
# per level of the unit it is raised at; deadlines of quick and deep topics; the windows after.
CONSULTATION_SUPPORT_THRESHOLDS = {
    "micro": env_int("CONSULTATION_THRESHOLD_MICRO", 5),
    "grid": env_int("CONSULTATION_THRESHOLD_GRID", 10),
    "community": env_int("CONSULTATION_THRESHOLD_COMMUNITY", 20),
    "street": env_int("CONSULTATION_THRESHOLD_STREET", 50),
}
# A quick topic (即时议) is decided within this many hours of being raised ...
CONSULTATION_QUICK_DECIDE_HOURS = env_int("CONSULTATION_QUICK_DECIDE_HOURS", 48)
# ... a deep one (深入议) has its meeting within this many working days of review.
CONSULTATION_DEEP_MEETING_DAYS = env_int("CONSULTATION_DEEP_MEETING_DAYS", 5)
CONSULTATION_OBJECTION_DAYS = env_int("CONSULTATION_OBJECTION_DAYS", 7)
CONSULTATION_EVALUATION_DAYS = env_int("CONSULTATION_EVALUATION_DAYS", 7)
CONSULTATION_DEFAULT_QUORUM = env_int("CONSULTATION_DEFAULT_QUORUM", 3)
# Wrong check-in codes per attendee and meeting before check-in is refused for a while.
CONSULTATION_CHECK_IN_MAX_FAILURES = env_int("CONSULTATION_CHECK_IN_MAX_FAILURES", 5)
CONSULTATION_CHECK_IN_LOCK_SECONDS = env_int("CONSULTATION_CHECK_IN_LOCK_SECONDS", 300)
# 一屏观全域: how long a dashboard document is kept (writes in its subtree drop it sooner);
# 0 turns the cache off (the benchmark's cold runs).
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 60)
# Community resources: how near a grid worker must be to check in at a 五港 station, and a
# volunteer to the shift's place to clock in or out (metres); how early a shift may start and
# how long after its end service time still counts (minutes); the longest shift (hours).
STATION_CHECK_IN_RADIUS_M = env_int("STATION_CHECK_IN_RADIUS_M", 200)
SHIFT_GEOFENCE_M = env_int("SHIFT_GEOFENCE_M", 500)
SHIFT_GRACE_MINUTES = env_int("SHIFT_GRACE_MINUTES", 30)
SHIFT_MAX_HOURS = env_int("SHIFT_MAX_HOURS", 12)
# 智慧信访 statutory deadlines (信访工作条例), in days, and how many days before each the
# handling unit (or, for a review request, the resident) is warned.
PETITION_ACCEPT_DAYS = env_int("PETITION_ACCEPT_DAYS", 15)
PETITION_REPLY_DAYS = env_int("PETITION_REPLY_DAYS", 60)
PETITION_EXTENSION_DAYS = env_int("PETITION_EXTENSION_DAYS", 30)
PETITION_REVIEW_REQUEST_DAYS = env_int("PETITION_REVIEW_REQUEST_DAYS", 30)
PETITION_WARN_DAYS = env_int("PETITION_WARN_DAYS", 3)
