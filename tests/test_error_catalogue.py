"""One error catalogue (server/errors.py): every code the API answers with or a push result
carries is a named problem there, raised by name, shared by API errors and per-mutation
rejections, and listed in docs/api.md."""

import ast
import re
from pathlib import Path

import pytest

from server import errors

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "server"


def test_every_problem_has_a_stable_snake_case_code_and_an_error_status():
    codes = [problem.code for problem in errors.CATALOGUE.values()]
    assert len(codes) == len(set(codes)) > 30
    for problem in errors.CATALOGUE.values():
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", problem.code), problem
        assert 400 <= problem.status < 600, problem
        assert problem.message.strip(), problem


def test_nothing_outside_the_catalogue_can_be_raised():
    stray = errors.Problem("made_up_here", 418, "Không có trong danh mục")
    with pytest.raises(ValueError, match="made_up_here"):
        stray()


def _calls_of(name):
    for path in sorted(SERVER.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                yield f"{path.relative_to(ROOT)}:{node.lineno}"


def test_errors_are_raised_by_name_never_built_from_a_code_string():
    assert list(_calls_of("ApiError")) == []


def test_a_push_rejection_is_the_same_error_as_the_api_answers_with():
    error = errors.RECORD_LOCKED()
    assert error.body() == {"error": {"code": "record_locked", "message": errors.RECORD_LOCKED.message}}


def test_docs_api_lists_every_code_of_the_catalogue():
    document = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [code for code in errors.CATALOGUE if f"`{code}`" not in document]
    assert missing == []
