"""The record validator (server/forms/schema.py validator_for) over a matrix of hostile values for
every field of every type, and over random mixes of them: it never fails, refuses a value exactly
when the field's kind refuses it, names every field it refuses (in Vietnamese), and what it lets
through is clean data (declared fields only, in declared order, no empty values) that it lets
through again unchanged. (Until the push was rewritten a marshmallow schema built from the same
declarations was kept beside it as the oracle of these tests: one validator now, held to what
must be true of its answers.)"""

import itertools
import random
import unicodedata

import pytest

from server.forms import registry
from server.forms import vneid_activation
from server.forms.declarations import Field
from server.forms.schema import CONVERTERS, MSG_UNKNOWN, Invalid
from server.labels import Label
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


def assert_well_judged(type_name, data):
    """What the validator answers for `data` holds together; returns its answer."""
    record_type = registry.get(type_name)
    clean, errors = registry.validate(type_name, data)
    assert (clean is None) != (errors is None), (type_name, data)
    if errors is not None:
        assert errors and all(
            messages and all(isinstance(m, str) and m for m in messages) for messages in errors.values()
        ), errors
        assert set(errors) <= set(record_type.by_name) | set(data), errors
        return clean, errors
    assert list(clean) == [f.name for f in record_type.fields if f.name in clean], "declared order"
    assert all(value is not None and value != "" for value in clean.values()), clean
    # Clean data passes again unchanged (a field sent as null is absent from it, and takes its
    # declared default the second time).
    again, problems = registry.validate(type_name, clean)
    assert problems is None and {k: v for k, v in again.items() if k in clean} == clean, (clean, again, problems)
    assert set(again) - set(clean) <= set(record_type.defaults)
    return clean, errors


def kind_refuses(field, value):
    if value is None:
        return field.always_required
    try:
        CONVERTERS[field.kind](field, value)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("type_name", VALID)
def test_every_field_with_every_hostile_value_is_refused_when_its_kind_refuses_it(type_name):
    record_type = registry.get(type_name)
    values = HOSTILE + choice_values(record_type)
    for field in record_type.fields:
        assert_well_judged(type_name, {k: v for k, v in VALID[type_name].items() if k != field.name})
        for value in values:
            _, errors = assert_well_judged(type_name, {**VALID[type_name], field.name: value})
            if kind_refuses(field, value):
                assert field.name in (errors or {}), (field.name, value, errors)
            elif errors and field.name in errors:
                # A value its kind takes is refused only by what the type declares beyond it.
                declared = {r.message.vi for r in record_type.rules} | {"Trường này bắt buộc"}
                assert set(errors[field.name]) <= declared or record_type.workflow, (field.name, value, errors)


@pytest.mark.parametrize("type_name", VALID)
def test_unknown_fields_are_refused_by_name_and_missing_ones_judged(type_name):
    _, errors = assert_well_judged(type_name, {**VALID[type_name], "portrait": "…", "": 1, "level ": 2})
    assert {name: errors[name] for name in ("portrait", "", "level ")} == dict.fromkeys(
        ("portrait", "", "level "), [MSG_UNKNOWN]
    )
    assert_well_judged(type_name, {})
    for fields in itertools.combinations(list(VALID[type_name]), 2):
        assert_well_judged(type_name, {k: v for k, v in VALID[type_name].items() if k not in fields})


@pytest.mark.parametrize("seed", range(40))
def test_random_mixes_of_values_are_judged_consistently(seed):
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
        _, errors = assert_well_judged(type_name, data)
        refused = {f.name for f in record_type.fields if f.name in data and kind_refuses(f, data[f.name])}
        assert refused <= set(errors or {}), (data, errors)


def test_a_data_value_that_is_not_an_object_is_refused():
    for value in (None, [], "x", 5):
        assert registry.validate("vneid_activation", value) == (None, {"data": ["Phải là một đối tượng JSON"]})


def _field(kind, **options):
    return Field("x", kind, Label("x", "x"), **options)


NOT_IN_FUTURE = "Không được là ngày trong tương lai"
KINDS = [
    # (field, value, what it becomes, or the messages it is refused with)
    (_field("text", required=True, max_length=5), "Lan", "Lan"),
    (_field("text", required=True, max_length=5), " \t", ["Trường này bắt buộc"]),
    (_field("text", max_length=5), "Nguyễn", ["Tối đa 5 ký tự"]),
    (_field("long_text"), 5, ["Phải là chuỗi ký tự"]),
    (_field("personal_id"), "038190012345", "038190012345"),
    (_field("personal_id"), "03819001234", ["Số định danh cá nhân phải gồm đúng 12 chữ số"]),
    (_field("personal_id"), "999190012345", ["Mã tỉnh 999 (3 chữ số đầu) không tồn tại"]),
    (_field("date"), "2024-02-29", "2024-02-29"),
    (_field("date"), "2023-02-29", ["Ngày không tồn tại"]),
    (_field("date"), "1879-12-31", ["Ngày quá xa trong quá khứ"]),
    (_field("date"), "2024-2-3", ["Ngày phải theo dạng YYYY-MM-DD"]),
    (_field("date", not_future=True), "2999-01-01", [NOT_IN_FUTURE]),
    (_field("partial_date"), "2024-02", "2024-02"),
    (_field("partial_date"), "2019", "2019"),
    (_field("partial_date"), "2024-13", ["Tháng không tồn tại"]),
    (_field("partial_date", not_future=True), "2999", [NOT_IN_FUTURE]),
    (_field("time"), "19:30", "19:30"),
    (_field("time"), "24:00", ["Giờ phải theo dạng HH:MM"]),
    (_field("year", min=1880), 1940, 1940),
    (_field("year", min=1880), True, ["Năm phải là số nguyên"]),
    (_field("choice", choices=vneid_activation.GENDER), "female", "nữ"),
    (_field("choice", choices=vneid_activation.GENDER), unicodedata.normalize("NFD", "nữ"), "nữ"),
    (_field("choice", choices=vneid_activation.GENDER), "x", ["Giá trị không hợp lệ; chọn một trong: nam, nữ"]),
    (_field("multi_choice", choices=vneid_activation.GENDER), ["nam", "male", "nữ"], ["nam", "nữ"]),
    (_field("multi_choice", required=True, choices=vneid_activation.GENDER), [], ["Chọn ít nhất một mục"]),
    (_field("integer", min=0, max=10), -1, ["Không được nhỏ hơn 0"]),
    (_field("integer", min=0, max=10), 11, ["Không được lớn hơn 10"]),
    (_field("integer", min=0, max=10), 1.0, ["Phải là số nguyên"]),
    (_field("boolean"), 1, ["Phải là có (true) hoặc không (false)"]),
    (_field("phone"), "+84 912 345 678", "0912345678"),
    (_field("phone"), "0212345678", ["Số di động phải có 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09"]),
    (_field("url"), "https://zalo.me/g/abc", "https://zalo.me/g/abc"),
    (_field("url"), "javascript:alert(1)", ["Đường dẫn phải bắt đầu bằng http:// hoặc https://"]),
]


@pytest.mark.parametrize(("field", "value", "expected"), KINDS)
def test_each_kind_takes_and_refuses_what_it_says(field, value, expected):
    try:
        outcome = CONVERTERS[field.kind](field, value)
    except Invalid as refusal:
        outcome = refusal.messages
    assert outcome == expected
