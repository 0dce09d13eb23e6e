"""People, the devices they sync from, their refresh tokens, and failed logins."""

from server.extensions import db
from server.timeutil import utcnow

user_villages = db.Table(
    "user_villages",
    db.Column("user_id", db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    db.Column("village_id", db.Integer, db.ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (db.CheckConstraint("(commune_id IS NULL) <> (province_id IS NULL)", name="one_place"),)
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    full_name = db.Column(db.String(200), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    # A commune role's user belongs to one commune, a province role's to one province
    # (server/roles.py, Role.tier); never both, never neither.
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"), index=True)
    province_id = db.Column(db.Integer, db.ForeignKey("provinces.id"), index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    commune = db.relationship("Commune")
    province = db.relationship("Province")
    villages = db.relationship("Village", secondary=user_villages, order_by="Village.id")

    @property
    def village_ids(self):
        return [v.id for v in self.villages]


class Device(db.Model):
    """One install of the app. Its id is a UUID the client made; it is bound to one user."""

    __tablename__ = "devices"
    id = db.Column(db.String(36), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    name = db.Column(db.String(120))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at = db.Column(db.DateTime(timezone=True))
    last_sync_at = db.Column(db.DateTime(timezone=True))
    app_version = db.Column(db.String(40))
    pending_count = db.Column(db.Integer)
    # Bumped on logout, refresh-token reuse and login: every older token of the device stops working.
    token_generation = db.Column(db.Integer, nullable=False, default=1)
    revoked_at = db.Column(db.DateTime(timezone=True))
    revoked_by = db.Column(db.Integer, db.ForeignKey("users.id"))
    last_mutation_id = db.Column(db.BigInteger, nullable=False, default=0)

    user = db.relationship("User", foreign_keys=[user_id])


class RefreshToken(db.Model):
    """Issued refresh tokens, so that a rotated one presented again reveals a stolen token."""

    __tablename__ = "refresh_tokens"
    jti = db.Column(db.String(36), primary_key=True)
    device_id = db.Column(db.String(36), db.ForeignKey("devices.id", ondelete="CASCADE"), nullable=False, index=True)
    generation = db.Column(db.Integer, nullable=False)
    issued_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False)
    used_at = db.Column(db.DateTime(timezone=True))


class LoginFailure(db.Model):
    """One failed login, keyed by account and by address; rows older than the window are pruned."""

    __tablename__ = "login_failures"
    __table_args__ = (db.Index("ix_login_failures_key_at", "key", "at"),)
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(200), nullable=False)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
