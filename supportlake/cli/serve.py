"""`supportlake serve` (the HTTP API under uvicorn) and `supportlake deploy` (scheduled flows).

Cron schedules need a real Prefect server (the ephemeral one refuses to schedule): `deploy`
connects to one on 127.0.0.1, or starts `prefect server start` there and stops it on exit
(flows/prefect_server.py).
"""

from __future__ import annotations

import errno
import os
import socket
from enum import StrEnum

import typer

from supportlake.console import console
from supportlake.settings import get_settings

PREFECT_HOST = "127.0.0.1"
PREFECT_PORT = 4200  # the default of flows/prefect_server.py, repeated: --help must not import it


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def port_problem(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (in use, no such address), or None: checked
    before uvicorn starts, whose own failure is a page of logs after the models loaded."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return "the port is in use by another process"
        return error.strerror or str(error)
    return None


def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on (0.0.0.0: all)"),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port"),
    workers: int = typer.Option(
        1, min=1, help="uvicorn worker processes (each loads the models and writes its own logs)"
    ),
    log_level: LogLevel = typer.Option(LogLevel.info, help="uvicorn's log level"),
) -> None:
    """Serve the prediction API with uvicorn (OpenAPI docs at /docs)."""
    import uvicorn  # imported when run: uvicorn is not needed by `--help`

    level = log_level.value
    problem = port_problem(host, port)
    if problem:
        console.print(f"[bold red]error:[/] cannot listen on {host}:{port}: {problem}")
        raise typer.Exit(2)
    settings = get_settings()
    writes = "need X-API-Key" if settings.api_key else "are disabled (no SUPPORTLAKE_API_KEY)"
    console.print(
        f"[bold]supportlake API[/] on http://{host}:{port} (docs: /docs), models from "
        f"{settings.models_dir}; logs land in {settings.landing}/{{prediction_log,escalations,"
        f"ticket_corrections}}; write endpoints {writes}",
        soft_wrap=True,
    )
    os.environ["SUPPORTLAKE_API_LOG_LEVEL"] = level  # read by each worker's app factory
    try:
        uvicorn.run(
            "supportlake.api.app:create_served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,  # the factory sets up JSON logging in every worker
            log_level=level,
            access_log=False,
        )
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        pass
    finally:
        console.print(
            f"[green]API stopped[/]; its closed logs await the next ingest in {settings.landing}"
        )


def deploy(
    prefect_port: int = typer.Option(
        PREFECT_PORT, min=1, max=65535, help="port of the Prefect server on 127.0.0.1"
    ),
) -> None:
    """Serve the scheduled deployments (hourly refresh, nightly training, dashboard)."""
    from flows.prefect_server import start_prefect_server  # httpx: only when run

    settings = get_settings()
    api_url, process = start_prefect_server(settings, PREFECT_HOST, prefect_port)
    os.environ["PREFECT_API_URL"] = api_url  # before Prefect reads its settings below
    action = f"started (pid {process.pid})" if process else "connected to the running"
    console.print(
        f"Prefect server {action} at {api_url}; PREFECT_API_URL set; UI: {api_url[:-4]}",
        soft_wrap=True,
    )
    # imported after PREFECT_API_URL is set, and only when run (seconds of `--help`)
    from prefect import serve as serve_deployments

    from flows.deployments import SERVE_LIMIT, build_deployments

    deployments = build_deployments()
    for deployment in deployments:
        schedules = ", ".join(
            f"{schedule.schedule.cron} {schedule.schedule.timezone}"
            for schedule in deployment.schedules or []
        )
        console.print(f"  {deployment.flow_name}/{deployment.name}: {schedules or 'on demand'}")
    try:
        serve_deployments(*deployments, limit=SERVE_LIMIT, print_starting_message=False)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        console.print(
            "[green]deployments stopped[/]" + ("; Prefect server stopped" if process else "")
        )


def register(app: typer.Typer) -> None:
    for command in (serve, deploy):
        app.command()(command)
