"""Dataset settings and response-value validation (pure: no store, no server)."""

from accord.schema.settings import (
    Distribution,
    Settings,
    load_settings,
    parse_settings,
    settings_from_columns,
    settings_from_text,
)
from accord.schema.values import candidate_ids, validate_value, validate_values

__all__ = ["Distribution", "Settings", "load_settings", "parse_settings", "settings_from_columns",
           "settings_from_text", "candidate_ids", "validate_value", "validate_values"]
