"""The fields of a page's records, read by the client from their stored JSON texts
(PostgreSQL's Parquet pages: ``fields ->> 'name'`` would parse each text again in the
server, docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["read_fields"]


def read_fields(texts: Sequence[bytes], fields: Sequence[str], count: int) -> dict[str, Any]:
    """Each field's text (null when missing or JSON null) as an Arrow string array, from
    the stored ``fields`` texts (compact JSON objects, rows of them joined by ``\\x02``).

    Raises
    ------
    ValueError
        When they are not ``count`` objects, one a line, or a field is not a string (the
        page is then read a row per record)."""
    import io

    import pyarrow as pa
    import pyarrow.json as pj

    data = b"\n".join(t.replace(b"\x02", b"\n") for t in texts)
    if data.count(b"\n") != count - 1:  # a raw newline in stored JSON text
        raise ValueError("not one object a line")
    schema = pa.schema([(name, pa.string()) for name in fields])
    try:
        table = pj.read_json(io.BytesIO(data), pj.ReadOptions(use_threads=False,
                                                               block_size=len(data) + 1),
                             pj.ParseOptions(explicit_schema=schema,
                                             unexpected_field_behavior="ignore"))
    except pa.ArrowInvalid as exc:
        raise ValueError(str(exc)) from None
    if table.num_rows != count:
        raise ValueError("not one object a line")
    return {name: table.column(name).combine_chunks() for name in fields}
