"""Turns a record type declaration into the one validator of its data (`validator_for`): each
declared field checked and normalised by its kind's converter (CONVERTERS), then the type's
relevance conditions, workflow needs and cross-field rules (JSON Logic, server/forms/logic.py).

Values come out JSON-ready (dates stay ISO strings, phones normalised to 0…), so what is
validated is exactly what is stored. Text is stored byte for byte. Every field's problem is
reported, in Vietnamese, not only the first.

Why no schema library: marshmallow, built from the same declarations, made a push's validation
two to three times slower (15 – 19 µs more a record); msgspec and fastjsonschema check types and
lengths in 2 – 4 µs, but stop at the first problem, answer in English and normalise nothing (a
phone number, a decomposed "nữ"), so these converters would still have to run beside them
(docs/performance.md).
"""

import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

from server.forms.logic import condition, context_of, today_text
from server.forms.rules import normalise_mobile, personal_id_problems, today

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")

MSG_REQUIRED = "Trường này bắt buộc"
MSG_UNKNOWN = "Trường này không có trong biểu mẫu"


class Invalid(ValueError):
    """A value a field's kind refuses; `messages` say why."""

    def __init__(self, messages):
        super().__init__(messages)
        self.messages = messages if isinstance(messages, list) else [messages]


def _text(decl, value):
    if not isinstance(value, str):
        raise Invalid("Phải là chuỗi ký tự")
    if decl.required and not value.strip():
        raise Invalid(MSG_REQUIRED)
    limit = decl.max_length or 500
    if len(value) > limit:
        raise Invalid(f"Tối đa {limit} ký tự")
    return value


def _personal_id(decl, value):
    if not isinstance(value, str):
        raise Invalid("Phải là chuỗi 12 chữ số")
    problems = personal_id_problems(value)
    if problems:
        raise Invalid(problems)
    return value


def _check_not_future(decl, day):
    if decl.not_future and day > today():
        raise Invalid("Không được là ngày trong tương lai")


def _date(decl, value):
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise Invalid("Ngày phải theo dạng YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid("Ngày không tồn tại") from None
    if day.year < 1880:
        raise Invalid("Ngày quá xa trong quá khứ")
    _check_not_future(decl, day)
    return value


def _partial_date(decl, value):
    if isinstance(value, str) and _MONTH.fullmatch(value):
        month = int(value[5:7])
        if not 1 <= month <= 12 or int(value[:4]) < 1880:
            raise Invalid("Tháng không tồn tại")
        _check_not_future(decl, date(int(value[:4]), month, 1))
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return _date(decl, value)
    # Only the year, when that is all the family knows.
    if isinstance(value, str) and _YEAR.fullmatch(value):
        if int(value) < 1880:
            raise Invalid("Ngày quá xa trong quá khứ")
        _check_not_future(decl, date(int(value), 1, 1))
        return value
    raise Invalid("Ngày phải theo dạng YYYY-MM-DD, hoặc YYYY-MM hay YYYY nếu không rõ ngày")


def _time(decl, value):
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise Invalid("Giờ phải theo dạng HH:MM")
    return value


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _year(decl, value):
    if not _is_int(value):
        raise Invalid("Năm phải là số nguyên")
    lowest = decl.min or 1880
    if not lowest <= value <= today().year:
        raise Invalid(f"Năm phải từ {lowest} đến {today().year}")
    return value


def _choice(decl, value):
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value)  # "nữ" typed on a phone may come decomposed
    for choice in decl.choices:
        if (value == choice.value and type(value) is type(choice.value)) or value in choice.aliases:
            return choice.value
    allowed = ", ".join(str(c.value) for c in decl.choices)
    raise Invalid(f"Giá trị không hợp lệ; chọn một trong: {allowed}")


def _multi_choice(decl, value):
    if not isinstance(value, list):
        raise Invalid("Phải là danh sách")
    chosen = []
    for item in value:
        item = _choice(decl, item)
        if item not in chosen:
            chosen.append(item)
    if decl.required and not chosen:
        raise Invalid("Chọn ít nhất một mục")
    return chosen


def _integer(decl, value):
    if not _is_int(value):
        raise Invalid("Phải là số nguyên")
    if decl.min is not None and value < decl.min:
        raise Invalid(f"Không được nhỏ hơn {decl.min}")
    if decl.max is not None and value > decl.max:
        raise Invalid(f"Không được lớn hơn {decl.max}")
    return value


