"""`supportlake serve` as an operator runs it: a uvicorn process, JSON logs, clean shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SUPPORTLAKE = Path(sys.executable).with_name("supportlake")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_logs_json_with_request_ids_and_closes_its_logs(tmp_path, trained_models):
    models_dir, versions = trained_models
    port = _free_port()
    environment = {
        **os.environ,
        "SUPPORTLAKE_MODELS_DIR": str(models_dir),
        "SUPPORTLAKE_LAKE": str(tmp_path / "lake"),
        "SUPPORTLAKE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
    }
    server = subprocess.Popen(
        [str(SUPPORTLAKE), "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
        response = httpx.post(
            f"http://127.0.0.1:{port}/predict-ticket",
            json={"subject": "Invoice", "message": "charged twice"},
            headers={"X-Request-ID": "op-check-1"},
        )
    finally:
        server.send_signal(signal.SIGINT)
        stdout, stderr = server.communicate(timeout=60)

    assert health.json()["models"]["category"]["version"] == versions["category"]
    assert response.status_code == 200
    assert "API stopped" in stdout
    log_lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    access = [line for line in log_lines if line.get("path") == "/predict-ticket"]
    assert access and access[0]["request_id"] == "op-check-1" and access[0]["status"] == 200
    [closed] = (tmp_path / "lake" / "landing" / "prediction_log").glob("*.jsonl")
    assert json.loads(closed.read_text())["request_id"] == "op-check-1"
