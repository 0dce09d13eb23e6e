"""Places since the 2025 reform (DOMAIN.md "Places"): province → commune (xã, phường, đặc khu)
→ village or residential group (thôn, tổ dân phố). There is no district.

`OfficialPlace` is the government's list of provinces and communes with their official codes, as
loaded by `flask load-places` (docs/places.md); a province admin opens a commune in the app by
picking it from that list, which makes a `Commune` with the same code and name.
"""

from server.extensions import db

# What a village is: a village (thôn, bản, ấp) or a residential group of a ward (tổ dân phố).
VILLAGE_KINDS = ("thon", "to_dan_pho")


# The two levels of the official list. A code is unique within its level only: province 4 is
# Cao Bằng, commune 4 Hà Nội's Phường Ba Đình.
PROVINCE_LEVEL, COMMUNE_LEVEL = "province", "commune"


class OfficialPlace(db.Model):
    """One unit of the official list: a province (no parent) or a commune of a province."""

    __tablename__ = "official_places"
    level = db.Column(db.String(10), primary_key=True)
    code = db.Column(db.Integer, primary_key=True, autoincrement=False)
    name = db.Column(db.String(120), nullable=False)
    # As the list writes it: "tỉnh", "thành phố trung ương", "xã", "phường", "đặc khu".
    kind = db.Column(db.String(40), nullable=False)
    province_code = db.Column(db.Integer, index=True)


class Province(db.Model):
    __tablename__ = "provinces"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.Integer, unique=True)
    name = db.Column(db.String(120), nullable=False, unique=True)
    # A commune's report of a period is due on this day of the month after the period ends,
    # unless the province set a date for that period (server/models/submissions.py).
    report_due_day = db.Column(db.Integer, nullable=False, default=20)

    communes = db.relationship("Commune", back_populates="province", order_by="Commune.name")


class Commune(db.Model):
    __tablename__ = "communes"
    __table_args__ = (db.UniqueConstraint("province_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    # The official code; a commune opened before the official list was loaded may have none yet.
    code = db.Column(db.Integer, unique=True)
    # The official name with its kind, as the list writes it: "Phường Quang Trung", "Xã Cẩm Tân".
    name = db.Column(db.String(120), nullable=False)
    kind = db.Column(db.String(40))
    province_id = db.Column(db.Integer, db.ForeignKey("provinces.id"), index=True)

    province = db.relationship("Province", back_populates="communes")
    villages = db.relationship("Village", back_populates="commune", order_by="Village.id")


class Village(db.Model):
    __tablename__ = "villages"
    # The name as the commune now writes it is unique in the commune; two villages that had the
    # same name before their communes merged keep it as `former_name` ("Thôn 1" of two old xã).
    __table_args__ = (db.UniqueConstraint("commune_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    commune_id = db.Column(db.Integer, db.ForeignKey("communes.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    kind = db.Column(db.String(20), nullable=False, default="thon", server_default="thon")
    former_name = db.Column(db.String(200))
    active = db.Column(db.Boolean, nullable=False, default=True)

    commune = db.relationship("Commune", back_populates="villages")
