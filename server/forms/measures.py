"""What a record type declares for reports: its measures and its breakdowns.

A *measure* is a number reports show per village and for the commune, and targets are set for.
There are three kinds, and only these: a `Count` of records, a `Sum` of a number field, and a
`Share` (the percent of records where one condition holds among those where another does).
A *breakdown* is a table of the type's records by the values of one choice field, optionally
crossed with a second; the monthly report prints one table per breakdown.

Conditions are JSON Logic (server/forms/logic.py) on the record's choice and yes/no fields
only: reports group a period's records by those fields in SQL and evaluate each condition once
per group, so a condition on a free text or a number would make a group of every record.
`problems` says what a declaration gets wrong; the registry refuses a type that has any.
"""

from dataclasses import dataclass

from server.forms.declarations import names_read
from server.labels import Label

UNITS = ("count", "people", "percent")
# The kinds of field a report may group by (and so a condition may read).
GROUPABLE = ("choice", "multi_choice", "boolean")


@dataclass(frozen=True)
class Count:
    """How many records (of those where `where` holds)."""

    key: str
    label: Label
    where: dict | None = None
    unit: str = "count"
    # Shown as a column of the dashboard's table of villages.
    headline: bool = True


@dataclass(frozen=True)
class Sum:
    """The total of an integer field over the records (of those where `where` holds)."""

    key: str
    label: Label
    field: str
    where: dict | None = None
    unit: str = "people"
    headline: bool = True


@dataclass(frozen=True)
class Share:
    """The percent (one decimal) of the records where `where` holds among those where `among`
    holds (all of the type's records without it); none when there is nothing to divide by."""

    key: str
    label: Label
    where: dict
    among: dict | None = None
    headline: bool = False
    unit = "percent"


@dataclass(frozen=True)
class Breakdown:
    """Records (and each summed field) by the values of a choice field, optionally crossed with a
    second one (`across`: the table's columns), counting the records where `where` holds."""

    field: str
    across: str | None = None
    where: dict | None = None

    @property
    def name(self):
        return self.field if self.across is None else f"{self.field}_by_{self.across}"


def conditions_of(record_type, breakdowns=True):
    """Every condition the type's measures (and breakdowns) evaluate."""
    found = []
    for declared in (*record_type.measures, *(record_type.breakdowns if breakdowns else ())):
        found += [getattr(declared, name, None) for name in ("where", "among")]
    return [condition for condition in found if condition is not None]


def dimensions(record_type, breakdowns=True):
    """The fields reports group the type's records by, in declaration order: each one a condition
    reads, and each breakdown's (without `breakdowns`, for figures that only give measures: the
    trend, a target's progress)."""
    wanted = {name for b in record_type.breakdowns for name in (b.field, b.across) if name} if breakdowns else set()
    for condition in conditions_of(record_type, breakdowns):
        wanted |= set(names_read(condition))
    return tuple(f.name for f in record_type.fields if f.name in wanted)


def summed_fields(record_type):
    return tuple(dict.fromkeys(m.field for m in record_type.measures if isinstance(m, Sum)))


def problems(record_type):
    """What is wrong with the type's report declarations, in words (none: nothing)."""
    found = []
    fields = record_type.by_name
    for condition in conditions_of(record_type):
        for name in set(names_read(condition)) - set(fields):
            found.append(f"a condition reads {name!r}, which is no field of the type")
    for name in dimensions(record_type):
        if fields[name].kind not in GROUPABLE:
            found.append(f"reports cannot group by {name!r}, a {fields[name].kind} field")
    for breakdown in record_type.breakdowns:
        for name in (breakdown.field, breakdown.across):
            if name and name not in fields:
                found.append(f"breakdown by {name!r}, which is no field of the type")
    for measure in record_type.measures:
        if measure.unit not in UNITS:
            found.append(f"measure {measure.key!r} has unit {measure.unit!r}, not one of {UNITS}")
        if isinstance(measure, Sum) and getattr(fields.get(measure.field), "kind", None) != "integer":
            found.append(f"measure {measure.key!r} sums {measure.field!r}, which is no integer field")
    # What goes up to the province must hold no citizen's personal data (DESIGN.md decision 14).
    if record_type.carried_upward and (record_type.name_field or record_type.personal_id_field):
        found.append("a type that names a person cannot be carried upward to the province")
    workflow = record_type.workflow
    states = {c.value for c in fields[workflow.field].choices} if workflow else set()
    for state in set(record_type.carried_upward) - states:
        found.append(f"carried upward in {state!r}, which is no state of its workflow")
    return found
