"""The review state machine on records, as an explicit table. Pure data and functions.

A record type's own workflow (a death case's status) is declared with the type
(server/forms/declarations.py: Workflow)."""

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
# What the states and actions are called, for messages and reports.
REVIEW_STATE_LABELS = {
    "submitted": "Chờ duyệt",
    "needs_changes": "Yêu cầu bổ sung",
    "approved": "Đã duyệt",
    "rejected": "Từ chối",
}
REVIEW_ACTION_LABELS = {"approve": "duyệt", "needs_changes": "yêu cầu bổ sung", "reject": "từ chối"}
ACTIONS_NEEDING_COMMENT = ("needs_changes", "reject")

# States in which the people who recorded a record can no longer change it.
LOCKED_STATES = ("approved", "rejected")


def review_outcome(state, action):
    """The state a review action leads to, or None when the action is not allowed from this state."""
    return REVIEW_TRANSITIONS.get((state, action))


def state_after_edit(state):
    """A device edit of a record returned for changes puts it back in the queue."""
    return "submitted" if state == "needs_changes" else state
