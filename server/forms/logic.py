"""The one evaluator of what record types declare as data: relevance conditions and cross-field
rules, written in JSON Logic (jsonlogic.com).

The phone evaluates the very same expressions, from the /forms document, with json-logic-js
(pwa/vendor/json-logic.js through pwa/js/logic.js); panzi-json-logic follows json-logic-js's
semantics (a missing value compares as JavaScript's null does), and a browser test runs every
declared expression over the same generated records on both sides and requires the same answer
(tests/e2e/test_logic_parity.py). Besides the record's fields, an expression may read "$today",
the date in Vietnam.

The language has one operation of its own, `personal_id_mismatches`: what a personal id's digits
say of its holder is DOMAIN.md's reference check, written once here and once in pwa/js/logic.js
like a field kind, and the parity test holds the two to the same answers.
"""

from functools import lru_cache

import orjson
from json_logic import jsonLogic
from json_logic.builtins import BUILTINS, not_, op_equals, op_in, op_substr, to_bool

from server.forms.declarations import Rule
from server.forms.rules import today
from server.labels import Label

TODAY = "$today"


def personal_id_mismatches(data=None, personal_id=None, birth_year=None, gender=None, *_ignored):
    """Where a 12-digit personal id disagrees with its holder's birth year and gender, as a list
    of "century", "gender", "year" (DOMAIN.md): the 4th digit is the century (0-1: 1900s, 2-3:
    2000s, ...) and, within it, the gender (even: nam, odd: nữ), checked only when the century
    matches; the 5th and 6th are the birth year's last two digits. Nothing is said (an empty
    list) without an id of 12 digits and a whole birth year from 1900 to 9999; the gender is
    checked only when it is "nam" or "nữ". pwa/js/logic.js has the same operation."""
    if type(birth_year) is float and birth_year.is_integer():
        birth_year = int(birth_year)
    if (
        type(birth_year) is not int
        or not 1900 <= birth_year <= 9999
        or type(personal_id) is not str
        or not (len(personal_id) == 12 and personal_id.isascii() and personal_id.isdigit())
    ):
        return []
    digit = int(personal_id[3])
    mismatches = []
    if digit // 2 != (birth_year - 1900) // 100:
        mismatches.append("century")
    elif gender in ("nam", "nữ") and digit % 2 != (1 if gender == "nữ" else 0):
        mismatches.append("gender")
    if int(personal_id[4:6]) != birth_year % 100:
        mismatches.append("year")
    return mismatches


# JSON Logic's operations, and the one this language adds.
OPERATIONS = {**BUILTINS, "personal_id_mismatches": personal_id_mismatches}


def evaluate(expression, data):
    """panzi-json-logic's own `apply` with this language's operations: what the compiled form
    must answer."""
    return jsonLogic(expression, data, OPERATIONS)


def holds(expression, data):
    """Whether the expression is true of the record's data (JSON Logic's truthiness)."""
    return holds_in(expression, context_of(data))


def context_of(data, day=None):
    """What an expression reads: the record's fields and "$today" (one context for all of a
    record's expressions; `day`, today_text(), when the caller already has it)."""
    return {**data, TODAY: day or today_text()}


def today_text():
    """Today in Vietnam as an ISO date, as "$today" reads it."""
    return _iso(today())


@lru_cache(maxsize=2)
def _iso(day):
    # date.isoformat() costs more than the rest of a record's context: once a day is enough.
    return day.isoformat()


def holds_in(expression, context):
    return condition(expression)(context)


def condition(expression):
    """The compiled function of a context that says whether the expression holds in it."""
    # The declarations live as long as the process: their compiled form is kept by identity.
    function = _by_identity.get(id(expression))
    if function is None:
        function = compiled(orjson.dumps(expression, option=orjson.OPT_SORT_KEYS), condition=True)
        _by_identity[id(expression)] = function
        _kept.append(expression)  # so that its id is never reused by another object
    return function


_by_identity, _kept = {}, []


