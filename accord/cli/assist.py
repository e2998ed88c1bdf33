"""``accord assist``: model pre-labelling, calibration, routing, active learning, candidate
generation, LLM-as-judge, embeddings and draft edit statistics.

The model endpoint comes from ``--base-url``/``--model``/``--api-key`` or
``ACCORD_LLM_BASE_URL``/``ACCORD_LLM_MODEL``/``ACCORD_LLM_API_KEY``
(``OPENAI_API_KEY``). Library code lives in :mod:`accord.assist` and is
imported inside the commands, so ``accord --help`` needs neither numpy nor torch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from accord.cli.assist_options import (
    Against,
    Agent,
    ApiKey,
    AsJson,
    BaseUrl,
    BatchSize,
    CacheDir,
    Concurrency,
    ExecutorName,
    Limit,
    Model,
    NoCache,
    Prices,
    Question,
    RayAddress,
    Retries,
    Rpm,
    Workers,
    executor_scope,
    llm_client,
)
from accord.cli.console import console, err_console
from accord.cli.store import DbOption, open_store

__all__ = ["app", "register"]

app = typer.Typer(name="assist", no_args_is_help=True,
                  help="Model assistance: pre-label, labelling functions, calibrate, route, "
                       "prioritize, generate, judge, embed.")

class _Bar:
    def __init__(self, progress: Any, task: Any) -> None:
        self._progress, self._task = progress, task

    def total(self, n: int) -> None:
        self._progress.update(self._task, total=n)

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)


@contextmanager
def _bar(description: str) -> Iterator[_Bar]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=err_console, transient=True, disable=not err_console.is_terminal)
    with progress:
        yield _Bar(progress, progress.add_task(description, total=None))


def _finish(summary: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary.to_dict()))
        return
    for error in getattr(summary, "errors", [])[:5]:
        err_console.print(f"failed: {error}", markup=False, highlight=False)
    console.print(summary.line(), markup=False, highlight=False)


def _template(path: Path | None) -> Any:
    if path is None:
        return None
    from accord.assist import load_template

    return load_template(path)


Template = Annotated[Path | None, typer.Option(
    "--template", help="Prompt template file (YAML: system, user).")]


@app.command("prelabel")
def prelabel_command(
    dataset: str, question: Question, model: Model = None, base_url: BaseUrl = None,
    api_key: ApiKey = None,
    k: Annotated[int, typer.Option("--k", min=1, help="Samples per record (k > 1: "
                                                       "self-consistency).")] = 1,
    limit: Limit = None,
    few_shot: Annotated[int, typer.Option("--few-shot", min=0, help="Examples from submitted "
                                                                     "responses.")] = 0,
    fallback_k: Annotated[int, typer.Option(
        "--fallback-k", min=0, help="Samples drawn when the server sends no logprobs "
        "(0 or 1: leave unscored).")] = 5,
    temperature: Annotated[float | None, typer.Option("--temperature", min=0)] = None,
    top_logprobs: Annotated[int, typer.Option(
        "--top-logprobs", min=0, max=20, help="Alternatives per token asked for (the "
        "confidence renormalizes over those that continue an allowed answer).")] = 5,
    only_pending: Annotated[bool, typer.Option("--only-pending")] = False,
    template: Template = None, concurrency: Concurrency = 8, rpm: Rpm = None,
    max_retries: Retries = 6, cache_dir: CacheDir = None, no_cache: NoCache = False,
    price: Prices = None, executor: ExecutorName = None, workers: Workers = None,
    ray_address: RayAddress = None, batch_size: BatchSize = 256, db: DbOption = None,
    as_json: AsJson = False,
) -> None:
    """Suggest answers to QUESTION for the records of DATASET, with confidence scores."""
    from accord.assist import PrelabelOptions, prelabel

    engine = open_store(db)
    options = PrelabelOptions(question=question, k=k, limit=limit, few_shot=few_shot,
                              fallback_k=fallback_k, temperature=temperature,
                              only_pending=only_pending, template=_template(template),
                              top_logprobs=top_logprobs, batch_size=batch_size)
    with llm_client(model, base_url, api_key, concurrency, rpm, cache_dir, no_cache, price,
                 max_retries) as client, executor_scope(executor, workers, ray_address) as runner, \
            _bar(f"prelabel {question}") as bar:
        summary = prelabel(engine, dataset, client, options, executor=runner,
                           progress=bar.advance, total=bar.total)
    _finish(summary, as_json)


@app.command("judge")
def judge_command(
    dataset: str, question: Question, model: Model = None, base_url: BaseUrl = None,
    api_key: ApiKey = None, k: Annotated[int, typer.Option("--k", min=1)] = 1,
    limit: Limit = None, few_shot: Annotated[int, typer.Option("--few-shot", min=0)] = 0,
    agreement_only: Annotated[bool, typer.Option(
        "--agreement-only", help="Do not call the model; compare stored ratings.")] = False,
    agent: Agent = None, template: Template = None, concurrency: Concurrency = 8,
    rpm: Rpm = None, max_retries: Retries = 6, cache_dir: CacheDir = None,
    no_cache: NoCache = False, price: Prices = None, db: DbOption = None,
    as_json: AsJson = False,
) -> None:
    """Rate records with an LLM judge (rationale kept), then compare with human ratings."""
    from accord.assist import PrelabelOptions, judge, judge_agreement
    from accord.errors import InputError

    engine = open_store(db)
    summary = None
    if not agreement_only:
        options = PrelabelOptions(question=question, k=k, limit=limit, few_shot=few_shot,
                                  template=_template(template))
        with llm_client(model, base_url, api_key, concurrency, rpm, cache_dir, no_cache,
                     price, max_retries) as client, _bar(f"judge {question}") as bar:
            summary = judge(engine, dataset, client, question, options=options,
                            progress=bar.advance, total=bar.total)
        agent = summary.agent
        if not as_json:
            _finish(summary, False)
    try:
        agreement = judge_agreement(engine, dataset, question, agent=agent)
    except InputError as exc:
        if agreement_only:
            raise
        agreement = None
        err_console.print(f"no agreement with people yet: {exc.message}", markup=False)
    if as_json:
        typer.echo(json.dumps({"run": summary.to_dict() if summary else None,
                               "agreement": agreement.to_dict() if agreement else None}))
    elif agreement is not None:
        console.print(agreement.line(), markup=False, highlight=False)


@app.command("calibrate")
def calibrate_command(
    dataset: str, question: Question, against: Against = "responses", agent: Agent = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Reliability diagram PNG (a .json beside it); default "
        "DATASET.QUESTION.calibration.png")] = None,
    bins: Annotated[int, typer.Option("--bins", min=2, max=100)] = 10,
    target_precision: Annotated[float | None, typer.Option(
        "--target-precision", min=0.0, max=1.0, help="Also find the threshold for this "
        "precision.")] = None,
    db: DbOption = None, as_json: AsJson = False,
) -> None:
    """Expected calibration error and reliability diagram of suggestion scores."""
    from accord.assist import calibrate, reliability_diagram
    from accord.atomic import atomic_output

    engine = open_store(db)
    result, scored = calibrate(engine, dataset, question, against=against, agent=agent,
                               n_bins=bins, target_precision=target_precision)
    png = report or Path(f"{dataset}.{question}.calibration.png")
    reliability_diagram(result, png, title=question)
    data = {**result.to_dict(), "png": str(png)}
    with atomic_output(png.with_suffix(".json")) as fh:
        fh.write(json.dumps(data, indent=1).encode())
    if as_json:
        typer.echo(json.dumps(data))
        return
    line = (f"calibrate {dataset}/{question} ({scored.agent} vs {against}): {result.n:,} "
            f"suggestions, ECE {result.ece:.4f}, MCE {result.mce:.4f}, accuracy "
            f"{result.accuracy:.3f}, Brier {result.brier:.4f}")
    if target_precision is not None:
        t = result.threshold
        line += "; no threshold reaches precision " + str(target_precision) if t is None else \
            (f"; threshold {t.threshold:.4g} gives precision {t.precision:.3f} on "
             f"{t.coverage:.1%} of suggestions")
    console.print(line + f"; wrote {png} and {png.with_suffix('.json')}", markup=False,
                  highlight=False)


@app.command("route")
def route_command(
    dataset: str, question: Question,
    threshold: Annotated[float | None, typer.Option("--threshold", min=0.0, max=1.0)] = None,
    target_precision: Annotated[float | None, typer.Option(
        "--target-precision", min=0.0, max=1.0, help="Choose the threshold by calibration.")] =
    None,
    against: Against = "responses",
    mode: Annotated[str | None, typer.Option(
        "--mode", help="off, response or prefill (default: the dataset's assist "
        "settings).")] = None,
    save: Annotated[bool, typer.Option("--save", help="Store the threshold in the dataset's "
                                                      "settings.")] = False,
    min_accepted: Annotated[int, typer.Option("--min-accepted", min=1)] = 10,
    agent: Agent = None, db: DbOption = None,
) -> None:
    """Auto-accept confident suggestions; queue the rest for people, least certain first."""
    from accord.assist import route
    from accord.errors import InputError

    if threshold is not None and target_precision is not None:
        raise InputError("give --threshold or --target-precision, not both", field="--threshold")
    engine = open_store(db)
    summary = route(engine, dataset, question, threshold=threshold,
                    target_precision=target_precision, against=against, agent=agent, mode=mode,
                    save=save, min_accepted=min_accepted)
    console.print(summary.line(), markup=False, highlight=False)


@app.command("prioritize")
def prioritize_command(
    dataset: str, question: Question,
    strategy: Annotated[str, typer.Option(
        "--strategy", help="auto, typiclust or random: train accord's own model on the "
        "stored embeddings and the answers so far (auto: typical records first, then "
        "low-margin records spread over the predicted classes); least-confidence, margin "
        "or entropy: "
        "a suggestion agent's uncertainty.")] = "least-confidence",
    diversity: Annotated[int, typer.Option(
        "--diversity", min=0, help="Put N diverse uncertain records first (k-center greedy "
        "on embeddings).")] = 0,
    pool: Annotated[int | None, typer.Option("--pool", min=1)] = None,
    batch: Annotated[int, typer.Option(
        "--batch", min=1, help="auto/typiclust: records put first (typical, or "
        "uncertain ones spread over the predicted classes).")] = 20,
    vector: Annotated[str, typer.Option("--vector", help="Stored vectors to use.")] =
    "all-MiniLM-L6-v2",
    agent: Agent = None, db: DbOption = None, as_json: AsJson = False,
) -> None:
    """Order records for people by model uncertainty (active learning)."""
    engine = open_store(db)
    if strategy in ("auto", "typiclust", "random"):
        from accord.assist.learned_order import prioritize_learned

        summary: Any = prioritize_learned(engine, dataset, question, strategy=strategy,
                                          batch=batch, vector=vector)
    else:
        from accord.assist import prioritize

        summary = prioritize(engine, dataset, question, strategy=strategy, agent=agent,
                             diversity=diversity, pool=pool, vector=vector)
    if as_json and hasattr(summary, "to_dict"):
        typer.echo(json.dumps(summary.to_dict()))
    else:
        console.print(summary.line(), markup=False, highlight=False)


def _floats(text: str, name: str) -> list[float]:
    from accord.errors import InputError

    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"expected comma-separated numbers, got {text!r}", field=name) from None


@app.command("generate")
def generate_command(
    dataset: str,
    prompt_field: Annotated[str, typer.Option("--prompt-field", help="Field with the prompt.")],
    into: Annotated[str, typer.Option("--into", help="Ranking or pairwise dataset (created "
                                                     "if missing).")],
    k: Annotated[int, typer.Option("--k", min=1, help="Candidates per prompt.")] = 4,
    models: Annotated[str | None, typer.Option("--models", help="Comma-separated models.")] =
    None,
    temperatures: Annotated[str, typer.Option("--temperatures")] = "0.7",
    kind: Annotated[str, typer.Option("--kind", help="ranking or pairwise, for a new "
                                                     "dataset.")] = "ranking",
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", min=1)] = None,
    limit: Limit = None, model: Model = None, base_url: BaseUrl = None, api_key: ApiKey = None,
    concurrency: Concurrency = 8, rpm: Rpm = None, max_retries: Retries = 6,
    cache_dir: CacheDir = None, no_cache: NoCache = False, price: Prices = None,
    db: DbOption = None, as_json: AsJson = False,
) -> None:
    """Generate K candidate responses per prompt into a ranking or pairwise dataset."""
    from accord.assist import GenerateOptions, generate_candidates

    model_list = [m.strip() for m in (models or "").split(",") if m.strip()]
    engine = open_store(db)
    options = GenerateOptions(prompt_field=prompt_field, into=into, k=k, models=model_list,
                              temperatures=_floats(temperatures, "--temperatures"), kind=kind,
                              limit=limit, max_tokens=max_tokens)
    with llm_client(model or (model_list[0] if model_list else None), base_url, api_key,
                 concurrency, rpm, cache_dir, no_cache, price, max_retries) as client, \
            _bar(f"generate {dataset}") as bar:
        summary = generate_candidates(engine, dataset, client, options, progress=bar.advance,
                                      total=bar.total)
    _finish(summary, as_json)


@app.command("embed")
def embed_command(
    dataset: str,
    field: Annotated[str | None, typer.Option("--field", help="Field to embed (default: "
                                                               "all fields).")] = None,
    batch_size: BatchSize = 256, limit: Limit = None, executor: ExecutorName = None,
    workers: Workers = None, ray_address: RayAddress = None,
    backend: Annotated[str | None, typer.Option(
        "--backend", help="onnx (int8 on ONNX Runtime), torch (fp32), static (a distilled "
        "token table, much faster, another model: all-MiniLM-L6-v2-static) or auto (default: "
        "$ACCORD_EMBED_BACKEND, else auto: onnx when onnxruntime is installed).")] = None,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, help="Intra-op threads (default: the physical cores).")] = None,
    db: DbOption = None, as_json: AsJson = False,
) -> None:
    """Store all-MiniLM-L6-v2 embeddings of records (offline; int8 ONNX or fp32 torch)."""
    from accord.assist.embeddings import BACKEND_ENV, embed_dataset, load_embedder

    engine = open_store(db)
    if backend is not None:  # worker processes load their own embedder: they inherit this
        os.environ[BACKEND_ENV] = backend
    embedder = load_embedder(threads=threads) if executor is None else None
    with executor_scope(executor, workers, ray_address) as runner, _bar(f"embed {dataset}") as bar:
        summary = embed_dataset(engine, dataset, field=field, embedder=embedder,
                                batch_size=batch_size, limit=limit, executor=runner,
                                progress=bar.advance, total=bar.total)
    _finish(summary, as_json)


@app.command("edits")
def edits_command(dataset: str, question: Question, agent: Agent = None, db: DbOption = None,
                  as_json: AsJson = False) -> None:
    """How much people changed model drafts (normalized character edit distance)."""
    from accord.assist import edit_stats

    stats = edit_stats(open_store(db), dataset, question, agent=agent)
    if as_json:
        typer.echo(json.dumps(stats.to_dict()))
    else:
        console.print(stats.line(), markup=False, highlight=False)


def register(root: typer.Typer) -> None:
    """Add the ``assist`` command group to the root CLI."""
    import accord.cli.assist_lf  # noqa: F401 (adds ``assist lf`` to the group)

    root.add_typer(app, name="assist")


