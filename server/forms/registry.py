"""The registry of record types: validation, the /forms document and its version.

Adding a record type is one new module declaring RECORD_TYPE, listed in BUILT_IN (or named in
SOTAY_RECORD_TYPE_MODULES); everything else, reports included, follows its declaration.
"""

import hashlib
import importlib
import json
import os

from server import roles
from server.forms import measures
from server.forms.rules import PROVINCE_CODES
from server.forms.schema import validator_for

# The record types every commune has, in the order the phone offers them: each module declares
# RECORD_TYPE. A deployment adds its province's own types without touching this list by naming
# their modules (import paths, comma-separated) in SOTAY_RECORD_TYPE_MODULES.
BUILT_IN = (
    "server.forms.vneid_activation",
    "server.forms.vneid_level2_file",
    "server.forms.death_check",
    "server.forms.propaganda_session",
    "server.forms.one_stop_guidance",
    "server.forms.data_correction",
    "server.forms.difficulty",
)


def _module_names():
    extra = os.environ.get("SOTAY_RECORD_TYPE_MODULES", "")
    return (*BUILT_IN, *(name.strip() for name in extra.split(",") if name.strip()))


def _registered(module_names):
    """{type: declaration} from the modules, refusing (at start-up) a declaration reports or the
    other types could not live with."""
    types, measure_keys = {}, set()
    for module_name in module_names:
        rt = importlib.import_module(module_name).RECORD_TYPE
        wrong = measures.problems(rt)
        if rt.type in types:
            wrong.append("a type of that name is already registered")
        wrong += [f"measure {m.key!r} is declared by another type too" for m in rt.measures if m.key in measure_keys]
        if wrong:
            raise ValueError(f"record type {rt.type!r} ({module_name}): " + "; ".join(wrong))
        types[rt.type] = rt
        measure_keys |= {m.key for m in rt.measures}
    return types


RECORD_TYPES = _registered(_module_names())

_VALIDATORS = {name: validator_for(rt) for name, rt in RECORD_TYPES.items()}


def types_worked_by(role_code):
    """The types whose workflow this role moves (it may edit the workflow's field)."""
    return tuple(
        name
        for name, rt in RECORD_TYPES.items()
        if rt.workflow and role_code in rt.field(rt.workflow.field).editable_by
    )


def get(type_name):
    return RECORD_TYPES.get(type_name) if isinstance(type_name, str) else None


def validate(type_name, data, before=None):
    """(clean data, None) or (None, {field: [messages]}). `before`: the record's data before the
    change (None for a create), so that a change is checked against the rules it touches."""
    if not isinstance(data, dict):
        return None, {"data": ["Phải là một đối tượng JSON"]}
    clean, errors = _VALIDATORS[type_name](data, before)
    return (clean, None) if errors is None else (None, {k: _as_list(v) for k, v in errors.items()})


def _as_list(messages):
    if isinstance(messages, list):
        return [m if isinstance(m, str) else str(m) for m in messages]
    if isinstance(messages, str):
        return [messages]
    return [str(messages)]


def _field_document(decl):
    doc = {
        "name": decl.name,
        "kind": decl.kind,
        "required": decl.required,
        "label": decl.label.as_dict(),
        "editable_by": list(decl.editable_by),
    }
    if decl.choices:
        doc["choices"] = [{"value": c.value, "label": c.label.as_dict()} for c in decl.choices]
    if decl.kind == "personal_id":
        doc["pattern"] = "^[0-9]{12}$"
    elif decl.kind == "phone":
        doc["pattern"] = "^0[35789][0-9]{8}$"
    elif decl.pattern:
        doc["pattern"] = decl.pattern
    for key in ("min", "max", "max_length"):
        if getattr(decl, key) is not None:
            doc[key] = getattr(decl, key)
    if decl.kind in ("text", "long_text", "url") and decl.max_length is None:
        doc["max_length"] = 500
    if decl.not_future:
        doc["not_future"] = True
    if decl.default is not None:
        doc["default"] = decl.default
    if decl.help:
        doc["help"] = decl.help.as_dict()
    if decl.relevant is not None:
        # Shown, and required if `required`, only while this JSON Logic condition holds.
        doc["relevant"] = decl.relevant
    return doc


def _workflow_document(workflow):
    return {
        "field": workflow.field,
        "moves": {state: list(moves) for state, moves in workflow.moves.items()},
        "needs": {state: list(fields) for state, fields in workflow.needs.items()},
        **(
            {"reopen": {"to": workflow.reopen_to, "by": list(workflow.reopen_by), "reason": workflow.reopen_reason}}
            if workflow.reopen_to
            else {}
        ),
    }


def _build_document():
    types = [
        {
            "type": rt.type,
            "label": rt.label.as_dict(),
            "short_label": rt.short_label.as_dict(),
            "colour": rt.colour,
            "fields": [_field_document(f) for f in rt.fields],
            # The cross-field rules as data: the phone evaluates the same JSON Logic (pwa/js/logic.js).
            "rules": [
                {
                    "name": r.name,
                    "broken_when": r.broken_when,
                    "fields": list(r.fields),
                    "message": r.message.as_dict(),
                    # An edit is checked against the rule only if it changes one of these.
                    "reads": sorted(r.reads),
                }
                for r in rt.rules
            ],
            "date_field": rt.date_field,
            "name_field": rt.name_field,
            "title_fields": list(rt.title_fields),
            "personal_id_field": rt.personal_id_field,
            # The workflow, for the desk's move buttons and the phone's checks: its field, where each
            # state may move next, and what each state needs.
            **({"workflow": _workflow_document(rt.workflow)} if rt.workflow else {}),
        }
        for rt in RECORD_TYPES.values()
    ]
    # The version is a digest of the definitions, so it changes whenever one does.
    # The roles, with their labels and powers, so that screens label and decide from the one table.
    document = {"types": types, "province_codes": sorted(PROVINCE_CODES), "roles": roles.document()}
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return {"version": digest[:16], **document}


FORMS_DOCUMENT = _build_document()