@lru_cache(maxsize=None)
def compiled(key, condition=False):
    """The expression (its canonical JSON) compiled once into a Python function of the context:
    of its value, or as a `condition` of whether it holds (JSON Logic's truthiness of the value).

    panzi-json-logic's `apply` works out at every call what each node of the expression is,
    which made a push's validation over ten times slower than the hand-written rules it replaced.
    This writes each expression once as Python source that does what `apply` does, node for node:
    the lazy `and`, `or` and `if` with panzi's own truthiness (`to_bool`, `not_`), a `var` of a
    plain name as a look-up in the context (what panzi's `var` does for it), the operators of the
    rules' everyday work through the plain Python below (`FAST`), every other operator through
    panzi's own function, and any scoped operator this does not know through `apply` itself.
    tests/test_logic.py holds it to `apply` over every declared expression, and each plain
    operator over every pair of a set of awkward values. A value that can only be a bool (a
    comparison's, or an and/or of them) is its own truthiness: no to_bool or not_ is called on it.
    """
    names = {"to_bool": to_bool, "not_": not_, "evaluate": evaluate, **FAST}
    expression = orjson.loads(key)
    body = _source(expression, names, iter(range(10**6)))
    if condition and not _boolean(expression):
        body = f"to_bool({body})"
    code = compile(f"lambda data: {body}", "<json-logic>", "eval")
    return eval(code, names)  # noqa: S307 - source made here, from the app's own declarations


# The operators the declared rules spend their time in, as plain Python. Most of the cost of
# panzi's functions is in finding out what their operands are: each of these does the one thing
# panzi's function does for operands of the types it tests for (two strings, or two numbers:
# never a bool, which panzi turns into a number first), and hands anything else to that very
# function. `type(x) in NUMBERS` leaves bool out, where isinstance would not.
NUMBERS = (int, float)


def _plain(a, b):
    return (type(a) is str and type(b) is str) or (type(a) in NUMBERS and type(b) in NUMBERS)


def fast_equals(a, b):
    """==: two values of one type other than list and dict, or two numbers, as Python's ==."""
    if (type(a) is type(b) and type(a) not in (list, dict)) or (type(a) in NUMBERS and type(b) in NUMBERS):
        return a == b
    return op_equals(None, a, b)


def fast_not_equals(a, b):
    return not fast_equals(a, b)


def fast_less(a, b):
    return a < b if _plain(a, b) else BUILTINS["<"](None, a, b)


def fast_greater(a, b):
    return a > b if _plain(a, b) else BUILTINS[">"](None, a, b)


def fast_less_or_equal(a, b):
    return a <= b if _plain(a, b) else BUILTINS["<="](None, a, b)


def fast_greater_or_equal(a, b):
    return a >= b if _plain(a, b) else BUILTINS[">="](None, a, b)


def fast_minus(a, b):
    """- of two numbers (panzi: negation when the second is missing)."""
    return a - b if type(a) in NUMBERS and type(b) in NUMBERS else BUILTINS["-"](None, a, b)


def fast_in(needle, haystack):
    """in, a list haystack: Python's in (panzi's too; a text haystack is for panzi)."""
    return needle in haystack if type(haystack) is list else op_in(None, needle, haystack)


def fast_number(text):
    """A one-operand +, of a text of decimal digits: float() of it, as panzi's to_number does
    (with no sign, point or exponent it has nothing else to look at)."""
    return float(text) if type(text) is str and text.isdecimal() else BUILTINS["+"](None, text)


def fast_substr(text, start, stop):
    """substr of a text, bounds from the expression itself and checked by `_source`: a start of
    zero or more and a length of zero or more, or any start and no length, slice as Python's."""
    return (
        text[start:stop] if type(text) is str else op_substr(None, text, start, None if stop is None else stop - start)
    )


# The plain operators, by the names the compiled source calls them by; _BINARY: which stands
# for which operator of two operands.
FAST = {
    "fast_equals": fast_equals,
    "fast_not_equals": fast_not_equals,
    "fast_less": fast_less,
    "fast_greater": fast_greater,
    "fast_less_or_equal": fast_less_or_equal,
    "fast_greater_or_equal": fast_greater_or_equal,
    "fast_minus": fast_minus,
    "fast_in": fast_in,
    "fast_number": fast_number,
    "fast_substr": fast_substr,
}
_BINARY = {
    "==": "fast_equals",
    "!=": "fast_not_equals",
    "<": "fast_less",
    ">": "fast_greater",
    "<=": "fast_less_or_equal",
    ">=": "fast_greater_or_equal",
    "-": "fast_minus",
    "in": "fast_in",
}


def _name(names, value, counter):
    if value is None or type(value) in (bool, int, str):
        return repr(value)  # a constant of the source
    name = f"_{next(counter)}"
    names[name] = value
    return name


