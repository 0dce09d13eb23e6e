"""The server and the phone evaluate what record types declare as data with one semantics: every
relevance condition and every cross-field rule of every type (JSON Logic: server/forms/logic.py
with panzi-json-logic, pwa/js/logic.js with json-logic-js) over the same generated records gives
the same answer on both sides, and so does the whole check of each record (which fields fail).

The records are generated from the declarations (each field's kind, choices and bounds, values
left out at random), seeded, so a failure names a record that can be tried again."""

import random
from datetime import date, timedelta

from server.forms import registry
from server.forms.logic import holds
from server.forms.rules import PROVINCE_CODES, today
from tests.e2e.steps import REVIEWER

CASES_PER_TYPE = 300
TODAY = today()


def _date(rng, first=1880, last=None):
    last = last or TODAY.year + 1
    return (
        date(first, 1, 1) + timedelta(days=rng.randrange((date(last, 12, 31) - date(first, 1, 1)).days))
    ).isoformat()


def _value(rng, field):
    """A value the phone's form could produce for the field, sometimes one it would refuse."""
    kind = field.kind
    if kind in ("text", "long_text"):
        return rng.choice(["Nguyễn Văn A", "Thôn 1", "x"])
    if kind == "personal_id":
        if rng.random() < 0.15:
            return rng.choice(ODD_PERSONAL_IDS)
        code = rng.choice(sorted(PROVINCE_CODES)[:5])
        return f"{code}{rng.randrange(10)}{rng.randrange(100):02d}{rng.randrange(10**6):06d}"
    if kind == "date":
        return _date(rng)
    if kind == "partial_date":
        day = _date(rng)
        return rng.choice([day, day[:7], day[:4]])
    if kind == "year":
        return rng.randrange(field.min or 1880, TODAY.year + 2)
    if kind == "time":
        return f"{rng.randrange(24):02d}:{rng.choice(['00', '30'])}"
    if kind == "choice":
        return rng.choice(field.choice_values)
    if kind == "multi_choice":
        return rng.sample(list(field.choice_values), rng.randrange(1, len(field.choices) + 1))
    if kind == "integer":
        return rng.randrange(field.min or 0, (field.max or 200) + 1)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "phone":
        return rng.choice(["0912345678", "0387654321"])
    if kind == "url":
        return "https://zalo.me/g/abc123"
    raise AssertionError(f"no generator for {kind}")


# Text a personal id field may hold that is no 12-digit id (the phone checks it as it is typed;
# an empty field is sent as no value, as the generator leaves values out).
ODD_PERSONAL_IDS = ("0380900", "0380900123456", "03809001234a", "038 90 012345", "０３８０９００１２３４５")


def _personal_id_of(rng, data, personal_id):
    """The id with its 4th to 6th digits made from the record's own birth year and gender, each
    part right or wrong, so that every answer of the personal-id check comes up."""
    year = data.get("birth_year") or int(data.get("date_of_birth", "0")[:4])
    if not 1900 <= year <= 9999:
        return personal_id
    digit = (year - 1900) // 100 * 2 + (data.get("gender") == "nữ") + rng.choice([0, 0, 1, 1, 2])
    digits = year % 100 + rng.choice([0, 0, 0, 1])
    return f"{personal_id[:3]}{digit % 10}{digits % 100:02d}{personal_id[6:]}"


def generated_records(record_type, rng):
    records = []
    id_field = record_type.personal_id_field
    for _ in range(CASES_PER_TYPE):
        data = {}
        for field in record_type.fields:
            if rng.random() < (0.9 if field.required else 0.6):
                data[field.name] = _value(rng, field)
        if len(data.get(id_field) or "") == 12 and rng.random() < 0.6:
            data[id_field] = _personal_id_of(rng, data, data[id_field])
        records.append(data)
    return records


PHONE_EVALUATES = """async ({expressions, records, forms, type, today}) => {
  const logic = await import('/js/logic.js');
  const rules = await import('/js/rules.js');
  const rt = forms.types.find((t) => t.type === type);
  const context = {provinceCodes: forms.province_codes, today};
  return records.map((data) => ({
    holds: expressions.map((expression) => logic.holds(expression, data, today)),
    failing: Object.keys(rules.validateRecord(rt, data, context)).sort(),
  }));
}"""


def test_every_declared_condition_and_rule_answers_alike_on_the_phone_and_the_server(phone, api):
    forms = api(REVIEWER).get("/forms")
    page = phone.page
    page.goto("/")
    rng = random.Random(20261206)
    compared = 0
    for name, record_type in registry.RECORD_TYPES.items():
        expressions = [f.relevant for f in record_type.fields if f.relevant is not None]
        expressions += [rule.broken_when for rule in record_type.rules]
        records = generated_records(record_type, rng)
        on_phone = page.evaluate(
            PHONE_EVALUATES,
            {"expressions": expressions, "records": records, "forms": forms, "type": name, "today": TODAY.isoformat()},
        )
        for data, phone_answer in zip(records, on_phone, strict=True):
            server_holds = [holds(expression, data) for expression in expressions]
            assert phone_answer["holds"] == server_holds, (name, data, expressions)
            _, errors = registry.validate(name, data)
            assert phone_answer["failing"] == sorted(errors or {}), (name, data, errors)
            compared += len(expressions) + 1
    # Every type's rules were really tried, failing and passing both.
    assert compared > 3 * CASES_PER_TYPE
