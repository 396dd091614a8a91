"""A real uvicorn server on a loopback port, serving models trained by ml.training."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import uvicorn

from supportlake.api import create_app
from supportlake.settings import Settings
from tests.api.synthetic import train_registry

API_KEY = "test-key-123"


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A registry with a current priority and category model (trained once per session)."""
    models_dir = tmp_path_factory.mktemp("models")
    return models_dir, train_registry(models_dir)


@dataclass
class RunningApi:
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread
    base_url: str
    client: httpx.Client

    @property
    def state(self):
        return self.server.config.app.state.api

    def stop(self) -> None:
        """Shut down as uvicorn does on SIGTERM: the lifespan closes the landing logs."""
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the API did not shut down"


def start_api(settings: Settings) -> RunningApi:
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    return RunningApi(
        settings, server, thread, base_url, httpx.Client(base_url=base_url, timeout=30)
    )


@dataclass
class Webhook:
    """A loopback HTTP receiver for escalations; `delay` makes it slower than any timeout."""

    url: str = ""
    received: list[dict] = field(default_factory=list)
    delay: float = 0.0
    event: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(hook.delay)
            hook.received.append(json.loads(body))
            hook.event.set()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/escalations"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()


@pytest.fixture
def api_settings(tmp_path, trained_models, webhook) -> Settings:
    models_dir, _ = trained_models
    return Settings(
        warehouse=tmp_path / "warehouse.duckdb",
        lake=tmp_path / "lake",
        models_dir=models_dir,
        api_key=API_KEY,
        api_max_text_chars=2000,
        api_max_batch=5,
        escalation_webhook_url=webhook.url,
        escalation_webhook_timeout_seconds=1.0,
    )


@pytest.fixture
def api(api_settings) -> Iterator[RunningApi]:
    running = start_api(api_settings)
    yield running
    if running.thread.is_alive():
        running.stop()


def read_jsonl(folder: Path) -> list[dict]:
    """Every record of the closed (ingestible) .jsonl files in a landing folder."""
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines() if line]
    return records
