"""Review actions by police and admin: check the transition, write the version, stamp who and when,
and queue the author's notification in the same transaction.

Functions flush nothing themselves beyond adding rows; the route commits once.
"""

from server.audit import write_audit
from server.auth.scope import record_filter
from server.errors import (
    INVALID_TRANSITION,
    NOT_FOUND,
    RECORD_DELETED,
    RECORD_HAS_CONFLICT,
    VALIDATION_FAILED,
    stale_version,
)
from server.push.service import notify_review
from server.records import store, workflow
from server.timeutil import utcnow

MAX_BULK = 500


def review_record(user, record_id, action, comment=None, base_version=None):
    """Apply one review action; `base_version` None means "whatever is current" (bulk review)."""
    # Reviewers may act on exactly what they may read: their commune.
    row = (
        store.load_for_update([record_id], scope=record_filter(user)).get(record_id)
        if isinstance(record_id, str) and len(record_id) <= 36
        else None
    )
    if row is None:
        raise NOT_FOUND("Không tìm thấy bản ghi")
    if base_version is not None and base_version != row["version"]:
        raise stale_version(row["version"])
    _check_review(row, action, comment)
    new_state = workflow.review_outcome(row["review_state"], action)
    now = utcnow()
    version = store.new_version(
        row, action="review", user_id=user.id, now=now, review_state=new_state, review_comment=comment or None
    )
    row["reviewed_by"], row["reviewed_at"] = user.id, now
    store.save(updated=[row], versions=[version])
    write_audit(
        "record.review",
        target=("record", row["id"]),
        details={"action": action, "version": row["version"], "comment": comment},
    )
    notify_review(row, action, comment, reviewer=user)
    return row


def _check_review(row, action, comment):
    if action not in workflow.REVIEW_ACTIONS:
        raise VALIDATION_FAILED(fields={"action": ["Chọn approve, needs_changes hoặc reject"]})
    if action in workflow.ACTIONS_NEEDING_COMMENT and not (comment or "").strip():
        raise VALIDATION_FAILED(fields={"comment": ["Cần ghi nhận xét khi yêu cầu bổ sung hoặc từ chối"]})
    if row["deleted"]:
        raise RECORD_DELETED()
    if action == "approve" and row["has_conflict"]:
        raise RECORD_HAS_CONFLICT()
    if workflow.review_outcome(row["review_state"], action) is None:
        raise INVALID_TRANSITION(
            f"Không thể {workflow.REVIEW_ACTION_LABELS[action]} bản ghi đang ở trạng thái "
            f"«{workflow.REVIEW_STATE_LABELS[row['review_state']]}»"
        )
