"""Bulk writes for the demo's rosters: COPY on PostgreSQL, one executemany INSERT on SQLite.

Django's bulk_create prepares every value of every row through its field (get_db_prep_save) and
builds one INSERT per thousand rows; at province scale (about 600,000 posts, as many people and
300,000 certificates) that alone took minutes. The roster builder gives plain tuples in the order of
`columns`, with the ids it chose from `reserve_ids`; the writer fills every column it was not given
with the field's default (auto_now and auto_now_add with one timestamp), turns each value into what
the database stores (the same text Django would send) and streams the rows.
"""

import io
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import BooleanField, DateField, DateTimeField, Model
from django.utils import timezone

CHUNK = 50_000  # rows per COPY buffer or executemany call


def reserve_ids(model: type[Model], count: int) -> int:
    """The first of `count` consecutive free ids for `model`'s table, held until the transaction ends.

    On PostgreSQL the table is locked against other writers and its sequence moved past the block, so
    rows inserted later, with ids from the sequence, do not collide with the block.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id'))", [table, table]
            )
            sequence, next_id = cursor.fetchone()
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - our own table name
            first = max(next_id, cursor.fetchone()[0])
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
        else:
            # SQLite: the transaction is IMMEDIATE (settings), so no other writer runs until it ends.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
            first = cursor.fetchone()[0]
    return first


def _default(field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def _escaped(text):
    """A string as a field of PostgreSQL's COPY text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_converter(field):
    """A function from a Python value to its field in COPY text format (\\N for NULL)."""
    if isinstance(field, DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: "\\N" if value is None else str(adapt(value))
    if isinstance(field, DateField):
        return lambda value: "\\N" if value is None else value.isoformat()
    if isinstance(field, BooleanField):
        return lambda value: "\\N" if value is None else ("t" if value else "f")
    if field.get_internal_type() in ("CharField", "TextField"):
        return lambda value: "\\N" if value is None else _escaped(value)
    return lambda value: "\\N" if value is None else str(value)


def _sqlite_converter(field):
    """A function from a Python value to what Django would hand sqlite3 for it."""
    if isinstance(field, DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt(value)
    if isinstance(field, DateField):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(field, BooleanField):
        return lambda value: None if value is None else int(value)
    return lambda value: value


def write_rows(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (tuples of Python values in the order of `columns`, which names the id too) into
    `model`'s table; the other columns take their defaults. Returns how many rows were written."""
    opts = model._meta
    given = [opts.get_field(name) for name in columns]
    rest = [field for field in opts.concrete_fields if field.attname not in {f.attname for f in given}]
    now = timezone.now()
    defaults = [_default(field, now) for field in rest]
    names = ", ".join(connection.ops.quote_name(field.column) for field in given + rest)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            convert = [_copy_converter(field) for field in given]
            tail = "".join(f"\t{_copy_converter(f)(v)}" for f, v in zip(rest, defaults, strict=True)) + "\n"
            for chunk in _chunks(rows, CHUNK):
                buffer = io.StringIO()
                buffer.writelines("\t".join([f(v) for f, v in zip(convert, row, strict=True)]) + tail for row in chunk)
                buffer.seek(0)
                cursor.copy_expert(f"COPY {opts.db_table} ({names}) FROM STDIN", buffer)
                written += len(chunk)
        else:
            convert = [_sqlite_converter(field) for field in given]
            tail = tuple(_sqlite_converter(f)(v) for f, v in zip(rest, defaults, strict=True))
            placeholders = ", ".join(["%s"] * (len(given) + len(rest)))
            for chunk in _chunks(rows, CHUNK):
                converted = [(*[f(v) for f, v in zip(convert, row, strict=True)], *tail) for row in chunk]
                cursor.executemany(f"INSERT INTO {opts.db_table} ({names}) VALUES ({placeholders})", converted)  # noqa: S608
                written += len(converted)
    return written


def _chunks(rows, size):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
