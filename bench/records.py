"""Realistic, valid record data for the three record types, varied from a seeded generator."""

import random
import uuid

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Quang")
GIVEN = ("Lan", "Hùng", "Mai", "Cường", "Hương", "Dũng", "Thảo", "Sơn", "Hà", "Tuấn", "Linh", "Nam")
PROVINCES = ("038", "040", "042", "044", "001", "079")
PLACES = ("home", "one_stop_desk", "police_office", "mobile_point", "post_or_telecom")
TOPICS = ("vneid", "utility_groups", "online_public_services", "residence_law", "citizen_id_law")


def _name(rng):
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _personal_id(rng, year, gender):
    century_digit = (year - 1900) // 100 * 2 + (1 if gender == "nữ" else 0)
    return f"{rng.choice(PROVINCES)}{century_digit}{year % 100:02d}{rng.randrange(10**6):06d}"


def vneid(rng):
    year, gender = rng.randint(1950, 2008), rng.choice(("nam", "nữ"))
    data = {
        "full_name": _name(rng),
        "personal_id": _personal_id(rng, year, gender),
        "date_of_birth": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "gender": gender,
        "phone": f"09{rng.randrange(10**8):08d}",
        "phone_is_own": rng.random() < 0.8,
        "step_reached": "activated",
        "activity_date": "2025-11-20",
    }
    # Level 2 is registered only at the police office or a mobile point.
    data["place"] = rng.choice(PLACES)
    data["level"] = 2 if data["place"] in ("police_office", "mobile_point") else 1
    if rng.random() < 0.3:
        data["notes"] = "Đã hướng dẫn đăng nhập Cổng dịch vụ công và tích hợp giấy phép lái xe."
    return data


def death_check(rng):
    year = rng.randint(1925, 1960)
    return {
        "deceased_name": _name(rng),
        "birth_year": year,
        "gender": rng.choice(("nam", "nữ")),
        "date_of_death": f"{rng.randint(2015, 2024)}-{rng.randint(1, 12):02d}",
        "informant_name": _name(rng),
        "informant_relation": "con",
        "source": "family",
        "place_of_death": "Tại nhà",
    }


def propaganda_session(rng):
    return {
        "activity_date": "2025-11-18",
        "start_time": f"{rng.randint(7, 20):02d}:30",
        "form": "meeting",
        "topics": rng.sample(TOPICS, 2),
        "organizers": ["youth_union"],
        "location": f"Nhà văn hóa thôn {rng.randint(1, 5)}",
        "people_reached": rng.randint(10, 120),
        "materials_count": rng.randint(0, 60),
    }


# The mix a commune sees: mostly VNeID help, some death checks and outreach sessions.
MIX = (
    (vneid, "vneid_activation", 0.8),
    (death_check, "death_check", 0.1),
    (propaganda_session, "propaganda_session", 0.1),
)


def _pick(rng):
    """(make, record type) drawn by the mix's shares."""
    pick = rng.random()
    for make, record_type, share in MIX:
        pick -= share
        if pick < 0:
            return make, record_type
    return MIX[-1][:2]


def create(rng, village_id):
    """A create mutation (without its mutation id) of a random type from the mix."""
    make, record_type = _pick(rng)
    return {
        "op": "create",
        "record_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "type": record_type,
        "village_id": village_id,
        "data": make(rng),
        "client_time": "2025-11-20T08:00:00Z",
    }


def update(created):
    """An update of a record this device created, always to a new value (so it makes a version)."""
    if created["type"] == "vneid_activation":
        changes = {"notes": "Đã bổ sung số điện thoại chính chủ."}
    elif created["type"] == "death_check":
        changes = {"evidence_note": "Gia đình cung cấp giấy báo tử của trạm y tế."}
    else:
        changes = {"people_reached": created["data"]["people_reached"] + 1}
    return {"op": "update", "record_id": created["record_id"], "base_version": 1, "data": changes}


def device_mutations(seed, village_ids, creates, update_share):
    """A device's outbox: its creates, then updates of a share of them, numbered from 1."""
    rng = random.Random(seed)
    made = [create(rng, rng.choice(village_ids)) for _ in range(creates)]
    updates = [update(m) for m in rng.sample(made, round(creates * update_share))]
    return [{"mutation_id": i, **m} for i, m in enumerate(made + updates, start=1)]
