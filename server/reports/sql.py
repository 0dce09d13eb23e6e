"""The two SQL expressions reports need that SQLite and PostgreSQL spell differently.

Reading a key of record data. Record data is stored as ``json`` on
PostgreSQL (text kept as sent, NUL and all, see docs/api.md §4), and
PostgreSQL's JSON operators (``->>``, ``#>>``, ``json_extract_path_text``)
de-escape every string of the document and refuse one holding ``\\u0000``
("unsupported Unicode escape sequence"), whichever key is asked for: one
volunteer's note with a NUL would break the commune's report. So on
PostgreSQL the document is read through ``replace(data::text, '\\u0000',
'\\u0020')::json``: the replacement has the same shape (a backslash and five
characters), so it keeps the document valid JSON even where the backslash is
itself escaped (``\\\\u0000``), and it only touches string contents, never
the keys and choice values reports group by. SQLite's ``json_extract`` reads
such documents as they are.

Days between two stored times (``julianday`` on SQLite, epoch seconds on
PostgreSQL), and the local calendar day of a stored UTC time.
"""

from sqlalchemy import JSON, Float, Text, cast, func, literal, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


def json_text(column, key, dialect):
    """The value at a top-level key of a JSON column as SQL text (on SQLite its SQL value, so a
    JSON integer comes back an integer); an array comes back as its JSON text on both."""
    if dialect == "postgresql":
        readable = cast(func.replace(cast(column, Text), "\\u0000", "\\u0020"), JSON)
        return readable.op("->>", return_type=Text)(literal(key, Text))
    return func.json_extract(column, f"$.{key}")


class days_between(FunctionElement):  # noqa: N801
    """(later - earlier) in days, fractional."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    earlier, later = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    earlier, later = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})) / 86400.0)"


def local_day(column, dialect, offset_hours):
    """The local calendar day ('YYYY-MM-DD') of a stored UTC time, `offset_hours` east of UTC."""
    if dialect == "postgresql":
        shifted = func.timezone("UTC", column) + text(f"interval '{int(offset_hours)} hours'")
        return func.to_char(shifted, "YYYY-MM-DD")
    return func.date(column, f"{int(offset_hours):+d} hours")
