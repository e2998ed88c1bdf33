"""``accord serve``: the API and web UI under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from accord.cli.console import console
from accord.cli.store import DbOption, open_store
from accord.server.limits import DEFAULT_BODY_MB, DEFAULT_UPLOAD_MB

__all__ = ["register"]

DEMO_DB = "sqlite:///accord-demo.db"


def serve_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    demo: Annotated[bool, typer.Option(
        "--demo", help="Load the demo datasets and users first (default db accord-demo.db).")]
    = False,
    workers: Annotated[int, typer.Option("--workers", min=1, help="uvicorn worker processes.")]
    = 1,
    log_level: Annotated[str, typer.Option("--log-level")] = "warning",
    media_root: Annotated[str | None, typer.Option(
        "--media-root", envvar="ACCORD_MEDIA_ROOT",
        help="Directory of local image/audio files that media fields may refer to by relative "
             "path (served at /api/v1/media/...).")] = None,
    max_upload_mb: Annotated[float, typer.Option(
        "--max-upload-mb", min=0.001,
        help="Largest request body for file uploads and bulk JSON imports, in MiB.")]
    = DEFAULT_UPLOAD_MB,
    max_body_mb: Annotated[float, typer.Option(
        "--max-body-mb", min=0.001, help="Largest request body for every other route, in MiB.")]
    = DEFAULT_BODY_MB,
    trusted_proxies: Annotated[str, typer.Option(
        "--trusted-proxies", envvar="ACCORD_TRUSTED_PROXIES",
        help="Comma-separated addresses or networks of reverse proxies whose "
             "X-Forwarded-For/-Proto headers are believed (e.g. 127.0.0.1 or 10.0.0.0/8); "
             "default none: the client address is the connection's peer.")] = "",
    relearn_interval: Annotated[float, typer.Option(
        "--relearn-interval", min=0,
        help="Seconds between checks for datasets whose assist.active_learning is due "
             "(every N new answers: retrain and reorder in a background thread); 0: off.")]
    = 10.0,
) -> None:
    """Serve the REST API (/api/v1, docs at /docs) and the web UI."""
    import uvicorn

    from accord.errors import InputError
    from accord.store.engine import resolve_url

    if demo and db is None:
        db = DEMO_DB
    url = resolve_url(db)
    if workers > 1 and url.startswith("sqlite"):
        # SQLite has one writer: a second process's writers lose every race for the
        # lock and fail after the busy timeout (docs/reliability.md).
        raise InputError(f"--workers {workers} needs PostgreSQL: a SQLite database is served by "
                         "one process (drop --workers, or use --db postgresql://...)",
                         field="--workers")
    # forwarded headers only from configured proxies: anyone else could choose the
    # address their failed logins are counted under (docs/security.md)
    proxies = _trusted_proxies(trusted_proxies)
    if media_root is None and demo:
        from accord.demo import DEMO_MEDIA

        media_root = str(DEMO_MEDIA)  # the demo's point clouds
    if media_root is not None:
        if not os.path.isdir(media_root):
            raise InputError(f"--media-root {media_root!r} is not a directory",
                             field="--media-root")
        os.environ["ACCORD_MEDIA_ROOT"] = os.path.realpath(media_root)
    engine = open_store(url)
    if demo:
        from accord.demo import DEMO_PASSWORD, build_demo

        counts = build_demo(engine)
        console.print(f"demo data: {sum(counts.values()):,} records in {len(counts)} datasets",
                      markup=False)
        console.print(f"login: admin / {DEMO_PASSWORD}  (annotators alice, bob, carol; "
                      f"reviewer; same password)", markup=False)
    engine.dispose()
    os.environ["ACCORD_DB"] = url
    os.environ["ACCORD_WORKERS"] = str(workers)  # each worker's pool size (docs/settings.md)
    os.environ["ACCORD_MAX_UPLOAD_MB"] = f"{max_upload_mb:g}"
    os.environ["ACCORD_MAX_BODY_MB"] = f"{max_body_mb:g}"
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"accord serving {engine.url.render_as_string(hide_password=True)} at "
                  f"http://{shown_host}:{port}/  (API docs: http://{shown_host}:{port}/docs)",
                  markup=False, highlight=False)
    relearner = _relearner(url, relearn_interval)
    try:
        uvicorn.run("accord.server.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level=log_level, proxy_headers=bool(proxies),
                    forwarded_allow_ips=proxies or None)
    finally:
        if relearner is not None:
            relearner.stop()
            relearner.engine.dispose()


def _relearner(url: str, interval: float) -> Any:
    """The background active-learning loop of this ``serve`` (one per command, however many
    workers; several servers share the work through the database lease)."""
    if interval <= 0:
        return None
    from accord.cli.relearn import Relearner

    return Relearner(open_store(url), interval=interval).start()


def _trusted_proxies(text: str) -> list[str]:
    """``--trusted-proxies`` as a list of addresses/networks (each checked)."""
    import ipaddress

    from accord.errors import InputError

    out = [part.strip() for part in text.split(",") if part.strip()]
    for part in out:
        try:
            network = ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise InputError(f"{part!r} is not an IP address or network "
                             "(e.g. 127.0.0.1, 10.0.0.0/8)", field="--trusted-proxies") from None
        try:  # uvicorn reads a network strictly: with host bits set it would trust nothing
            ipaddress.ip_network(part)
        except ValueError:
            host = part.split("/", 1)[0]
            raise InputError(f"{part!r} has host bits set: write {network} "
                             f"for the network or {host} for one address",
                             field="--trusted-proxies") from None
    return out


def register(root: typer.Typer) -> None:
    root.command("serve")(serve_command)
