"""SQLAlchemy models, one module per aggregate; importing this registers every table."""

from server.models.geo import Commune, Village
from server.models.users import User, Device, RefreshToken, LoginFailure, user_villages
from server.models.records import Record, RecordVersion
from server.models.sync import Mutation, SyncClock, SyncEpoch
from server.models.conflicts import Conflict
from server.models.audit import AuditEntry
from server.models.targets import Target
from server.models.push import PushSubscription, Notification

__all__ = [
    "Commune",
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
]
