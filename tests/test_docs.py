"""Every test a document names exists: a reader sent to a test that is not there cannot check
the claim it was named for (docs/security.md once named a test that never existed)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A path under tests/, optionally with ::test_name; what the browser tests write is made, not kept.
TEST_REFERENCE = re.compile(r"\b(tests/[A-Za-z0-9_./-]*[A-Za-z0-9_/])(?:::([A-Za-z0-9_]+))?")
GENERATED = "tests/e2e/artifacts"


def references():
    for document in DOCUMENTS:
        for match in TEST_REFERENCE.finditer(document.read_text(encoding="utf-8")):
            if not match.group(1).startswith(GENERATED):
                yield document.relative_to(ROOT).as_posix(), match.group(1), match.group(2)


def test_the_documents_name_tests():
    assert len(list(references())) > 10


@pytest.mark.parametrize("document, path, name", sorted(set(references())))
def test_every_test_a_document_names_exists(document, path, name):
    target = ROOT / path
    assert target.exists(), f"{document} names {path}, which does not exist"
    if name:
        assert re.search(rf"^\s*(async )?def {name}\(", target.read_text(encoding="utf-8"), re.MULTILINE), (
            f"{document} names {path}::{name}, which does not exist"
        )
