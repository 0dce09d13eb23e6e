"""The demo province, communes, villages and users (PROTOCOL.md §12), relied on by others' tests.

Places are the 2025 official units, with their official codes (docs/places.md): Thanh Hóa's
Phường Quang Trung (xã Quang Trung of thị xã Bỉm Sơn before the reform) and Xã Cẩm Tân. The
usernames and village names stay as §12 gives them.
"""

from sqlalchemy import or_, select

from server.auth.passwords import hash_password
from server.extensions import db
from server.models import Commune, Province, User
from server.places import village_named

PROVINCE = {"code": 38, "name": "Tỉnh Thanh Hóa", "report_due_day": 20}
PROVINCE_USERS = [
    ("province.th", "Phòng PC06, Công an tỉnh Thanh Hóa", "province_officer"),
    ("padmin.th", "Tổ công tác Đề án 06 tỉnh Thanh Hóa", "province_admin"),
]
COMMUNES = [
    {
        # code, official name, kind, and the name a database seeded before the reform gave it
        "commune": (14818, "Phường Quang Trung", "phường", "Quang Trung"),
        "villages": ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5"],
        "users": [
            ("admin.qt", "Tổ công tác Đề án 06 phường Quang Trung", "admin", []),
            ("police.qt", "Công an phường Quang Trung", "police", []),
            ("staff.qt", "Trần Văn Bình (cán bộ thôn)", "village_staff", ["Thôn 1", "Thôn 2"]),
            ("vol.qt1", "Nguyễn Thị Lan", "volunteer", ["Thôn 1", "Thôn 2"]),
            ("vol.qt2", "Lê Văn Hùng", "volunteer", ["Thôn 1", "Thôn 2"]),
            ("vol.qt3", "Phạm Thị Hoa", "volunteer", ["Thôn 3"]),
            ("civil.qt", "Đỗ Thị Thu (Tư pháp - Hộ tịch)", "civil_status", []),
            ("leader.qt", "Hoàng Văn Nam (Chủ tịch UBND phường)", "commune_viewer", []),
        ],
    },
    {
        "commune": (15178, "Xã Cẩm Tân", "xã", "Cẩm Hải"),
        "villages": ["Thôn Đông", "Thôn Tây"],
        "users": [
            ("admin.ch", "Tổ công tác Đề án 06 xã Cẩm Tân", "admin", []),
            ("police.ch", "Công an xã Cẩm Tân", "police", []),
            ("vol.ch1", "Vũ Đức Anh", "volunteer", ["Thôn Đông"]),
        ],
    },
]


def seed_demo(password):
    """Create the demo places and users; running it again changes nothing but passwords."""
    password_hash = hash_password(password)
    province = _province()
    for username, full_name, role in PROVINCE_USERS:
        user = _user(username, full_name, role, password_hash)
        user.province_id, user.commune_id = province.id, None
        user.villages = []
    for spec in COMMUNES:
        commune = _commune(province, *spec["commune"])
        villages = {name: village_named(commune, name) for name in spec["villages"]}
        for username, full_name, role, village_names in spec["users"]:
            user = _user(username, full_name, role, password_hash)
            user.commune_id, user.province_id = commune.id, None
            user.villages = [villages[v] for v in village_names]
    db.session.commit()


def usernames():
    return [user[0] for user in PROVINCE_USERS] + [user[0] for spec in COMMUNES for user in spec["users"]]


def _province():
    province = db.session.execute(
        select(Province).where(or_(Province.code == PROVINCE["code"], Province.name == PROVINCE["name"]))
    ).scalar_one_or_none()
    if province is None:
        province = Province(**PROVINCE)
        db.session.add(province)
        db.session.flush()
    return province


def _commune(province, code, name, kind, name_before_reform):
    commune = db.session.execute(
        select(Commune).where(or_(Commune.code == code, Commune.name.in_((name, name_before_reform))))
    ).scalar_one_or_none()
    if commune is None:
        commune = Commune()
        db.session.add(commune)
    commune.code, commune.name, commune.kind, commune.province_id = code, name, kind, province.id
    db.session.flush()
    return commune


def _user(username, full_name, role, password_hash):
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(username=username)
        db.session.add(user)
    user.full_name, user.role, user.active, user.password_hash = full_name, role, True, password_hash
    return user
