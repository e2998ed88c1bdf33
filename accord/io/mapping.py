"""Turn source rows into records: external_id, fields (validated by type) and metadata.

On import, a column named ``id`` or ``external_id`` becomes the record's
``external_id``, columns named like a field of the settings become fields, and
the rest goes to ``metadata``. ``--map TARGET=COLUMN`` overrides this, where
TARGET is a field name, ``external_id`` or ``metadata.KEY``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from accord.errors import InputError
from accord.schema import Settings
from accord.schema.storable import storable_problem
from accord.store.records import RecordRow

__all__ = ["parse_mapping", "RowMapper", "DEFAULT_MAX_FIELD_CHARS"]

DEFAULT_MAX_FIELD_CHARS = 10_000_000
_new_row = tuple.__new__


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """Parse ``["prompt=instruction", ...]`` into ``{"prompt": "instruction"}``."""
    mapping: dict[str, str] = {}
    for item in items or []:
        target, sep, column = item.partition("=")
        if not sep or not target.strip() or not column.strip():
            raise InputError(f"expected TARGET=COLUMN, got {item!r}", field="--map")
        mapping[target.strip()] = column.strip()
    return mapping


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "list", str: "str", bool: "bool", int: "int",
            float: "float"}.get(type(value), type(value).__name__)


class RowMapper:
    """Maps and validates rows for one dataset's settings."""

    def __init__(self, settings: Settings, mapping: dict[str, str] | None = None, *,
                 source: str | None = None,
                 max_field_chars: int = DEFAULT_MAX_FIELD_CHARS) -> None:
        self.settings = settings
        self.source = source
        self.max_field_chars = max_field_chars
        mapping = dict(mapping or {})
        field_names = {f.name for f in settings.fields}
        for target in mapping:
            if target not in field_names and target != "external_id" and not \
                    target.startswith("metadata."):
                raise InputError(f"--map target {target!r} is not a field of the dataset; fields "
                                 f"are {sorted(field_names)} (or use external_id, metadata.KEY)",
                                 field="--map")
        self.mapping = mapping
        self.id_column = mapping.get("external_id")
        self.fields = [(f.name, f.type, f.required, mapping.get(f.name, f.name), f.name in mapping)
                       for f in settings.fields]
        self.meta_map = {k[len("metadata."):]: v for k, v in mapping.items()
                         if k.startswith("metadata.")}
        self.used = {c for _, _, _, c, _ in self.fields} | set(self.meta_map.values())
        self._not_meta = tuple(self.used)

    def _error(self, message: str, line: int | None, field: str | None) -> InputError:
        return InputError(message, path=self.source, line=line, field=field)

    def map(self, line: int | None, row: dict[str, Any], proven: bool = False) -> RecordRow:
        """``row`` as a record, or :class:`InputError` naming the line and field.

        ``proven``: the reader proved the row storable from its text
        (:func:`accord.schema.storable.orjson_text_storable`), so the walk is skipped.
        """
        if not proven:  # NUL, surrogates, 64-bit integers, depth: both backends
            found = storable_problem(row)
            if found is not None:
                raise self._error(found[1], line, found[0] or None)
        fields: dict[str, Any] = {}
        limit = self.max_field_chars
        for name, ftype, required, column, mapped in self.fields:
            value = row.get(column)
            if value is None:
                if mapped and column not in row:
                    raise self._error(f"missing column {column!r} (mapped to field {name!r} by "
                                      f"--map); columns are {sorted(row)}", line, name)
                if required:
                    raise self._error(f"required field is missing or null; columns are "
                                      f"{sorted(row)}", line, name)
                continue
            if type(value) is str and ftype != "chat" and len(value) <= limit:
                fields[name] = value  # the common case, kept cheap
            else:
                fields[name] = self._check(name, ftype, value, line)
        id_key = self.id_column
        if id_key is None:  # _id_key, inline: this runs for every imported row
            id_key = "external_id" if "external_id" in row else "id" if "id" in row else None
        ext = row.get(id_key) if id_key is not None else None
        if type(ext) is not str or not 0 < len(ext) <= 256:
            ext = self._external_id(row, fields, line, id_key)
        meta = row.copy()  # then without the fields' columns and the id: the key order kept
        pop = meta.pop
        for column in self._not_meta:
            pop(column, None)
        if id_key is not None:
            pop(id_key, None)
        if self.meta_map:
            for key, column in self.meta_map.items():
                if column not in row:
                    raise self._error(f"missing column {column!r} (mapped to metadata.{key} by "
                                      f"--map); columns are {sorted(row)}", line,
                                      f"metadata.{key}")
                meta[key] = row[column]
        # tuple.__new__ straight: the named tuple's generated __new__ is a Python frame per row
        return _new_row(RecordRow, (ext, fields, meta, line))

    def _id_key(self, row: dict[str, Any]) -> str | None:
        if self.id_column is not None:
            return self.id_column
        if "external_id" in row:
            return "external_id"
        if "id" in row:
            return "id"
        return None

    def _external_id(self, row: dict[str, Any], fields: dict[str, Any], line: int | None,
                     key: str | None) -> str:
        if key is not None:
            if key not in row:
                raise self._error(f"missing column {key!r} (mapped to external_id by --map); "
                                  f"columns are {sorted(row)}", line, "external_id")
            value = row[key]
            if type(value) is str and 0 < len(value) <= 256:
                return value
            if value is None or value == "" or isinstance(value, (dict, list, bool)):
                raise self._error(f"expected a non-empty string or number, got "
                                  f"{_describe(value)}", line, key)
            ext = str(value)
            if len(ext) > 256:
                raise self._error("external_id longer than 256 characters", line, key)
            return ext
        # No id column: a content hash, so that importing the same file twice is idempotent.
        digest = hashlib.sha1(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return "h" + digest[:19]

    def _check(self, name: str, ftype: str, value: Any, line: int | None) -> Any:
        if ftype in ("text", "markdown", "image", "audio"):
            if isinstance(value, bool) or isinstance(value, (dict, list)):
                raise self._error(f"expected text, got {_describe(value)}", line, name)
            if not isinstance(value, str):
                value = str(value)
            if len(value) > self.max_field_chars:
                raise self._error(f"{len(value):,} characters, more than the limit of "
                                  f"{self.max_field_chars:,} (--max-field-chars)", line, name)
            return value
        if ftype == "chat":
            return self._check_chat(name, value, line)
        # json: anything JSON-serializable; size-limited on its serialized form
        if isinstance(value, str) and len(value) > self.max_field_chars:
            raise self._error(f"{len(value):,} characters, more than the limit of "
                              f"{self.max_field_chars:,} (--max-field-chars)", line, name)
        return value

    def _check_chat(self, name: str, value: Any, line: int | None) -> Any:
        if isinstance(value, str) and value.lstrip().startswith("["):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        if not isinstance(value, list):
            raise self._error(f"expected list of {{role, content}}, got {_describe(value)}",
                              line, name)
        total = 0
        for i, msg in enumerate(value):
            if not isinstance(msg, dict) or not isinstance(msg.get("role"), str) or \
                    not isinstance(msg.get("content"), str):
                raise self._error(f"message {i}: expected {{role: str, content: str}}, got "
                                  f"{_describe(msg) if not isinstance(msg, dict) else sorted(msg)}",
                                  line, name)
            total += len(msg["content"])
        if total > self.max_field_chars:
            raise self._error(f"{total:,} characters, more than the limit of "
                              f"{self.max_field_chars:,} (--max-field-chars)", line, name)
        return value
