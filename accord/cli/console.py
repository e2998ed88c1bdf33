"""Shared rich consoles and error reporting for CLI commands."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

__all__ = ["console", "err_console", "report_error"]

console = Console(soft_wrap=True)
err_console = Console(stderr=True)


def report_error(exc: BaseException) -> None:
    """Print an accord error as ``error: <message>`` on stderr (no traceback)."""
    err_console.print(
        f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True
    )
