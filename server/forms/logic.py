"""The one evaluator of what record types declare as data: relevance conditions and cross-field
rules, written in JSON Logic (jsonlogic.com).

The phone evaluates the very same expressions, from the /forms document, with json-logic-js
(pwa/vendor/json-logic.js through pwa/js/logic.js); panzi-json-logic follows json-logic-js's
semantics (a missing value compares as JavaScript's null does), and a browser test runs every
declared expression over the same generated records on both sides and requires the same answer
(tests/e2e/test_logic_parity.py). Besides the record's fields, an expression may read "$today",
the date in Vietnam.
"""

from json_logic import jsonLogic

from server.forms.declarations import Rule
from server.forms.rules import today
from server.labels import Label

TODAY = "$today"


def holds(expression, data):
    """Whether the expression is true of the record's data (JSON Logic's truthiness)."""
    result = jsonLogic(expression, {**data, TODAY: today().isoformat()})
    return not (result in (None, False, 0, "") or result == [] or result != result)


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
