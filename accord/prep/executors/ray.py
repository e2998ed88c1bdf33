"""The Ray executor: Ray Data over a local or remote Ray cluster.

Records become a dataset with ``ray.data.from_items`` (columns ``index`` and
``payload``), the batch function runs through ``map_batches`` and its
outcomes come back pickled in an ``outcome`` column. Each outcome carries its
record's ``index``, so the result does not depend on how Ray cuts or orders
blocks: output is byte-identical to the local executor's.

When Ray is not running yet, :class:`RayExecutor` starts a local instance
(``num_cpus`` CPUs, no dashboard) and shuts it down on :meth:`close`; with an
``address`` it connects to that cluster instead. A Ray already initialized
by the caller is used as it is and left running.

Ray Data needs the whole input up front (``from_items``), so this executor
holds the serialized records in the driver's memory.
"""

from __future__ import annotations

import logging
import pickle
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from accord.errors import InputError
from accord.prep.executors.base import BatchFn, Item

__all__ = ["RayExecutor"]


class _ApplyBatch:
    """Turn a Ray numpy batch into items, apply the function, pickle outcomes."""

    def __init__(self, fn: BatchFn) -> None:
        self.fn = fn

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        indices = batch["index"].tolist()
        items = list(zip(indices, (bytes(p) for p in batch["payload"]), strict=True))
        outcomes = self.fn(items)
        pickled = np.empty(len(outcomes), dtype=object)
        pickled[:] = [pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL) for o in outcomes]
        return {"index": np.asarray(indices, dtype=np.int64), "outcome": pickled}


def _quiet_ray_logs() -> None:
    """Keep Ray Data's INFO and WARNING lines out of the console (its log file keeps them)."""
    for handler in logging.getLogger("ray.data").handlers:
        if handler.name == "console":
            handler.setLevel(logging.ERROR)


class RayExecutor:
    """Run batches with Ray Data.

    Parameters
    ----------
    address : str or None, default None
        Ray cluster to connect to; ``None`` starts a local instance unless
        Ray is already initialized.
    num_cpus : int, default 2
        CPUs of a local instance started here.
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int = 2) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self._started = False

    def _ensure_ray(self) -> Any:
        try:
            import ray
        except ImportError:
            raise InputError("the ray executor needs Ray: pip install 'accord[distributed]'",
                             field="--executor") from None

        if not ray.is_initialized():
            # Ray hands the driver's sys.path to its workers, so they import accord as we do.
            ray.init(
                address=self.address,
                num_cpus=None if self.address else self.num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
            self._started = True
        return ray

    def map_batches(
        self, fn: BatchFn, items: Iterable[Item], batch_size: int
    ) -> Iterator[list[Any]]:
        """Apply ``fn`` to batches of ``batch_size`` items with Ray Data."""
        rows = [{"index": i, "payload": p} for i, p in items]
        if not rows:
            return
        self._ensure_ray()
        import ray.data

        _quiet_ray_logs()

        with warnings.catch_warnings():
            # DataContext() warns about its own deprecated defaults when first built.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ray\.data\.")
            ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ds = ray.data.from_items(rows).map_batches(
            _ApplyBatch(fn), batch_size=batch_size, batch_format="numpy", zero_copy_batch=True
        )
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            yield [pickle.loads(o) for o in batch["outcome"]]

    def close(self) -> None:
        """Shut Ray down if this executor started it."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False
