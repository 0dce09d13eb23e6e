"""The compiled record validator (server/forms/schema.py validator_for) says exactly what the
marshmallow schema built from the same declaration says: same clean data, in the same order,
or the same errors. Both run here over a matrix of hostile values for every field of every
type, over random mixes of them, and (tests/conftest.py) over every record the suite validates."""

import itertools
import random
import unicodedata

import pytest

from server.forms import registry
from tests.conftest import validate_with_schema
from tests.helpers import death_data, propaganda_data, vneid_data
from tests.test_hostile_input import HUGE_DATA, ODD_TEXT

VALID = {"vneid_activation": vneid_data(), "death_check": death_data(), "propaganda_session": propaganda_data()}

HOSTILE = [
    None,
    "",
    " ",
    "\t\n",
    "x",
    "x" * 50,
    "x" * 51,
    "x" * 200,
    "x" * 201,
    "x" * 501,
    "x" * 2001,
    "\x00",
    "a\x00b",
    0,
    1,
    2,
    -1,
    13,
    1879,
    1880,
    1990,
    2**31,
    2**63,
    2**70,
    -(2**70),
    True,
    False,
    1.0,
    1.5,
    -0.0,
    1e300,
    [],
    [None],
    ["x"],
    [1],
    [1, 1],
    ["vneid", "vneid"],
    ["vneid", 5],
    {},
    {"a": 1},
    "2024-02-29",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "1879-12-31",
    "1880-01-01",
    "2999-01-01",
    "2024-2-3",
    "2024-02",
    "2024-13",
    "2024-00",
    "1879-12",
    "2999-12",
    "2019",
    "1879",
    "2999",
    "019",
    "20240101",
    "2024-02-29T10:00",
    "12:30",
    "24:00",
    "23:60",
    "7:30",
    "12:30:00",
    "0912345678",
    "+84912345678",
    "84 912 345 678",
    "0212345678",
    "091234567",
    "0912.345.678",
    "x" * 21,
    "038190012345",
    "038090012345",
    "003190012345",
    "03819001234a",
    "0381900123456",
    " 038190012345",
    "http://xa.gov.vn/bai-viet",
    "https://zalo.me/g/abc",
    "javascript:alert(1)",
    "https:// x",
    "ftp://x",
    "http://",
    "nam",
    "nữ",
    unicodedata.normalize("NFD", "nữ"),
    "female",
    "male",
    "Nam",
    "Nữ",
    "NAM",
    "nu",
    *ODD_TEXT.values(),
    *(value for _, _, value in HUGE_DATA.values()),
]


def choice_values(record_type):
    return [c.value for f in record_type.fields for c in f.choices]


def assert_agree(type_name, data):
    fast, reference = registry.validate(type_name, data), validate_with_schema(type_name, data)
    assert fast == reference, (type_name, data, fast, reference)
    if fast[0] is not None:
        assert list(fast[0]) == list(reference[0]), "the clean data keeps the declared order"


@pytest.mark.parametrize("type_name", VALID)
def test_every_field_with_every_hostile_value_is_judged_the_same(type_name):
    record_type = registry.get(type_name)
    values = HOSTILE + choice_values(record_type)
    for field in record_type.fields:
        assert_agree(type_name, {k: v for k, v in VALID[type_name].items() if k != field.name})
        for value in values:
            assert_agree(type_name, {**VALID[type_name], field.name: value})


@pytest.mark.parametrize("type_name", VALID)
def test_unknown_fields_and_empty_records_are_judged_the_same(type_name):
    assert_agree(type_name, {})
    assert_agree(type_name, {"portrait": "…"})
    assert_agree(type_name, {**VALID[type_name], "portrait": "…", "": 1, "level ": 2})
    for fields in itertools.combinations(list(VALID[type_name]), 2):
        assert_agree(type_name, {k: v for k, v in VALID[type_name].items() if k not in fields})


@pytest.mark.parametrize("seed", range(40))
def test_random_mixes_of_values_are_judged_the_same(seed):
    rng = random.Random(seed)
    for _ in range(50):
        type_name = rng.choice(list(VALID))
        record_type = registry.get(type_name)
        values = HOSTILE + choice_values(record_type)
        data = dict(VALID[type_name])
        for field in rng.sample(record_type.fields, rng.randint(1, 4)):
            if rng.random() < 0.2:
                data.pop(field.name, None)
            else:
                data[field.name] = rng.choice(values)
        assert_agree(type_name, data)


def test_a_data_value_that_is_not_an_object_is_judged_the_same():
    for value in (None, [], "x", 5):
        assert registry.validate("vneid_activation", value) == validate_with_schema("vneid_activation", value)
