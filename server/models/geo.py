"""Places: a commune (xã/phường) and its villages (thôn/tổ dân phố)."""

from server.extensions import db


class Commune(db.Model):
    __tablename__ = "communes"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    district = db.Column(db.String(120))
    province = db.Column(db.String(120))

    villages = db.relationship("Village", back_populates="commune", order_by="Village.id")


class Village(db.Model):
    __tablename__ = "villages"
    __table_args__ = (db.UniqueConstraint("commune_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)

    commune = db.relationship("Commune", back_populates="villages")
