"""Executors run the per-record half of prep: ``local`` (processes) or ``ray``.

See :mod:`accord.prep.executors.base` for the interface.
"""

from __future__ import annotations

from typing import Any

from accord.prep.executors.base import BatchFn, Executor, Item

__all__ = ["EXECUTORS", "BatchFn", "Executor", "Item", "get_executor"]

EXECUTORS = ("local", "ray")


def get_executor(name: str, **options: Any) -> Executor:
    """Build an executor by name.

    Parameters
    ----------
    name : {'local', 'ray'}
    **options
        ``workers`` for ``local``; ``address`` and ``num_cpus`` for ``ray``.

    Raises
    ------
    ValueError
        An unknown name.
    """
    if name == "local":
        from accord.prep.executors.local import LocalExecutor

        return LocalExecutor(workers=options.get("workers"))
    if name == "ray":
        from accord.prep.executors.ray import RayExecutor

        return RayExecutor(address=options.get("address"), num_cpus=options.get("num_cpus", 2))
    raise ValueError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
