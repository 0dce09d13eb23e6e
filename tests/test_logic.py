"""The compiled JSON Logic (server/forms/logic.py) answers exactly as panzi-json-logic's own
`apply`, whose semantics it must keep: over every expression the record types declare, on
generated records, and on the corners of the language (lazy and/or/if, missing values, nested
and dotted variables, JavaScript's comparisons with null). The language's own operation, the
personal-id check, answers as DOMAIN.md says."""

import random

import orjson
import pytest

from server.forms import registry
from server.forms.logic import TODAY, compiled, evaluate, personal_id_mismatches
from tests.e2e.test_logic_parity import generated_records


def run(expression, context):
    return compiled(orjson.dumps(expression, option=orjson.OPT_SORT_KEYS))(context)


@pytest.mark.parametrize("type_name", list(registry.RECORD_TYPES))
def test_every_declared_expression_answers_as_apply_does(type_name):
    record_type = registry.RECORD_TYPES[type_name]
    expressions = [f.relevant for f in record_type.fields if f.relevant is not None]
    expressions += [rule.broken_when for rule in record_type.rules]
    rng = random.Random(type_name)
    for data in generated_records(record_type, rng):
        context = {**data, TODAY: "2026-12-06"}
        for expression in expressions:
            assert run(expression, context) == evaluate(expression, context), (expression, data)


CORNERS = [
    {"if": [{"var": "a"}, 1]},
    {"if": [{"var": "a"}, 1, {"var": "b"}, 2, 3]},
    {"if": [0, 1, 0, 2]},
    {"if": []},
    {"and": [1, 0, 2]},
    {"and": [{"var": "a"}, {"var": "b"}]},
    {"or": [0, "", "x"]},
    {"or": [{"var": "missing"}, {"var": "b"}]},
    {"and": []},
    {"or": []},
    {"var": "a.b"},
    {"var": ""},
    {"var": ["missing", "default"]},
    {"<": [None, 5]},
    {"<": ["2020-01-01", {"var": "missing"}]},
    {"cat": ["0", {"%": [7, 100]}]},
    {"substr": ["abcdef", -2]},
    {"in": ["x", {"var": "missing"}]},
    {"!": [[]]},
    {"and": [{"==": [{"var": "a"}, 1]}, {"<": [{"var": "b"}, 1]}]},
    {"or": [{"!": [{"var": "a"}]}, {"in": [{"var": "b"}, [0, 1]]}]},
    {"and": [{"==": [{"var": "a"}, 1]}, {"var": "b"}]},
    {"or": [{"var": "a"}, {"!=": [{"var": "b"}, 1]}]},
    {"map": [[1, 2], {"*": [{"var": ""}, 2]}]},
    {"in": ["century", {"personal_id_mismatches": [{"var": "a"}, 1985, "nam"]}]},
    {"personal_id_mismatches": ["038085012345", {"+": ["1985"]}, {"var": "missing"}]},
    {"personal_id_mismatches": []},
]
CONTEXTS = [{}, {"a": 1, "b": 0}, {"a": {"b": 3}}, {"a": 0, "b": 1}, {"a": "", "b": []}]


@pytest.mark.parametrize("expression", CORNERS, ids=[orjson.dumps(c).decode() for c in CORNERS])
def test_the_corners_of_the_language_answer_as_apply_does(expression):
    for context in CONTEXTS:
        assert run(expression, context) == evaluate(expression, context), context


@pytest.mark.parametrize(
    ("personal_id", "birth_year", "gender", "mismatches"),
    [
        ("038085012345", 1985, "nam", []),
        ("038185012345", 1985, "nữ", []),
        ("038205012345", 2005, "nam", []),
        ("038305012345", 2005.0, "nữ", []),  # a year read from a date's text is a float
        ("038185012345", 1985, "nam", ["gender"]),
        ("038085012345", 1985, None, []),
        ("038285012345", 1985, "nữ", ["century"]),  # the gender is not judged in the wrong century
        ("038084012345", 1985, "nam", ["year"]),
        ("038284012345", 1985, "nam", ["century", "year"]),
        ("03808501234", 1985, "nam", []),  # not an id: its own check says so
        ("03808501234a", 1985, "nam", []),
        (None, 1985, "nam", []),
        ("038085012345", None, "nam", []),
        ("038085012345", 1885, "nam", []),  # checked from 1900 on
        ("038085012345", "1985", "nam", []),
        ("038085012345", True, "nam", []),
        ("038085012345", float("nan"), "nam", []),
    ],
)
def test_the_personal_id_check_reads_century_gender_and_year_from_the_digits(
    personal_id, birth_year, gender, mismatches
):
    assert personal_id_mismatches(None, personal_id, birth_year, gender) == mismatches
