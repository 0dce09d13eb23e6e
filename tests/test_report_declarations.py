"""Reports follow the record types' declarations: what a declaration may say about measures and
breakdowns, what the registry refuses, and that no code outside a type's own module names it."""

import re
from dataclasses import replace
from pathlib import Path

import pytest

from server.forms import registry
from server.forms.declarations import names_read
from server.forms.measures import Breakdown, Count, Share, Sum, dimensions, problems
from server.labels import Label

ROOT = Path(__file__).resolve().parents[1]
VNEID = registry.RECORD_TYPES["vneid_activation"]
LABEL = Label("Chỉ số", "Measure")


def test_the_fields_a_condition_reads():
    condition = {"and": [{"var": "a"}, {"in": [{"var": ["b", None]}, ["x"]]}, {"<": [{"var": "$today"}, "2026"]}]}
    assert set(names_read(condition)) == {"a", "b"} and set(names_read(7)) == set()
    with pytest.raises(ValueError, match="by its name"):
        set(names_read({"var": {"cat": ["le", "vel"]}}))


def test_reports_group_by_the_breakdowns_and_what_the_conditions_read():
    assert dimensions(VNEID) == ("level", "step_reached", "failure_reason")


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ({"measures": (Count("x", LABEL, where={"==": [{"var": "full_name"}, "A"]}),)}, "cannot group by 'full_name'"),
        ({"measures": (Count("x", LABEL, where={"var": "nowhere"}),)}, "reads 'nowhere'"),
        ({"measures": (Sum("x", LABEL, field="gender"),)}, "sums 'gender', which is no integer field"),
        ({"measures": (Count("x", LABEL, unit="kilograms"),)}, "unit 'kilograms'"),
        ({"breakdowns": (Breakdown("nowhere"),)}, "breakdown by 'nowhere'"),
        ({"breakdowns": (Breakdown("step_reached", across="date_of_birth"),)}, "cannot group by 'date_of_birth'"),
        ({"measures": (Share("x", LABEL, where={"var": "phone"}),)}, "cannot group by 'phone'"),
        ({"carried_upward": ("open",)}, "names a person cannot be carried upward"),
        ({"carried_upward": ("open",)}, "carried upward in 'open', which is no state of its workflow"),
    ],
)
def test_a_declaration_reports_cannot_count_is_named(changes, complaint):
    found = problems(replace(VNEID, **changes))
    assert any(complaint in problem for problem in found), found


def test_the_registry_refuses_a_type_reports_could_not_live_with(tmp_path, monkeypatch):
    (tmp_path / "clashing_type.py").write_text(
        "from dataclasses import replace\n"
        "from server.forms.vneid_activation import RECORD_TYPE as VNEID\n"
        "RECORD_TYPE = replace(VNEID, type='clashing_type')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="'vneid_helped' is declared by another type too"):
        registry._registered((*registry.BUILT_IN, "clashing_type"))
    with pytest.raises(ValueError, match="already registered"):
        registry._registered((*registry.BUILT_IN, "server.forms.death_check"))


def test_no_code_outside_a_types_module_names_the_type():
    """Capture, sync, review, workflow and reports decide from declarations: a type's name is
    written only in its own module (the registry lists modules, not names)."""
    own = {ROOT / (name.replace(".", "/") + ".py") for name in registry.BUILT_IN}
    code = [*(ROOT / "server").rglob("*.py"), *(p for p in (ROOT / "pwa").rglob("*.js") if "vendor" not in p.parts)]
    quoted = re.compile(r"[\"'`]([a-z0-9_]+)[\"'`]")
    named = [
        f"{path.relative_to(ROOT)}: {word}"
        for path in code
        if path not in own
        for word in quoted.findall(path.read_text())
        if word in registry.RECORD_TYPES
    ]
    assert named == []
