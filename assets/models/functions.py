"""Python functions the SQL models call: the validators' period reader, so SQL reads periods as they do."""

from __future__ import annotations

from pathlib import Path

import duckdb
from duckdb.func import FunctionNullHandling
from duckdb.sqltypes import DATE, VARCHAR

from assets.validate import periods
from assets.validate.periods import parse_period

PERIOD = duckdb.struct_type({"start": DATE, "grain": VARCHAR})

# The code of each function, part of the version of the models that call it (assets.models.versions).
FUNCTION_SOURCES: dict[str, Path] = {"read_period": Path(periods.__file__)}


def read_period(text: str | None, date_order: str | None) -> dict | None:
    """Return the first day and grain of a period as a partner wrote it (empty when it cannot be read)."""
    if text is None:
        return None
    period = parse_period(text, date_order)
    return {"start": period.start, "grain": period.grain} if period.start else None


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Make the functions callable from SQL on this connection (once per connection).

    Call it outside a transaction: it asks for the function, and a statement that fails ends one.
    (Listing duckdb_functions() instead took 0.1-0.2 s a call: it reads every built-in function.)
    """
    try:
        con.execute("select read_period(null, null)")
    except duckdb.CatalogException:
        con.create_function(
            "read_period", read_period, [VARCHAR, VARCHAR], PERIOD, null_handling=FunctionNullHandling.SPECIAL
        )
