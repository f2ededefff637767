"""The roster workbook (名册.xlsx): its columns, the import engine, the error file, the export and the template.

Modules, each depending only on those above it:
    columns   the column list, header labels, code lists and limits (no engine)
    cells     reading the workbook bytes and normalising cell values
    engine    import_roster: validate every row, then write all of it or nothing
    errors    mark_errors: the uploaded file back with each faulty cell red and commented
    export    export_roster (columns only, never the engine)
    template  template_workbook (columns only, never the engine)

The public names are re-exported here lazily, so that `from members.roster_xlsx import export_roster`
does not load the import engine.
"""

import importlib
from typing import Any

_HOMES = {
    "COLUMNS": "columns",
    "EXPORT_EXTRA": "columns",
    "EXAMPLE_MARKER": "columns",
    "MAX_FILE_BYTES": "columns",
    "MAX_ROWS": "columns",
    "PERSON_ID": "columns",
    "POST_ID": "columns",
    "ALIASES": "cells",
    "code_for": "cells",
    "RosterFileError": "cells",
    "read_file_bytes": "cells",
    "ImportResult": "engine",
    "import_roster": "engine",
    "mark_errors": "errors",
    "EXPORT_COLUMNS": "export",
    "export_roster": "export",
    "template_workbook": "template",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
