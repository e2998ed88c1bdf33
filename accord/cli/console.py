"""Shared rich consoles and error reporting for CLI commands."""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.markup import escape

__all__ = ["console", "err_console", "report_error"]

# Piped or redirected output (a report kept in a file, a CI log) has no terminal to fit:
# rich would squeeze tables into 80 columns and cut their headers ("covera…"). There a
# table takes its natural width up to PIPE_WIDTH; $COLUMNS still wins when it is set.
PIPE_WIDTH = 200
_piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
console = Console(soft_wrap=True, width=PIPE_WIDTH if _piped else None)
err_console = Console(stderr=True)


def report_error(exc: BaseException) -> None:
    """Print an accord error as ``error: <message>`` on stderr (no traceback)."""
    err_console.print(
        f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True
    )
