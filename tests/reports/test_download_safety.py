"""The report downloads as a careful spreadsheet user and an HTTP cache see them: no cache may
keep a file of citizens' records, the CSV names its charset once, and no cell a spreadsheet
makes of a user's text starts a formula, whatever list separator it splits on (OWASP, CSV
Injection)."""

import csv
import io

import pytest

from server.reports.export import neutralise_formulas
from tests.helpers import vneid_data

SEPARATORS = (",", ";", "\t", "|")
FORMULA_STARTS = ("=", "+", "-", "@")
HOSTILE_NOTES = (
    "abc;=1+1;x",
    "abc\t=1+1",
    'abc,=HYPERLINK("http://x.invalid")',
    'x;"=1+1"',
    "a|@SUM(A1)",
    "x; -2+3",
    "+1",
    "=1",
    "-",
    "\t=cmd",
    "\r=cmd",
    "ghi chú\n=1+1",
    "ok; =1",
    'đã gặp; "+1"',
)


def _starts_a_formula(piece):
    return piece.strip().strip('"').strip().startswith(FORMULA_STARTS)


def cells_a_spreadsheet_could_make(text):
    """The cell values a spreadsheet could make of this text: itself, or split on any separator."""
    yield text
    for separator in SEPARATORS:
        yield from text.split(separator)
        yield from text.replace("\r", "\n").split("\n")


@pytest.mark.parametrize("text", HOSTILE_NOTES)
def test_no_cell_of_a_users_text_starts_a_formula_whatever_the_separator(text):
    safe = neutralise_formulas(text)
    assert not any(_starts_a_formula(cell) for cell in cells_a_spreadsheet_could_make(safe)), safe
    # The text itself stays: only apostrophes are added.
    assert safe.replace("'", "") == text.replace("'", "")


@pytest.mark.parametrize("text", ["Nguyễn Văn A - Thôn 1", 'Lê Thị Ánh "=SUM(A1)"', "09:30, họp thôn", "email@vneid"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise_formulas(text) == text


@pytest.fixture
def notes_world(login, villages):
    """vol.qt1's records whose notes are the hostile texts, in November 2026."""
    volunteer = login("vol.qt1")
    mutations = [
        volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(notes=note)) for note in HOSTILE_NOTES
    ]
    assert all(r["status"] == "applied" for r in volunteer.push_ok(mutations))
    return login("admin.qt")


def _export(admin, **query):
    query = {"period": "2026-11", "count": "submitted_and_approved", **query}
    response = admin.get("/reports/export", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_the_csv_report_starts_no_formula_from_a_users_notes(notes_world):
    response = _export(notes_world, format="csv", type="vneid_activation")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    notes = [row["Ghi chú"] for row in rows]
    assert len(notes) == len(HOSTILE_NOTES)
    for note in notes:
        assert not any(_starts_a_formula(cell) for cell in cells_a_spreadsheet_could_make(note)), note


def test_the_csv_names_its_charset_once(notes_world):
    response = _export(notes_world, format="csv", type="vneid_activation")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_no_cache_may_keep_a_report_download(notes_world, fmt):
    response = _export(notes_world, format=fmt)
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    # Nothing to revalidate: a conditional request gets the whole file again.
    conditional = notes_world.get(
        "/reports/export",
        query_string={"period": "2026-11", "format": fmt},
        headers={"If-None-Match": "*", "If-Modified-Since": "Sun, 06 Dec 2099 00:00:00 GMT"},
    )
    assert conditional.status_code == 200 and conditional.get_data()
