"""The compiled JSON Logic (server/forms/logic.py) answers exactly as panzi-json-logic's own
`apply`, whose semantics it must keep: over every expression the record types declare, on
generated records, and on the corners of the language (lazy and/or/if, missing values, nested
and dotted variables, JavaScript's comparisons with null)."""

import random

import orjson
import pytest
from json_logic import jsonLogic

from server.forms import registry
from server.forms.logic import TODAY, compiled
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
            assert run(expression, context) == jsonLogic(expression, context), (expression, data)


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
    {"map": [[1, 2], {"*": [{"var": ""}, 2]}]},
]
CONTEXTS = [{}, {"a": 1, "b": 0}, {"a": {"b": 3}}, {"a": 0, "b": 1}, {"a": "", "b": []}]


@pytest.mark.parametrize("expression", CORNERS, ids=[orjson.dumps(c).decode() for c in CORNERS])
def test_the_corners_of_the_language_answer_as_apply_does(expression):
    for context in CONTEXTS:
        assert run(expression, context) == jsonLogic(expression, context), context