def _boolean(decl, value):
    if not isinstance(value, bool):
        raise Invalid("Phải là có (true) hoặc không (false)")
    return value


def _phone(decl, value):
    normalised = normalise_mobile(value) if isinstance(value, str) and len(value) <= 20 else None
    if normalised is None:
        raise Invalid("Số di động phải có 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09")
    return normalised


def _url(decl, value):
    text = _text(decl, value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise Invalid("Đường dẫn phải bắt đầu bằng http:// hoặc https://")
    return text


CONVERTERS = {
    "text": _text,
    "long_text": _text,
    "personal_id": _personal_id,
    "date": _date,
    "partial_date": _partial_date,
    "time": _time,
    "year": _year,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "integer": _integer,
    "boolean": _boolean,
    "phone": _phone,
    "url": _url,
}


def _settling(record_type):
    """What `_settled` needs of a type's declaration, worked out once: its relevance conditions
    and rules as compiled conditions (server/forms/logic.py), and the fields required while
    relevant."""
    fields = [f for f in record_type.fields if f.relevant is not None]
    return (
        record_type,
        tuple((f.name, condition(f.relevant)) for f in fields),
        tuple(f.name for f in fields if f.required),
        tuple((condition(rule.broken_when), rule.reads, rule.fields, rule.message.vi) for rule in record_type.rules),
    )


def _settled(settling, data, before=None):
    """What the declaration says beyond single fields, over field-checked data: (the data without
    the values of fields not relevant to it, {field: [messages]} for a relevant required field
    left empty, what the workflow's state needs, and the broken rules). Conditions and rules are
    JSON Logic, evaluated by server/forms/logic.py as the phone evaluates them.

    `before` is the record's data before the change (None for a create): a rule is then checked
    only if the change writes a field the rule reads, so that a record stored before a rule was
    declared can still be edited elsewhere (docs/record-types.md, "Changing a type: old records")."""
    record_type, relevance, required_while_relevant, rules = settling
    day = today_text()
    context = context_of(data, day)
    irrelevant = {name for name, relevant in relevance if not relevant(context)}
    if not irrelevant.isdisjoint(data):
        data = {name: value for name, value in data.items() if name not in irrelevant}
        context = context_of(data, day)
    errors = {
        name: [MSG_REQUIRED]
        for name in required_while_relevant
        if name not in irrelevant and data.get(name) in (None, "")
    }
    if record_type.workflow:
        errors.update(record_type.workflow.unmet_needs(record_type, data))
    written = None if before is None else _written(data, before)
    for broken, reads, names, message in rules:
        if written is not None and reads.isdisjoint(written):
            continue
        if broken(context):
            for name in names:
                errors.setdefault(name, []).append(message)
    return data, errors


def _written(data, before):
    """The fields whose value `data` changes from `before` (an empty value is no value)."""
    return {name for name in data.keys() | before.keys() if _given(data.get(name)) != _given(before.get(name))}


def _given(value):
    return None if value == "" else value


def _without_empty(data):
    # A cleared field is an absent field: one representation for "no value".
    return {k: v for k, v in data.items() if v is not None and v != ""}


_ABSENT = object()


def validator_for(record_type):
    """validate(data dict, before=None) -> (clean, None) or (None, {field: [messages]}): declared
    order, defaults for absent fields, null allowed only where optional, unknown fields refused,
    rules only when every field passed, and on a change (`before`: the record's data before it)
    only the rules it touches."""
    # (name, converter, declaration, required when absent, null allowed, default)
    checks = tuple(
        (d.name, CONVERTERS[d.kind], d, d.always_required, not d.always_required, d.default) for d in record_type.fields
    )
    known = frozenset(record_type.by_name)
    settling = _settling(record_type)

    def validate(data, before=None):
        clean, errors = {}, {}
        for name, convert, decl, required, nullable, default in checks:
            value = data.get(name, _ABSENT)
            if value is _ABSENT:
                if required:
                    errors[name] = [MSG_REQUIRED]
                elif default is not None:
                    clean[name] = default
            elif value is None:
                if nullable:
                    clean[name] = None
                else:
                    errors[name] = [MSG_REQUIRED]
            else:
                try:
                    clean[name] = convert(decl, value)
                except Invalid as err:
                    errors[name] = err.messages
        for name in data.keys() - known:
            errors[name] = [MSG_UNKNOWN]
        if not errors:
            clean, errors = _settled(settling, clean, before)
        return (None, errors) if errors else (_without_empty(clean), None)

    return validate
