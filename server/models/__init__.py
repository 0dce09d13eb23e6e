"""SQLAlchemy models, one module per aggregate; importing this registers every table."""

from server.models.geo import Commune, OfficialPlace, Province, Village
from server.models.users import User, Device, RefreshToken, LoginFailure, user_villages
from server.models.records import Record, RecordVersion
from server.models.sync import Mutation, SyncClock, SyncEpoch
from server.models.conflicts import Conflict
from server.models.audit import AuditEntry
from server.models.targets import Target
from server.models.push import PushSubscription, Notification
from server.models.submissions import ProvinceTarget, ReportDeadline, Submission, SubmissionVersion

__all__ = [
    "Commune",
    "OfficialPlace",
    "Province",
    "Village",
    "User",
    "Device",
    "RefreshToken",
    "LoginFailure",
    "user_villages",
    "Record",
    "RecordVersion",
    "Mutation",
    "SyncClock",
    "SyncEpoch",
    "Conflict",
    "AuditEntry",
    "Target",
    "PushSubscription",
    "Notification",
    "Submission",
    "SubmissionVersion",
    "ReportDeadline",
    "ProvinceTarget",
]
