"""What reports count, from grouped rows to figures and measures: pure functions.

The database answers one GROUP BY query per record type (server/reports/queries.py): its
records grouped by the fields the type's measures and breakdowns read (its *dimensions*,
server/forms/measures.py), each group with its number of records and the totals of the fields
its measures sum. Each group comes here and is tallied (`Tally`) into figures: a Counter keyed
by what is counted, so the figures of villages, days or weeks add up by plain addition. Measures and
breakdown tables are then read off the figures. Nothing here names a type or a field: every
count comes from a declaration.
"""

import json
from collections import Counter
from dataclasses import dataclass

from server.forms.logic import context_of, holds_in
from server.forms.measures import Count, Share, Sum, dimensions, summed_fields
from server.forms.registry import RECORD_TYPES

# The review states each counting rule lets into a report (`count=` parameter).
COUNT_RULES = {
    "approved": ("approved",),
    "submitted_and_approved": ("submitted", "approved"),
}
DEFAULT_COUNT_RULE = "approved"
# A breakdown's row or column for records that give no value, or one no longer declared.
NOT_GIVEN = ""
RECORDS = "records"


@dataclass(frozen=True)
class Measure:
    """A declared measure with the type that declares it."""

    record_type: object
    declared: object

    @property
    def key(self):
        return self.declared.key

    @property
    def unit(self):
        return self.declared.unit

    @property
    def label(self):
        return self.declared.label

    def document(self):
        return {
            "key": self.key,
            "record_type": self.record_type.type,
            "unit": self.unit,
            "label": self.label.as_dict(),
            "headline": self.declared.headline,
        }


# Every measure of every type, in the registry's order: what targets may be set for.
MEASURES = {m.key: Measure(rt, m) for rt in RECORD_TYPES.values() for m in rt.measures}


# --------------------------------------------------------------------------------------------
# Tallying grouped rows


def value_of(field, raw):
    """A grouped column's value as the record holds it: SQLite hands back a JSON integer as an
    integer and a boolean as 1 or 0, PostgreSQL both as text; a list comes back as JSON text.
    A missing value is the field's declared default (a new death case is `reported`)."""
    if raw is None:
        return field.default
    if field.kind == "boolean":
        return raw in (1, True, "true")
    if field.kind == "multi_choice":
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return []
        return [_declared(field, item) for item in items] if isinstance(items, list) else []
    return _declared(field, raw)


def _declared(field, raw):
    by_text = {str(c.value): c.value for c in field.choices}
    return by_text.get(str(raw), raw) if field.choices else raw


class Tally:
    """Adds one type's grouped rows into figures. What a row adds to (which measures' conditions
    hold, which breakdown rows it counts in) depends only on its dimension values, so it is worked
    out once per distinct combination: a year's trend repeats each combination on many days."""

    def __init__(self, record_type, breakdowns=True):
        self.record_type = record_type
        self.breakdowns = breakdowns
        self.fields = [record_type.field(name) for name in dimensions(record_type, breakdowns)]
        self._plans = {}

    def add(self, figures, raw_values, records, sums):
        """Add a group of `records` records whose dimensions hold `raw_values` (as the database
        hands them back, in `dimensions` order) and whose summed fields total `sums`."""
        plan = self._plans.get(raw_values)
        if plan is None:
            values = {f.name: value_of(f, raw) for f, raw in zip(self.fields, raw_values, strict=True)}
            plan = self._plans[raw_values] = _plan(self.record_type, values, self.breakdowns)
        for key, summed_field in plan:
            figures[key] += records if summed_field is None else sums[summed_field]


def _plan(record_type, values, breakdowns):
    """[(figures key, None to add the records or a summed field to add its total)] for a group
    of the type whose dimensions hold `values`."""
    name, plan = record_type.type, []
    context = context_of(values)
    plan.append(((name, RECORDS), None))
    for measure in record_type.measures:
        if isinstance(measure, Share):
            if measure.among is None or holds_in(measure.among, context):
                plan.append(((name, measure.key, "whole"), None))
                if holds_in(measure.where, context):
                    plan.append(((name, measure.key, "part"), None))
        elif measure.where is None or holds_in(measure.where, context):
            plan.append(((name, measure.key), measure.field if isinstance(measure, Sum) else None))
    for breakdown in record_type.breakdowns if breakdowns else ():
        if breakdown.where is not None and not holds_in(breakdown.where, context):
            continue
        columns = _keys(record_type, breakdown.across, values) if breakdown.across else (None,)
        for row in _keys(record_type, breakdown.field, values):
            for column in columns:
                cell = (name, breakdown.name, row, column)
                plan.append(((*cell, RECORDS), None))
                plan += [((*cell, field_name), field_name) for field_name in summed_fields(record_type)]
    return plan


def _keys(record_type, field_name, values):
    """The breakdown rows a group counts in: each declared value it holds (a list holds several),
    as text (JSON's keys are); NOT_GIVEN when it holds none."""
    value = values.get(field_name)
    held = value if isinstance(value, list) else [value]
    declared = {c.value for c in record_type.field(field_name).choices}
    keys = [str(v) for v in dict.fromkeys(held) if v in declared]
    return keys or [NOT_GIVEN]


def merged(parts):
    """The sum of several figures (the commune's from its villages', a week's from its days')."""
    total = Counter()
    for part in parts:
        total.update(part)
    return total


# --------------------------------------------------------------------------------------------
# Reading figures


def percent(part, whole):
    """part / whole as a percent with one decimal; None when there is nothing to divide by."""
    return None if not whole else round(100.0 * part / whole, 1)


def value(figures, measure):
    name, declared = measure.record_type.type, measure.declared
    if isinstance(declared, Share):
        return percent(figures[(name, declared.key, "part")], figures[(name, declared.key, "whole")])
    if isinstance(declared, (Count, Sum)):
        return figures[(name, declared.key)]
    raise TypeError(f"unknown kind of measure: {declared!r}")


def measures_of(figures):
    return {key: value(figures, measure) for key, measure in MEASURES.items()}


def breakdown_rows(record_type, field_name):
    """A breakdown's rows (or columns) in declaration order: each choice, then NOT_GIVEN."""
    return [str(c.value) for c in record_type.field(field_name).choices] + [NOT_GIVEN]


def types_of(figures):
    """Per type: how many records, and each breakdown's table, every declared row present
    (zeros too). A cell is {"records": n, <each summed field>: total}; a crossed breakdown's
    row is {column: cell}."""
    document = {}
    for name, rt in RECORD_TYPES.items():
        counted = (RECORDS, *summed_fields(rt))
        tables = {}
        for b in rt.breakdowns:
            rows, columns = breakdown_rows(rt, b.field), breakdown_rows(rt, b.across) if b.across else None
            tables[b.name] = {
                row: (
                    {column: _cell(figures, (name, b.name, row, column), counted) for column in columns}
                    if columns
                    else _cell(figures, (name, b.name, row, None), counted)
                )
                for row in rows
            }
        document[name] = {RECORDS: figures[(name, RECORDS)], "breakdowns": tables}
    return document


def _cell(figures, key, counted):
    return {what: figures[(*key, what)] for what in counted}


def progress_against(target_value, actual):
    """How far `actual` is towards a target: percent of it (one decimal) and whether it is met."""
    if actual is None:
        return {"percent_of_target": None, "met": False}
    return {"percent_of_target": percent(actual, target_value) if target_value else None, "met": actual >= target_value}
