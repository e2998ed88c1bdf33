"""``hf``: the flat records table as a Hugging Face dataset saved with ``save_to_disk``.

Reload it with ``datasets.load_from_disk(path)``; a README.md dataset card is
written next to the data. With ``--split`` the result is a ``DatasetDict``.
"""

from __future__ import annotations

from accord.io.exporters.base import FULL_LOAD, ExportFormat
from accord.io.exporters.record_rows import FlatBuilder

__all__ = ["FORMAT"]

FORMAT = ExportFormat("hf", "records", ("disk",), FlatBuilder,
                      "one flat row per record, Hugging Face save_to_disk",
                      load=FULL_LOAD)
