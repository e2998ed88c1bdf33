"""Reads for exports: one description of a record's export shape (:mod:`.spec`) and its
writers (Python :mod:`.rows`, SQLite :mod:`.sqlite`, PostgreSQL :mod:`.postgres`,
composed by :mod:`.compose`); the generic read of records as Python objects
(:mod:`.reads`); whole records as JSON text by the page (:mod:`.paging`, the machinery
of the page kinds :mod:`.json_rows`, :mod:`.lines` and :mod:`.columns`, and the
client's field reader :mod:`.field_reader`) and the parallel readers of a snapshot
(:mod:`.snapshots`)."""

from accord.store.export.columns import ColumnPage, column_page_sql, iter_record_columns
from accord.store.export.json_rows import iter_json_records
from accord.store.export.lines import LinePage, iter_record_lines, line_page_sql
from accord.store.export.paging import json_records_supported
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
