"""An INSERT of many rows through the database driver's executemany, each value converted by
SQLAlchemy exactly as a Core INSERT converts it.

Why not Core's own executemany: it builds and processes a parameter dictionary per row through
its general execution context, which for a push (a record row, a version row and a mutation log
row a mutation) cost ~15 µs a mutation more, all of it inside SQLite's one write lock, where it
made a fifth of the time the lock was held (docs/performance.md). Here SQLAlchemy still compiles
the statement (once per dialect and set of columns) and each column type's own bind processor
converts the values; only the per-row bookkeeping is left out. tests/test_bulk_insert.py holds
what it stores to what Core stores, on each backend.
"""

from operator import itemgetter

from sqlalchemy import insert


_NOTHING = object()


class BulkInsert:
    def __init__(self, table):
        self.table = table
        self._plans = {}

    def execute(self, connection, rows, **shared):
        """Insert `rows`, dicts with the same keys; `shared` gives columns every row has the same
        value in (the transaction's stamp)."""
        if not rows:
            return
        dialect = connection.dialect
        key = (dialect.name, dialect.driver, tuple(rows[0]), tuple(shared))
        plan = self._plans.get(key) or self._plans.setdefault(key, self._plan(dialect, tuple(rows[0]), tuple(shared)))
        sql, bind_names, values_of, shared_at, processors = plan
        # A batch's rows share many values (its time, its user): each is converted once in a row.
        last = [(_NOTHING, None)] * len(processors)
        converted = []
        for row in rows:
            values = list(values_of(row))
            for index, name in shared_at:
                values.insert(index, shared[name])
            for position, (index, process) in enumerate(processors):
                raw = values[index]
                seen, done = last[position]
                if raw is not seen:
                    done = process(raw)
                    last[position] = (raw, done)
                values[index] = done
            converted.append(tuple(values) if bind_names is None else dict(zip(bind_names, values, strict=True)))
        connection.exec_driver_sql(sql, converted)

    def _plan(self, dialect, row_names, shared_names):
        names = (*row_names, *shared_names)
        compiled = insert(self.table).compile(dialect=dialect, column_keys=list(names))
        # The order the driver takes the values in (its placeholders'), or, for named ones, any.
        order = tuple(compiled.positiontup) if compiled.positional else names
        if sorted(order) != sorted(names):
            raise RuntimeError(f"unexpected parameters for {self.table.name}: {order}")
        from_row = [name for name in order if name not in shared_names]
        values_of = itemgetter(*from_row) if len(from_row) > 1 else lambda row: (row[from_row[0]],)
        shared_at = tuple((index, name) for index, name in enumerate(order) if name in shared_names)
        processors = tuple(
            (index, process)
            for index, name in enumerate(order)
            if (process := self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
        )
        return compiled.string, None if compiled.positional else order, values_of, shared_at, processors
