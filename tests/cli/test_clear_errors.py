"""Mistakes a person makes on the command line end in one clear line and a non-zero exit,
not a traceback, and leave nothing behind."""

from __future__ import annotations

import socket

import duckdb
import pytest
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.settings import Settings
from tests.quality.conftest import environment_for

runner = CliRunner()


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Settings:
    settings = Settings.in_folder(tmp_path)
    environment_for(monkeypatch, settings)
    return settings


def run(*args: str):
    result = runner.invoke(app, list(args))
    output = " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback instead of a message: {result.exception!r}"
    )
    return result.exit_code, output


def test_build_with_a_selection_that_matches_nothing_fails(project: Settings) -> None:
    code, output = run("build", "-s", "tickts")
    assert code == 2
    assert "error: no dbt node matches --select 'tickts'" in output


def test_embed_on_the_gpu_without_one_says_so(project: Settings) -> None:
    from ml.embedding_backends import gpu_available

    if gpu_available():
        pytest.skip("this machine has a GPU")
    code, output = run("embed", "--backend", "gpu")
    assert code == 2
    assert "--backend gpu: torch sees no CUDA GPU on this machine; use --backend auto" in output
    assert not project.warehouse.exists()


def test_an_unknown_embedding_backend_lists_the_choices(project: Settings) -> None:
    code, output = run("embed", "--backend", "tpu")
    assert code == 2
    assert "unknown --backend 'tpu': choose auto, gpu or one of torch, onnx" in output


def test_zero_clusters_is_refused(project: Settings) -> None:
    code, output = run("cluster", "-n", "0")
    assert code == 2
    assert "Invalid value for '--clusters' / '-n'" in output


def test_cluster_before_embed_says_what_to_run(project: Settings) -> None:
    duckdb.connect(str(project.warehouse)).close()
    code, output = run("cluster", "--backend", "static")
    assert code == 1
    assert "error: no ticket embeddings yet: run `supportlake embed` first" in output


def test_a_failed_score_leaves_no_empty_warehouse_file(project: Settings) -> None:
    code, output = run("score")
    assert code == 2
    assert f"no warehouse at {project.warehouse}" in output
    assert not project.warehouse.exists()


@pytest.mark.parametrize("port", ["0", "70000"])
def test_serve_refuses_a_port_out_of_range(port: str) -> None:
    code, output = run("serve", "--port", port)
    assert code == 2 and "Invalid value for '--port'" in output


def test_serve_refuses_a_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, output = run("serve", "--port", str(port))
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use by another process" in output
