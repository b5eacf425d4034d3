"""Rules of the governance domain that the district may tune without code changes."""

from .env import env_int

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
