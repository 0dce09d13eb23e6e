"""Reference checks from DOMAIN.md: personal ids, mobile numbers, ages. Pure functions."""

import re
from datetime import datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7))

PROVINCE_CODES = frozenset(
    {
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    }
)

_PERSONAL_ID = re.compile(r"[0-9]{12}")
_MOBILE = re.compile(r"0[35789][0-9]{8}")


def today():
    """Today in Vietnam: a record made at 06:30 local time is not "in the future" in UTC terms."""
    return datetime.now(VIETNAM_TZ).date()


def personal_id_problems(personal_id):
    """Messages for a personal id that is not 12 digits or whose province code does not exist.
    How its digits match the holder's birth year and gender are declared rules of each type
    (server/forms/logic.py, personal_id_rules)."""
    if not _PERSONAL_ID.fullmatch(personal_id):
        return ["Số định danh cá nhân phải gồm đúng 12 chữ số"]
    if personal_id[:3] not in PROVINCE_CODES:
        return [f"Mã tỉnh {personal_id[:3]} (3 chữ số đầu) không tồn tại"]
    return []


def normalise_mobile(text):
    """A Vietnamese mobile number as 0xxxxxxxxx, or None when it is not one."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.fullmatch(digits) else None
