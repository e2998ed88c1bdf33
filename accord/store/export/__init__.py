"""Reads for exports: one description of a record's export shape (:mod:`.spec`) and its
writers (Python :mod:`.rows`, SQLite :mod:`.sqlite`, PostgreSQL :mod:`.postgres`,
composed by :mod:`.compose`); the generic read of records as Python objects
(:mod:`.reads`); whole records as JSON text by the page (:mod:`.pages`) and the
parallel readers of a snapshot (:mod:`.snapshots`)."""

from accord.store.export.pages import (
    ColumnPage,
    LinePage,
    column_page_sql,
    iter_json_records,
    iter_record_columns,
    iter_record_lines,
    json_records_supported,
    line_page_sql,
)
from accord.store.export.reads import (
    Answer,
    ExportRecord,
    ResponseView,
    ReviewView,
    SuggestionView,
    annotator_count,
    count_export_records,
    iter_answers,
    iter_export_records,
    metadata_values,
    user_names,
)
from accord.store.export.rows import JsonRecord, json_record
from accord.store.export.snapshots import snapshot_readers

__all__ = [
    "Answer",
    "ColumnPage",
    "ExportRecord",
    "JsonRecord",
    "LinePage",
    "ResponseView",
    "ReviewView",
    "SuggestionView",
    "annotator_count",
    "column_page_sql",
    "count_export_records",
    "iter_answers",
    "iter_export_records",
    "iter_json_records",
    "iter_record_columns",
    "iter_record_lines",
    "json_record",
    "json_records_supported",
    "line_page_sql",
    "metadata_values",
    "snapshot_readers",
    "user_names",
]
