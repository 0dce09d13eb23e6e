"""Field-level three-way merge of a device's update against the server. Pure functions.

A device sends the fields it changed and the version it started from (its
base). Against the server's current data:

- a field the server has not changed since the base takes the device's value;
- a field both changed to the same value is already merged;
- a field both changed to different values is a conflict: nothing is applied,
  both values are kept, and a person decides (never the clocks).
"""


def changed_fields(before, after):
    """Names of the fields whose values differ between two versions of the data."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def device_changes(base, proposed, sent_fields):
    """What the device really changed: the fields it sent whose value differs from its base."""
    return {name: proposed.get(name) for name in sent_fields if proposed.get(name) != base.get(name)}


def classify_stale_update(base, server, changes):
    """Split a stale update into (fields to apply, conflicting fields).

    ``changes`` maps field to the device's new value (None: cleared). The
    conflicting fields come as [{name, base, server, device}].
    """
    server_changed = changed_fields(base, server)
    to_apply, conflicts = {}, []
    for name, value in changes.items():
        if name not in server_changed:
            to_apply[name] = value
        elif server.get(name) != value:
            conflicts.append({"name": name, "base": base.get(name), "server": server.get(name), "device": value})
    return to_apply, conflicts


def apply_changes(data, changes):
    """The data with these changes applied; a None value removes the field."""
    merged = dict(data)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged
