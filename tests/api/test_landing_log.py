"""Landing logs: hidden while open, closed by rename, recovered after a crash, ingestible."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from supportlake.api.landing_log import LandingLog, recover_orphans
from supportlake.ingest.discovery import plan_ingest
from supportlake.ingest.loader import ingest_file
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse


def test_open_file_is_invisible_to_the_ingest_until_it_is_closed(tmp_path):
    settings = Settings(warehouse=tmp_path / "w.duckdb", lake=tmp_path / "lake")
    log = LandingLog(settings.landing_for("prediction_log"), "predictions")
    log.write({"prediction_id": "p1", "status": "ok"})

    assert log.open_path.name.startswith(".") and log.open_path.exists()
    assert plan_ingest(settings=settings).files == []

    closed = log.close()

    assert [f.path for f in plan_ingest(settings=settings).files] == [closed]
    assert json.loads(closed.read_text()) == {"prediction_id": "p1", "status": "ok"}


def test_the_hour_turning_closes_the_file_and_the_next_write_opens_a_new_one(tmp_path):
    log = LandingLog(tmp_path, "predictions")
    log.write_many([{"n": 1}, {"n": 2}])
    first = log.open_path

    assert log.rotate_if_due(datetime.now(UTC)) is None
    closed = log.rotate_if_due(datetime.now(UTC) + timedelta(hours=1))
    log.write({"n": 3})

    assert closed is not None and not first.exists()
    assert [json.loads(line)["n"] for line in closed.read_text().splitlines()] == [1, 2]
    assert log.open_path != first
    assert log.close().read_text().count("\n") == 1


def test_size_limit_rotates_and_an_empty_file_leaves_nothing(tmp_path):
    log = LandingLog(tmp_path, "predictions", max_bytes=60)
    for number in range(4):
        log.write({"number": number, "padding": "x" * 10})
    log.close()

    files = sorted(tmp_path.glob("*.jsonl"))
    assert len(files) >= 2
    assert sum(path.read_text().count("\n") for path in files) == 4
    assert LandingLog(tmp_path, "empty").close() is None
    assert not list(tmp_path.glob(".*"))


CRASHING_WRITER = """
import os, sys
from supportlake.api.landing_log import LandingLog
log = LandingLog(sys.argv[1], "predictions")
log.write({"prediction_id": "kept"})
os.write(log._fd, b'{"prediction_id": "torn')  # the process dies mid-line
os._exit(1)
"""


def test_a_crashed_writers_file_is_closed_and_its_torn_line_quarantined(tmp_path):
    folder = tmp_path / "lake" / "landing" / "prediction_log"
    subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(folder)], check=False)
    live = LandingLog(folder, "predictions")
    live.write({"prediction_id": "still-writing"})

    [recovered] = recover_orphans(folder)  # the live writer's locked file is left alone

    assert live.open_path.exists()
    settings = Settings(warehouse=tmp_path / "w.duckdb", lake=tmp_path / "lake")
    with open_warehouse(settings) as connection:
        result = ingest_file(connection, recovered, "prediction_log")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    live.close()
    assert os.listdir(folder) and not list(folder.glob(".*"))
