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
# 每月一事: counter rows per candidate (spreads concurrent ballots over rows; more rows, less
# waiting on one hot row, a slightly longer sum), and how long a web process trusts a voting
# round's candidate list (candidates cannot change while voting; the window is checked in SQL).
MONTHLY_TALLY_SHARDS = env_int("MONTHLY_TALLY_SHARDS", 16)
MONTHLY_ROUND_CACHE_SECONDS = env_int("MONTHLY_ROUND_CACHE_SECONDS", 10)
# Live tallies go out over the WebSocket at most once per this many seconds per round.
MONTHLY_TALLY_PUBLISH_SECONDS = env_int("MONTHLY_TALLY_PUBLISH_SECONDS", 1)
# Ballots a voter may send per window (one is enough; repeats answer 409 already_voted).
MONTHLY_BALLOT_THROTTLE = env_str("THROTTLE_BALLOT", "30/min")
