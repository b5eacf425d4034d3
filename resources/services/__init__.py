"""Every write of the resources app, one module per concern; import from here."""

from .providers import (
    do_accept_booking,
    do_apply_provider,
    do_create_booking,
    do_decline_booking,
    do_finish_booking,
    do_rate_booking,
    do_register_provider,
    do_reject_provider,
    do_verify_provider,
)
from .stations import (
    do_check_in_station,
    do_create_patrol,
    do_create_reservation,
    do_create_station,
    do_patrol_to_appeal,
)
from .volunteers import (
    do_approve_volunteer,
    do_clock_in_shift,
    do_clock_out_shift,
    do_convert_tip,
    do_create_shift,
    do_create_tip,
    do_register_volunteer,
    do_reject_volunteer,
)

__all__ = [
    "do_accept_booking",
    "do_apply_provider",
    "do_approve_volunteer",
    "do_check_in_station",
    "do_clock_in_shift",
    "do_clock_out_shift",
    "do_convert_tip",
    "do_create_booking",
    "do_create_patrol",
    "do_create_reservation",
    "do_create_shift",
    "do_create_station",
    "do_create_tip",
    "do_decline_booking",
    "do_finish_booking",
    "do_patrol_to_appeal",
    "do_rate_booking",
    "do_register_provider",
    "do_register_volunteer",
    "do_reject_provider",
    "do_reject_volunteer",
    "do_verify_provider",
]
