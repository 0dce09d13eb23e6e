"""The reports a commune sends upward (PROTOCOL.md §10a), the province's deadlines and targets.

A submission is one commune's report of one period; each time the commune sends it (again, after
the province returned it) is a new `SubmissionVersion` holding the figures frozen at that moment
and the words written with them. Versions are never changed but to mark them returned, so what
was sent stays what was sent (DESIGN.md decision 14).
"""

from server.extensions import db
from server.timeutil import utcnow


class Submission(db.Model):
    __tablename__ = "report_submissions"
    __table_args__ = (db.UniqueConstraint("commune_id", "period"),)
    id = db.Column(db.String(36), primary_key=True)
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"), nullable=False)
    period = db.Column(db.String(24), nullable=False)
    period_start = db.Column(db.Date, nullable=False)
    period_end = db.Column(db.Date, nullable=False)
    # The newest version's number; the row is that version's status, "submitted" or "returned".
    version = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(20), nullable=False)

    commune = db.relationship("Commune")
    versions = db.relationship("SubmissionVersion", back_populates="submission", order_by="SubmissionVersion.version")


class SubmissionVersion(db.Model):
    __tablename__ = "report_submission_versions"
    submission_id = db.Column(
        db.String(36), db.ForeignKey("report_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    version = db.Column(db.Integer, primary_key=True, autoincrement=False)
    submitted_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    submitted_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    due_date = db.Column(db.Date, nullable=False)
    late = db.Column(db.Boolean, nullable=False)
    figures = db.Column(db.JSON, nullable=False)
    narrative = db.Column(db.JSON, nullable=False)
    returned_at = db.Column(db.DateTime(timezone=True))
    returned_by = db.Column(db.Integer, db.ForeignKey("users.id"))
    return_comment = db.Column(db.Text)

    submission = db.relationship("Submission", back_populates="versions")


class ReportDeadline(db.Model):
    """A due date the province set for one period, instead of its usual day of the month."""

    __tablename__ = "report_deadlines"
    province_id = db.Column(db.Integer, db.ForeignKey("provinces.id"), primary_key=True)
    period = db.Column(db.String(24), primary_key=True)
    due_date = db.Column(db.Date, nullable=False)
    updated_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class ProvinceTarget(db.Model):
    """A target for the whole province, per measure and period (commune targets are `Target`s)."""

    __tablename__ = "province_targets"
    __table_args__ = (db.UniqueConstraint("province_id", "measure", "period"),)
    id = db.Column(db.Integer, primary_key=True)
    province_id = db.Column(db.Integer, db.ForeignKey("provinces.id"), nullable=False)
    measure = db.Column(db.String(40), nullable=False)
    period = db.Column(db.String(24), nullable=False)
    period_start = db.Column(db.Date, nullable=False)
    period_end = db.Column(db.Date, nullable=False)
    value = db.Column(db.Integer, nullable=False)
    updated_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
