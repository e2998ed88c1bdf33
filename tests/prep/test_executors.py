"""Executors: the local pool and Ray give byte-identical output."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.prep.config import PrepConfig
from accord.prep.executors import get_executor
from accord.prep.executors.local import LocalExecutor
from accord.prep.output import write_result
from accord.prep.pipeline import run_prep
from accord.prep.synthetic import make_near_duplicate_corpus


def _records() -> list[dict]:
    corpus = make_near_duplicate_corpus(600, seed=7)
    records: list[dict] = [{"id": i, "text": t} for i, t in enumerate(corpus.texts)]
    records[3]["text"] = "Mojibake: doesnâ€™t matter, mail me at ana@example.org"
    records[4] = {"id": 4, "chat": [{"role": "user", "content": "write to bo@example.com"}]}
    records[5] = dict(records[0], id=5)
    records[6]["text"] = "short"
    return records


CONFIG = PrepConfig(
    dedupe_near=True, min_chars=20, pii="flag", pii_entities=("EMAIL_ADDRESS",), batch_size=100
)
AGAINST = [{"text": t} for t in make_near_duplicate_corpus(600, seed=7).texts[100:110]]


def _files(tmp_path: Path, name: str, executor: object) -> dict[str, bytes]:
    result = run_prep(_records(), CONFIG, executor=executor, against=AGAINST, against_source="eval")  # type: ignore[arg-type]
    paths = write_result(result, tmp_path / f"{name}.jsonl")
    return {key: paths[key].read_bytes() for key in ("out", "rejects")}


@pytest.fixture(scope="module")
def local_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _files(tmp_path_factory.mktemp("local"), "local", LocalExecutor(workers=2))


def test_local_pool_equals_inline_run(local_files: dict[str, bytes], tmp_path: Path) -> None:
    inline = _files(tmp_path, "inline", LocalExecutor(workers=1))
    assert inline == local_files
    assert local_files["out"].count(b"\n") > 500 and local_files["rejects"].count(b"\n") > 20
    assert b"_contamination" in local_files["out"] and b"_pii" in local_files["out"]


def test_ray_output_is_byte_identical_to_local(
    local_files: dict[str, bytes], ray_executor: object, tmp_path: Path
) -> None:
    assert _files(tmp_path, "ray", ray_executor) == local_files


def test_local_executor_keeps_order_across_many_batches() -> None:
    items = [(i, str(i).encode()) for i in range(1000)]
    out = [x for batch in LocalExecutor(workers=2).map_batches(_indices, items, 7) for x in batch]
    assert out == list(range(1000))


def _indices(batch: list[tuple[int, bytes]]) -> list[int]:
    return [int(payload) for _, payload in batch]


def test_unknown_executor_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown executor 'dask'"):
        get_executor("dask")
