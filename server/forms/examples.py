"""What the demo needs to make plausible records of any type (server/demo_activity.py): where,
when and by whom a record is made, and plausible people, with valid personal ids and phones.
Each type declares its own `Example` (server/forms/declarations.py) with these."""

from dataclasses import dataclass
from datetime import date


@dataclass
class Context:
    """Where and when a record is made, and by whom: what the type's maker needs."""

    day: date
    village: str
    role: str
    commune_slug: str


# People: plausible names, ID numbers, phones.

SURNAMES = (
    ["Nguyễn"] * 8
    + ["Lê"] * 5
    + ["Trần", "Phạm", "Hoàng"] * 3
    + ["Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Trịnh", "Mai", "Lương", "Đinh", "Hà", "Cao", "Tống", "Lại", "Phan"]
)
MIDDLE = {
    "nam": ["Văn", "Văn", "Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Đình", "Công", "Ngọc", "Trọng"],
    "nữ": ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Phương", "Kim", "Bích", "Mai"],
}
GIVEN = {
    "nam": [
        "Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khánh", "Lâm",
        "Long", "Mạnh", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Thắng", "Thành", "Tiến", "Toàn",
        "Trung", "Tuấn", "Việt", "Vinh", "Chiến", "Lợi", "Thịnh",
    ],
    "nữ": [
        "An", "Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa", "Hương", "Huyền",
        "Lan", "Liên", "Linh", "Loan", "Mai", "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh",
        "Thảo", "Thủy", "Trang", "Tuyết", "Vân", "Yến", "Xuân",
    ],
}  # fmt: skip
# Most people here had their birth registered in Thanh Hóa; a few came from the neighbours.
BIRTH_PROVINCES = ["038"] * 17 + ["040", "037", "001"]
MOBILE_PREFIXES = ["098", "097", "096", "086", "035", "036", "037", "038", "039", "091", "094", "088", "083"]
MOBILE_PREFIXES += ["090", "093", "089", "070", "077", "081", "085", "056", "058"]


def person(rng, born_from=1950, born_to=2010):
    """A citizen: name, gender, date of birth and the personal id those make valid."""
    gender = rng.choice(("nam", "nữ"))
    born = date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
    return {"name": name, "gender": gender, "born": born, "personal_id": personal_id(rng, born.year, gender)}


def personal_id(rng, birth_year, gender):
    """12 digits: the province of birth registration, the century-and-gender digit, the year's
    last two digits, then a serial (DOMAIN.md, "Personal id")."""
    century = (birth_year // 100 - 19) * 2 + (1 if gender == "nữ" else 0)
    return f"{rng.choice(BIRTH_PROVINCES)}{century}{birth_year % 100:02d}{rng.randint(0, 999_999):06d}"


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 9_999_999):07d}"
