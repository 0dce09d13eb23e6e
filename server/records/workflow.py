"""The two state machines on records, as explicit tables. Pure data and functions."""

# Review: (current state, action) -> new state.
REVIEW_TRANSITIONS = {
    ("submitted", "approve"): "approved",
    ("submitted", "needs_changes"): "needs_changes",
    ("submitted", "reject"): "rejected",
    ("needs_changes", "approve"): "approved",
    ("needs_changes", "reject"): "rejected",
    ("approved", "needs_changes"): "needs_changes",
    ("approved", "reject"): "rejected",
    ("rejected", "needs_changes"): "needs_changes",
    ("rejected", "approve"): "approved",
}
REVIEW_ACTIONS = ("approve", "needs_changes", "reject")
ACTIONS_NEEDING_COMMENT = ("needs_changes", "reject")

# States in which the people who recorded a record can no longer change it.
LOCKED_STATES = ("approved", "rejected")

# Death cases: reported -> verified_unregistered -> certificate_issued -> residence_removed,
# or reported -> already_registered | person_alive (closed). Only forward.
CASE_MOVES = {
    "reported": ("verified_unregistered", "already_registered", "person_alive"),
    "verified_unregistered": ("certificate_issued",),
    "certificate_issued": ("residence_removed",),
}


def review_outcome(state, action):
    """The state a review action leads to, or None when the action is not allowed from this state."""
    return REVIEW_TRANSITIONS.get((state, action))


def case_move_allowed(current, new):
    return current == new or new in CASE_MOVES.get(current, ())


def state_after_edit(state):
    """A device edit of a record returned for changes puts it back in the queue."""
    return "submitted" if state == "needs_changes" else state
