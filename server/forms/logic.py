"""The one evaluator of what record types declare as data: relevance conditions and cross-field
rules, written in JSON Logic (jsonlogic.com).

The phone evaluates the very same expressions, from the /forms document, with json-logic-js
(pwa/vendor/json-logic.js through pwa/js/logic.js); panzi-json-logic follows json-logic-js's
semantics (a missing value compares as JavaScript's null does), and a browser test runs every
declared expression over the same generated records on both sides and requires the same answer
(tests/e2e/test_logic_parity.py). Besides the record's fields, an expression may read "$today",
the date in Vietnam.
"""

from functools import lru_cache

import orjson
from json_logic import jsonLogic
from json_logic.builtins import BUILTINS, not_, to_bool

from server.forms.declarations import Rule
from server.forms.rules import today
from server.labels import Label

TODAY = "$today"


def holds(expression, data):
    """Whether the expression is true of the record's data (JSON Logic's truthiness)."""
    return holds_in(expression, context_of(data))


def context_of(data):
    """What an expression reads: the record's fields and "$today" (one context for all of a
    record's expressions)."""
    return {**data, TODAY: today().isoformat()}


def holds_in(expression, context):
    # The declarations live as long as the process: their compiled form is kept by identity.
    function = _by_identity.get(id(expression))
    if function is None:
        function = compiled(orjson.dumps(expression, option=orjson.OPT_SORT_KEYS))
        _by_identity[id(expression)] = function
        _kept.append(expression)  # so that its id is never reused by another object
    return to_bool(function(context))


_by_identity, _kept = {}, []


@lru_cache(maxsize=None)
def compiled(key):
    """The expression (its canonical JSON) compiled once into a Python function of the context.

    panzi-json-logic's `apply` works out at every call what each node of the expression is,
    which made a push's validation over ten times slower than the hand-written rules it replaced.
    This writes each expression once as Python source that does what `apply` does, node for node:
    the lazy `and`, `or` and `if` with panzi's own truthiness (`to_bool`, `not_`), a `var` of a
    plain name as a look-up in the context (what panzi's `var` does for it), every other operator
    through panzi's own function, and any scoped operator this does not know through `apply`
    itself. tests/test_logic.py holds it to `apply` over every declared expression.
    """
    names = {"to_bool": to_bool, "not_": not_, "jsonLogic": jsonLogic}
    body = _source(orjson.loads(key), names, iter(range(10**6)))
    code = compile(f"lambda data: {body}", "<json-logic>", "eval")
    return eval(code, names)  # noqa: S307 - source made here, from the app's own declarations


def _name(names, value, counter):
    name = f"_{next(counter)}"
    names[name] = value
    return name


def _source(node, names, counter):
    if isinstance(node, list):
        return "[" + ", ".join(_source(item, names, counter) for item in node) + "]"
    if not isinstance(node, dict) or len(node) != 1:
        return _name(names, node, counter)
    op, args = next(iter(node.items()))
    args = args if isinstance(args, list) else [args]
    if op == "var" and len(args) == 1 and isinstance(args[0], str) and args[0] and "." not in args[0]:
        return f"data.get({args[0]!r})"
    if op in ("and", "or") and args:
        *first, last = [_source(arg, names, counter) for arg in args]
        text = last
        for part in reversed(first):
            temp = f"_t{next(counter)}"
            stop = f"not_({temp} := {part})" if op == "and" else f"to_bool({temp} := {part})"
            text = f"({temp} if {stop} else {text})"
        return text
    if op in ("if", "?:"):
        parts = [_source(arg, names, counter) for arg in args]
        text = parts[-1] if len(parts) % 2 else "None"
        for index in range(len(parts) - 1 - (len(parts) % 2 == 1), 0, -2):
            text = f"({parts[index]} if to_bool({parts[index - 1]}) else {text})"
        return text if parts else "None"
    if op not in BUILTINS:
        return f"jsonLogic({_name(names, node, counter)}, data)"
    operation = _name(names, BUILTINS[op], counter)
    return f"{operation}(data, {', '.join(_source(arg, names, counter) for arg in args)})"


# Small builders, so that declarations read as what they check.
def var(name):
    return {"var": name}


def number(expression):
    """A text of digits as a number (the year of a date, a digit of an id)."""
    return {"+": [expression]}


def part(expression, start, length=None):
    return {"substr": [expression, start] + ([length] if length is not None else [])}


def present(*names):
    """All these fields hold a value. A rule compares only values it has: JSON Logic's languages
    disagree on comparing with a missing one (JavaScript: "2020" < null is false)."""
    return {"and": [var(name) for name in names]}


def personal_id_rules(id_field, year_field, year, year_digits, gender_field="gender"):
    """DOMAIN.md's reference check of a 12-digit personal id against its holder, as rules: the
    4th digit is the century (0-1: 1900s, 2-3: 2000s, ...) and, within it, the gender (even: nam,
    odd: nữ); the 5th and 6th are the last two digits of the birth year. `year` is the birth year
    as an expression over `year_field`, `year_digits` its last two digits as text. Checked from
    1900 on."""
    pid = var(id_field)
    digit = number(part(pid, 3, 1))
    applies = {"and": [present(id_field, year_field), {">=": [year, 1900]}]}
    after_1900 = {"-": [year, 1900]}
    century = {"/": [{"-": [after_1900, {"%": [after_1900, 100]}]}, 100]}
    digit_century = {"/": [{"-": [digit, {"%": [digit, 2]}]}, 2]}
    century_matches = {"==": [digit_century, century]}
    woman = {"if": [{"==": [var(gender_field), "nữ"]}, 1, 0]}
    return (
        Rule(
            f"{id_field}_century",
            {"and": [applies, {"!": century_matches}]},
            (id_field,),
            Label(
                "Chữ số thứ 4 (mã thế kỷ và giới tính) không khớp với năm sinh",
                "The 4th digit (century and gender) does not match the year of birth",
            ),
        ),
        Rule(
            f"{id_field}_gender",
            {"and": [applies, century_matches, var(gender_field), {"!=": [{"%": [digit, 2]}, woman]}]},
            (id_field,),
            Label(
                "Chữ số thứ 4 (mã thế kỷ và giới tính) không khớp với giới tính",
                "The 4th digit (century and gender) does not match the gender",
            ),
        ),
        Rule(
            f"{id_field}_year",
            {"and": [applies, {"!=": [part(pid, 4, 2), year_digits]}]},
            (id_field,),
            Label(
                "Chữ số thứ 5–6 phải là hai số cuối của năm sinh",
                "The 5th and 6th digits must be the last two digits of the year of birth",
            ),
        ),
    )
