"""The parts of a 附表 snapshot (reports/tables.py draws its shape), named for annotations.

A snapshot is plain JSON, stored by returns and read back years later, so each part is a dict of text,
numbers and lists rather than a class. These names only say which part a function takes or gives.
"""

from typing import Any

# The whole table: form, title, unit, dates, notes, checks, panels (and the first panel's parts).
Snapshot = dict[str, Any]
# One sheet of it: key, label, title, subtitle, header, columns, column_numbers, rows.
Panel = dict[str, Any]
# One row of a panel: key, label, kind, cells, drill and, for a unit's row, unit_id.
Row = dict[str, Any]
# A header cell: text, row, col, rowspan, colspan (0-based positions).
HeaderCell = dict[str, Any]
# A leaf column: key, number, numeric, width, drill.
Column = dict[str, Any]
