"""A Prefect server on this machine for the scheduled deployments: cron schedules need a real
server (the ephemeral one refuses to schedule). Reuse a healthy one, else start
`prefect server start` and wait until it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from supportlake.settings import Settings

PREFECT_HOST = "127.0.0.1"
PREFECT_PORT = 4200
PREFECT_START_SECONDS = 120  # a fresh server took 11-14 s here, much more on a busy machine


def prefect_is_healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def start_prefect_server(
    settings: Settings, host: str = PREFECT_HOST, port: int = PREFECT_PORT
) -> tuple[str, subprocess.Popen | None]:
    """(API URL, the server process if this call started it) for a healthy Prefect server."""
    api_url = f"http://{host}:{port}/api"
    if prefect_is_healthy(api_url):
        return api_url, None
    log_path = settings.lake / "logs" / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    environment.pop("PREFECT_API_URL", None)  # the server must not look for another server
    prefect = Path(sys.executable).with_name("prefect")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(prefect), "server", "start", "--host", host, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,  # Ctrl-C reaches `deploy`, which stops the server itself
        )
    deadline = time.monotonic() + PREFECT_START_SECONDS
    while not prefect_is_healthy(api_url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"Prefect server did not start on {api_url}; see {log_path}")
        time.sleep(0.5)
    return api_url, process