# Operators whose value is a bool whatever their operands (panzi's and the plain ones alike).
_BOOLEANS = {"==", "!=", "===", "!==", "<", ">", "<=", ">=", "in", "!", "!!"}


def _boolean(node):
    """Whether the node's value can only be a bool."""
    if isinstance(node, bool):
        return True
    if not isinstance(node, dict) or len(node) != 1:
        return False
    op, args = next(iter(node.items()))
    if op in _BOOLEANS:
        return True
    args = args if isinstance(args, list) else [args]
    return op in ("and", "or") and bool(args) and all(_boolean(arg) for arg in args)


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
        *first, last = [(_source(arg, names, counter), _boolean(arg)) for arg in args]
        text = last[0]
        for part, boolean in reversed(first):
            temp = f"_t{next(counter)}"
            if op == "and":
                stop = f"not ({temp} := {part})" if boolean else f"not_({temp} := {part})"
            else:
                stop = f"({temp} := {part})" if boolean else f"to_bool({temp} := {part})"
            text = f"({temp} if {stop} else {text})"
        return text
    if op in ("if", "?:"):
        parts = [_source(arg, names, counter) for arg in args]
        text = parts[-1] if len(parts) % 2 else "None"
        for index in range(len(parts) - 1 - (len(parts) % 2 == 1), 0, -2):
            test = parts[index - 1] if _boolean(args[index - 1]) else f"to_bool({parts[index - 1]})"
            text = f"({parts[index]} if {test} else {text})"
        return text if parts else "None"
    if op not in OPERATIONS:
        return f"evaluate({_name(names, node, counter)}, data)"
    if op in ("===", "!==") and len(args) == 2:  # panzi's own: Python's == and !=
        python = "==" if op == "===" else "!="
        return f"({_source(args[0], names, counter)} {python} {_source(args[1], names, counter)})"
    if op in _BINARY and len(args) == 2:
        return f"{_BINARY[op]}({_source(args[0], names, counter)}, {_source(args[1], names, counter)})"
    if op == "!" and len(args) == 1:
        return f"not_({_source(args[0], names, counter)})"
    if op == "+" and len(args) == 1:
        return f"fast_number({_source(args[0], names, counter)})"
    if op == "substr" and _slice(args[1:]):
        start, stop = _slice(args[1:])
        return f"fast_substr({_source(args[0], names, counter)}, {start}, {stop})"
    operation = _name(names, OPERATIONS[op], counter)
    return f"{operation}(data, {', '.join(_source(arg, names, counter) for arg in args)})"


def _slice(bounds):
    """(start, stop) of Python's slice that does what panzi's substr does with these bounds of the
    expression, whatever the text: a start and a length of zero or more, or any start and no
    length (a start past the end, or before the start of the text, slices as substr cuts); else
    None."""
    start, *length = bounds or [None]
    length = length[0] if length else None
    if type(start) is not int or len(bounds) > 2:
        return None
    if length is None:
        return start, None
    if type(length) is int and start >= 0 and length >= 0:
        return start, start + length
    return None


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


def personal_id_rules(id_field, year, gender_field="gender"):
    """DOMAIN.md's reference check of a 12-digit personal id against its holder, as three rules,
    one message each: the century, the gender and the last two digits of the birth year its
    digits say (`personal_id_mismatches`). `year` is the birth year as an expression over the
    record's fields."""
    mismatches = {"personal_id_mismatches": [var(id_field), year, var(gender_field)]}
    return (
        Rule(
            f"{id_field}_century",
            {"in": ["century", mismatches]},
            (id_field,),
            Label(
                "Chữ số thứ 4 (mã thế kỷ và giới tính) không khớp với năm sinh",
                "The 4th digit (century and gender) does not match the year of birth",
            ),
        ),
        Rule(
            f"{id_field}_gender",
            {"in": ["gender", mismatches]},
            (id_field,),
            Label(
                "Chữ số thứ 4 (mã thế kỷ và giới tính) không khớp với giới tính",
                "The 4th digit (century and gender) does not match the gender",
            ),
        ),
        Rule(
            f"{id_field}_year",
            {"in": ["year", mismatches]},
            (id_field,),
            Label(
                "Chữ số thứ 5–6 phải là hai số cuối của năm sinh",
                "The 5th and 6th digits must be the last two digits of the year of birth",
            ),
        ),
    )
