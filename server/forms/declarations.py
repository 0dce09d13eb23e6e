"""The vocabulary record types are declared in: fields, choices, labels and cross-field rules.

A record type module declares each field once; the validator (server/forms/schema.py),
the /forms document, report columns and export headers are all derived from it, and what
reports count from its measures (server/forms/measures.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field as dataclass_field

from server import roles
from server.labels import Label

# Who may fill in a field unless its declaration says otherwise: every role that records.
RECORDERS = roles.with_power(roles.RECORD)
# Who corrects what recorders may not touch (a death case's status, its certificate).
REVIEWERS = roles.with_power(roles.REVIEW)

KINDS = (
    "text",
    "long_text",
    "personal_id",
    "date",
    "partial_date",
    "time",
    "year",
    "choice",
    "multi_choice",
    "integer",
    "boolean",
    "phone",
    "url",
)


@dataclass(frozen=True)
class Choice:
    value: str | int
    label: Label
    # Other spellings accepted on input and stored as `value` (e.g. "female" for "nữ").
    aliases: tuple = ()


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    label: Label
    required: bool = False
    choices: tuple = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    help: Label | None = None
    editable_by: tuple = RECORDERS
    not_future: bool = False
    default: object = None
    # A JSON Logic condition on the record's other fields (server/forms/logic.py): the field is
    # shown, and required if `required`, only while it holds; otherwise its value is not kept.
    relevant: dict | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r} for {self.name}")

    @property
    def always_required(self):
        return self.required and self.relevant is None and self.default is None

    @property
    def choice_values(self):
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Rule:
    """A cross-field rule, as data: when the JSON Logic condition `broken_when` holds of the
    record's data (server/forms/logic.py), each of `fields` gets `message`. The server and the
    phone evaluate the same condition."""

    name: str
    broken_when: dict
    fields: tuple
    message: Label
    # The fields the condition reads: a change that writes none of them is not checked against
    # the rule (server/forms/changes.py), so a record stored before the rule keeps its old shape.
    reads: frozenset = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "reads", frozenset(names_read(self.broken_when)))


def names_read(expression):
    """The record fields a JSON Logic expression reads with `var` ("$today" is not a field). An
    expression names what it reads: a name worked out at run time would hide it from the change
    gate and from reports' grouping."""
    if isinstance(expression, list):
        for item in expression:
            yield from names_read(item)
    elif isinstance(expression, dict):
        for op, args in expression.items():
            if op != "var":
                yield from names_read(args)
                continue
            name = args[0] if isinstance(args, list) and args else args
            if not isinstance(name, str) or not name:
                raise ValueError(f"a rule reads a field by its name, not {args!r}")
            if not name.startswith("$"):
                yield name


@dataclass(frozen=True)
class Workflow:
    """A record's state, kept in one choice field, and the moves allowed between its states.

    Every path that changes a record's data obeys it (server/forms/changes.py): a device's create
    or update through sync, and a conflict resolution. A create starts from the field's default.
    """

    field: str
    # state -> the states it may move to next; a state with no entry is closed
    moves: dict
    # state -> the fields a record in that state must hold (the certificate, once issued)
    needs: dict = dataclass_field(default_factory=dict)
    # A record closed by mistake may be reopened: from a closed state (one with no moves) back to
    # `reopen_to`, only by the roles in `reopen_by`, and only by a change that writes its reason
    # in the field `reopen_reason`.
    reopen_to: str | None = None
    reopen_by: tuple = ()
    reopen_reason: str | None = None
    # (from state, to state) pairs whose time reports measure: how many days records took from
    # the first version in one state to the first in the other.
    timed: tuple = ()

    def allows(self, old, new):
        return old == new or new in self.moves.get(old, ())

    def reopens(self, old, new):
        """Whether old -> new is reopening a closed record."""
        return self.reopen_to is not None and new == self.reopen_to and old not in self.moves

    def unmet_needs(self, record_type, data):
        """{field: [message]} for each field the record's state needs and the data lacks."""
        state = data.get(self.field)
        missing = [name for name in self.needs.get(state, ()) if data.get(name) in (None, "")]
        if not missing:
            return {}
        choice = next((c for c in record_type.field(self.field).choices if c.value == state), None)
        message = f"Cần có khi hồ sơ ở tình trạng «{choice.label.vi if choice else state}»"
        return {name: [message] for name in missing}


@dataclass(frozen=True)
class Example:
    """How the demo (server/demo_activity.py) makes plausible records of the type, declared with
    it so that a new type shows in the demo with nothing written anywhere else."""

    # (rng, server.forms.examples.Context) -> the data, as its author would fill the form in
    make: Callable
    # role -> how many records one person of that role makes in a quarter
    per_quarter: dict
    # The moves a record's workflow may have made since its creation, each a tuple of states: the
    # oldest records take one each in turn (so every state shows), the others one at random.
    paths: tuple = ()
    # (state, rng, moment) -> the fields that state needs besides the state itself
    on_entering: Callable | None = None
    # What a reviewer may ask for: (remark, answer(data, rng) -> the author's changes)
    remarks: tuple = ()


@dataclass(frozen=True)
class RecordType:
    type: str
    label: Label
    fields: tuple
    # What lists and badges call it, where the long label does not fit.
    short_label: Label
    # Its colour on the phone's buttons (white text on it: keep the contrast at 4.5:1 or more).
    colour: str
    # Rule declarations, checked in order once every field is valid.
    rules: tuple = ()
    # The data field giving the date the work was done, for reports and lists.
    date_field: str | None = None
    # The data field naming the person, for search and lists.
    name_field: str | None = None
    # For a type that names no person: the fields whose values (choices by their label) title it in lists.
    title_fields: tuple = ()
    # The data field holding a personal id, for search and duplicate checks.
    personal_id_field: str | None = None
    workflow: Workflow | None = None
    # What reports count (server/forms/measures.py): measures and breakdowns.
    measures: tuple = ()
    breakdowns: tuple = ()
    # The day reports count a record on: the day of the work (`date_field`, when it is a full
    # date), or, where that field is not the day of the work (a death's date), the day recorded.
    counted_on_date_field: bool = True
    # The workflow states in which its records travel with the commune's report to the province
    # (the difficulties of DOMAIN.md, while open or carried upward); none: they never do. Only a
    # type that names no person may be carried upward (the registry checks it).
    carried_upward: tuple = ()
    # How the demo makes records of it (none: the demo makes none).
    example: Example | None = None
    by_name: dict = dataclass_field(init=False, repr=False, compare=False)
    # What a record holds before its first version: the declared defaults (a workflow's first state).
    defaults: dict = dataclass_field(init=False, repr=False, compare=False)
    # role -> the fields it may not change, worked out on first asking (see closed_to).
    _closed: dict = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "defaults", {f.name: f.default for f in self.fields if f.default is not None})
        object.__setattr__(self, "_closed", {})

    def closed_to(self, role):
        """The names of the fields `role` may not change (their `editable_by` leaves it out)."""
        closed = self._closed.get(role)
        if closed is None:
            closed = self._closed[role] = tuple(f.name for f in self.fields if role not in f.editable_by)
        return closed

    def field(self, name) -> Field:
        return self.by_name[name]
