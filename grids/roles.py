"""Which roles grant what. Every later permission check names one of these sets."""

from .models import Role

# May create units, accounts and assignments in their subtree.
ADMIN_ROLES = frozenset({Role.ADMIN})
# Staff of a subtree: see and act on everything in it (verify residences, run votes, announce).
STAFF_ROLES = frozenset({Role.ADMIN, Role.STAFF})
# Handle residents' requests in their units (grid workers and leaders work on the ground).
HANDLER_ROLES = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_LEADER, Role.GRID_WORKER})
# Roles that make an account staff-side (password login, not a plain resident).
STAFF_SIDE_ROLES = frozenset(set(Role) - {Role.MERCHANT, Role.CRAFTSMAN, Role.PARTNER, Role.VOLUNTEER, Role.ELDER})
