"""The one gate every change of a record's data passes, whoever makes it and however it arrives:
a device's create or update through sync (server/sync/push.py) and a conflict resolution
(server/conflicts/service.py). Checking each path on its own let a conflict resolution move a
death case backwards; here there is one check, so no path can skip a rule the others obey.

A change must give data that passes the type's field rules and cross-field rules (a state's
needs, such as the certificate for `certificate_issued`, are such rules), change only fields
the user's role may edit, and move the type's workflow only along its declared moves.

A create is checked against every declared rule; an edit only against the rules that read a field
it changes. A record stored before a rule was declared (an activated VNeID account with no level)
is then still edited elsewhere without inventing what it lacks, and an edit that touches the rule
must satisfy it (docs/record-types.md, "Changing a type: old records").
"""

from server.errors import FIELD_NOT_EDITABLE, INVALID_CASE_TRANSITION, VALIDATION_FAILED
from server.forms import registry


NOT_EDITABLE = "Chỉ Công an xã hoặc Tổ công tác Đề án 06 được sửa trường này"


def not_editable(user, record_type, before, after):
    """The fields the change from `before` to `after` writes that the user's role may not, as
    field errors. Only the few fields closed to the role are compared: this runs on every change."""
    return {name: [NOT_EDITABLE] for name in record_type.closed_to(user.role) if before.get(name) != after.get(name)}


def checked_data(user, record_type, before, proposed):
    """The clean data `proposed` (the record's data after the change) becomes, once it passes every
    rule as a change from `before` (None for a create) made by `user`; raises the catalogue's error
    saying why."""
    creating = before is None
    # A field an older record lacks holds its default, as a new record's would.
    before = {**record_type.defaults, **(before or {})}
    clean, errors = registry.validate(record_type.type, proposed, before=None if creating else before)
    # Who may change what comes first: a field the user may not touch is the answer, not its format.
    # (An invalid proposal is compared as it came, with the defaults the validator would have filled.)
    after = {**record_type.defaults, **proposed} if errors else clean
    forbidden = not_editable(user, record_type, before, after)
    if forbidden:
        raise FIELD_NOT_EDITABLE(fields=forbidden)
    if errors:
        raise VALIDATION_FAILED(fields=errors)
    workflow = record_type.workflow
    if workflow is not None:
        old, new = before.get(workflow.field), clean.get(workflow.field, before.get(workflow.field))
        if workflow.reopens(old, new) and user.role in workflow.reopen_by:
            # A closed record reopened: allowed with a reason given by this very change.
            if not clean.get(workflow.reopen_reason) or clean.get(workflow.reopen_reason) == before.get(
                workflow.reopen_reason
            ):
                raise VALIDATION_FAILED(fields={workflow.reopen_reason: ["Cần ghi lý do mở lại hồ sơ"]})
        elif not workflow.allows(old, new):
            field = record_type.field(workflow.field)
            raise INVALID_CASE_TRANSITION(
                fields={
                    workflow.field: [
                        f"Không chuyển được từ «{_choice_label(field, old)}» sang «{_choice_label(field, new)}»"
                    ]
                },
            )
    return clean


def _choice_label(field, value):
    return next((c.label.vi for c in field.choices if c.value == value), str(value))
