"""Targets the commune's working group sets: a number per measure, period, and commune or village.

``village_id`` NULL is a target for the whole commune. A period is stored as
its canonical name ("2026", "2026-H1", "2026-Q4", "2026-11", "2026-01-01..2026-01-15")
with the first and last day it covers (server/reports/periods.py), so a report
finds the targets of its dates with a plain range comparison.
"""

from server.extensions import db
from server.timeutil import utcnow


class Target(db.Model):
    __tablename__ = "targets"
    __table_args__ = (
        # One value per measure and period for a village, and one for the whole commune
        # (NULLs are distinct in a unique index, hence the two partial indexes).
        db.Index(
            "uq_targets_village_measure_period",
            "commune_id",
            "village_id",
            "measure",
            "period",
            unique=True,
            sqlite_where=db.text("village_id IS NOT NULL"),
            postgresql_where=db.text("village_id IS NOT NULL"),
        ),
        db.Index(
            "uq_targets_commune_measure_period",
            "commune_id",
            "measure",
            "period",
            unique=True,
            sqlite_where=db.text("village_id IS NULL"),
            postgresql_where=db.text("village_id IS NULL"),
        ),
        db.Index("ix_targets_commune_period", "commune_id", "period_start", "period_end"),
    )
    id = db.Column(db.Integer, primary_key=True)
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"), nullable=False)
    village_id = db.Column(db.Integer, db.ForeignKey("villages.id"))
    measure = db.Column(db.String(40), nullable=False)
    period = db.Column(db.String(24), nullable=False)
    period_start = db.Column(db.Date, nullable=False)
    period_end = db.Column(db.Date, nullable=False)
    # A count, or a whole percent for share measures (server/reports/measures.py says which).
    value = db.Column(db.Integer, nullable=False)
    updated_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
