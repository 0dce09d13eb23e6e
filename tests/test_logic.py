"""The compiled JSON Logic (server/forms/logic.py) answers exactly as panzi-json-logic's own
`apply`, whose semantics it must keep: over every expression the record types declare, on
generated records, and on the corners of the language (lazy and/or/if, missing values, nested
and dotted variables, JavaScript's comparisons with null). The language's own operation, the
personal-id check, answers as DOMAIN.md says."""

import random

import orjson
import pytest
from json_logic.builtins import to_bool

from server.forms import registry
from server.forms.logic import TODAY, compiled, evaluate, personal_id_mismatches
from tests.e2e.test_logic_parity import generated_records


def run(expression, context):
    return compiled(orjson.dumps(expression, option=orjson.OPT_SORT_KEYS))(context)


def run_condition(expression, context):
    return compiled(orjson.dumps(expression, option=orjson.OPT_SORT_KEYS), condition=True)(context)


def answers_as_apply(expression, context):
    """The compiled value is apply's, and the compiled condition its truthiness."""
    value = evaluate(expression, context)
    return run(expression, context) == value and run_condition(expression, context) is to_bool(value)


@pytest.mark.parametrize("type_name", list(registry.RECORD_TYPES))
def test_every_declared_expression_answers_as_apply_does(type_name):
    record_type = registry.RECORD_TYPES[type_name]
    expressions = [f.relevant for f in record_type.fields if f.relevant is not None]
    expressions += [rule.broken_when for rule in record_type.rules]
    rng = random.Random(type_name)
    for data in generated_records(record_type, rng):
        context = {**data, TODAY: "2026-12-06"}
        for expression in expressions:
            assert answers_as_apply(expression, context), (expression, data)


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
        assert answers_as_apply(expression, context), context


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


# Values that make JSON Logic's operators work: every JSON type, texts that are and are not
# numbers, bool (a number to panzi), int with float, and the empty ones.
AWKWARD = [None, True, False, 0, 1, 14, -3, 2.5, -0.0, 1985.0, "", "0", "14", "1985", " 12", "1e3", "abc", "٣"]
AWKWARD += ["2020-05-01", "inf", "nam", "nữ", [], [1], ["a", "b"], {}, {"a": 1}]
# One-operand operators, with the bounds of substr the compiler slices by itself or not.
UNARY = [{"!": [{"var": "a"}]}, {"+": [{"var": "a"}]}]
UNARY += [
    {"substr": [{"var": "a"}, *bounds]} for bounds in ([0, 4], [5], [2, 2], [-2], [9, 1], [0, 0], [-2, 1], [1, -1])
]
BINARY = ["==", "!=", "===", "!==", "<", ">", "<=", ">=", "-", "in"]


def outcome(expression, context, answer):
    try:
        return ("value", answer(expression, context))
    except Exception as error:  # panzi raises for some operands (a TypeError, 1 % 0): so must we
        return ("raises", type(error))


def same(a, b):
    """Equal and of one type, NaN being the same as NaN."""
    if a[0] != b[0] or type(a[1]) is not type(b[1]):
        return False
    return a[1] == b[1] or (a[1] != a[1] and b[1] != b[1])


@pytest.mark.parametrize("op", BINARY)
def test_each_plain_operator_answers_as_panzi_over_every_pair_of_awkward_values(op):
    expression = {op: [{"var": "a"}, {"var": "b"}]}
    for a in AWKWARD:
        for b in AWKWARD:
            context = {"a": a, "b": b}
            assert same(outcome(expression, context, run), outcome(expression, context, evaluate)), (a, b)


@pytest.mark.parametrize("expression", UNARY, ids=[orjson.dumps(u).decode() for u in UNARY])
def test_each_plain_one_operand_operator_answers_as_panzi_over_awkward_values(expression):
    for a in AWKWARD:
        context = {"a": a}
        assert same(outcome(expression, context, run), outcome(expression, context, evaluate)), a
