"""Ingest-side faults, each in a scratch warehouse with the real ingest (and, where the CLI's own
behaviour is the point, a real `supportlake ingest` process): kill -9 halfway, a full disk, a
record over DuckDB's line limit, a file cut short, a null JSON element, cp1252 and UTF-16
exports, and reloading a misread file. Every record must end up in raw or in quarantine, with
a reason, and the counts must reconcile."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supportlake.ingest import ingest_path
from supportlake.ingest.faults import DiskFull
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse

SUPPORTLAKE = Path(sys.executable).with_name("supportlake")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.in_folder(tmp_path)


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def unreconciled_loads(settings: Settings) -> list[tuple]:
    """Loads whose manifest counts differ from the rows found in raw and in quarantine."""
    return query(
        settings,
        """
        select manifest.source_file, manifest.rows_read, manifest.rows_loaded,
            manifest.rows_quarantined, coalesce(landed.n, 0), coalesce(held.n, 0)
        from raw.load_manifest as manifest
        left join (select _load_id, count(*) as n from raw.tickets group by all) as landed
            on landed._load_id = manifest.load_id
        left join (select load_id, count(*) as n from raw.quarantine group by all) as held
            on held.load_id = manifest.load_id
        where manifest.source = 'tickets'
            and (manifest.rows_read <> manifest.rows_loaded + manifest.rows_quarantined
                or manifest.rows_loaded <> coalesce(landed.n, 0)
                or manifest.rows_quarantined <> coalesce(held.n, 0))
        """,
    )


def write_tickets(path: Path, rows: int, *, seed: int = 0) -> Path:
    """`rows` tickets with incompressible text, so that they take real space on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    texts = ["".join(rng.choices(string.ascii_letters + " ", k=100)) for _ in range(4096)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticket_id", "category", "message"])
        writer.writerows(
            [f"{path.stem}-{number}", "Billing", texts[rng.randrange(4096)]]
            for number in range(rows)
        )
    return path


def cli_environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "SUPPORTLAKE_WAREHOUSE": str(settings.warehouse),
        "SUPPORTLAKE_LAKE": str(settings.lake),
        "SUPPORTLAKE_PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_HOME": str(settings.prefect_home),
        "COLUMNS": "200",
    }


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SUPPORTLAKE), "ingest", *args],
        env=cli_environment(settings),
        capture_output=True,
        text=True,
        timeout=600,
    )


# --- kill -9 during `supportlake ingest` ----------------------------------------------------


def test_an_ingest_killed_halfway_loses_nothing_and_a_rerun_loads_each_file_once(settings):
    landing = settings.landing_for("tickets")
    files = {
        write_tickets(landing / f"part_{index}.csv", rows, seed=index): rows
        for index, rows in enumerate((20_000, 200_000, 200_000, 200_000))
    }
    process = subprocess.Popen(
        [str(SUPPORTLAKE), "ingest"],
        env=cli_environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its Prefect server goes down with it
    )
    try:
        # Kill it a moment after it opened the warehouse, while it loads the first files
        # (watching the file only: a reader would hold up the writer).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if settings.warehouse.exists():
                break
            time.sleep(0.1)
        time.sleep(2)
        assert process.poll() is None, "the ingest ended before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    summary = ingest_path(settings=settings)

    statuses = {result.path.name: result.status for result in summary.files}
    assert "loaded" in statuses.values(), statuses
    assert set(statuses.values()) <= {"loaded", "skipped"}, statuses
    loaded = dict(query(settings, "select _source_file, count(*) from raw.tickets group by all"))
    assert {Path(name).name: count for name, count in loaded.items()} == {
        path.name: rows for path, rows in files.items()
    }
    assert query(settings, "select count(*) from raw.load_manifest") == [(len(files),)]
    assert unreconciled_loads(settings) == []


# --- a full disk --------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 4 MB tmpfs for the warehouse; skipped where this process may not mount one."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_is_named_with_its_path_and_free_space_and_a_rerun_loads(tmp_path, small_disk):
    settings = Settings.in_folder(tmp_path, warehouse=small_disk / "warehouse.duckdb")
    landing = settings.landing_for("tickets")
    write_tickets(landing / "a_small.csv", 100)
    write_tickets(landing / "b_large.csv", 20_000)

    with pytest.raises(DiskFull) as raised:
        ingest_path(settings=settings)

    message = str(raised.value)
    assert "disk full" in message
    assert str(settings.warehouse) in message
    assert "free of 4.0 MB" in message
    assert "cannot rollback" not in message
    assert query(settings, "select source_file, status from raw.load_manifest") == [
        (str((landing / "a_small.csv").resolve()), "loaded")
    ]

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    summary = ingest_path(settings=settings)

    assert [(result.path.name, result.status) for result in summary.files] == [
        ("a_small.csv", "skipped"),
        ("b_large.csv", "loaded"),
    ]
    assert query(settings, "select count(*) from raw.tickets") == [(20_100,)]
    assert unreconciled_loads(settings) == []


def test_the_cli_reports_a_full_disk_in_one_line_with_the_log_path(tmp_path, small_disk):
    settings = Settings.in_folder(tmp_path, warehouse=small_disk / "warehouse.duckdb")
    write_tickets(settings.landing_for("tickets") / "large.csv", 60_000)

    result = run_cli(settings)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "nanobind" not in output, output
    failed = [line for line in output.splitlines() if line.startswith("failed ")]
    assert len(failed) == 1 and "disk full" in output, output
    log = settings.lake / "logs" / "ingest" / "ingest.log"
    assert f"details of failures: {log}" in output.replace("\n", ""), output
    assert "DiskFull" in log.read_text(encoding="utf-8")


# --- records the CSV reader would drop or misread ------------------------------------------


def test_a_record_over_32_mb_is_quarantined_not_dropped(settings):
    path = settings.landing_for("tickets") / "huge.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("ticket_id,message\nT-1,first\nT-2,")
        handle.write("x" * (40 << 20))
        handle.write('\nT-3,"two\nlines"\nT-4,last\n')

    (result,) = ingest_path(path, settings, source="tickets").files

    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        4,
        3,
        1,
    )
    ((line, reason),) = query(settings, "select row_number, reason from raw.quarantine")
    assert line == 3
    assert "longer than the 16,777,216-byte limit" in reason
    assert query(settings, "select ticket_id, _row_number from raw.tickets order by 2") == [
        ("T-1", 2),
        ("T-3", 4),
        ("T-4", 5),
    ]
    assert unreconciled_loads(settings) == []


def test_a_multiline_record_over_the_limit_is_one_quarantined_record(settings):
    path = settings.landing_for("tickets") / "huge_conversation.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write('ticket_id,message\nT-1,"')
        handle.write(("y" * 99 + "\n") * 400_000)  # 40 MB of short lines in one quoted field
        handle.write('"\nT-2,fine\n')

    (result,) = ingest_path(path, settings, source="tickets").files

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert query(settings, "select ticket_id, _row_number from raw.tickets") == [("T-2", 3)]
    assert unreconciled_loads(settings) == []


def test_a_file_cut_inside_its_last_field_quarantines_the_last_record(settings):
    path = settings.landing_for("tickets") / "cut.csv"
    path.parent.mkdir(parents=True)
    complete = "ticket_id,resolution_minutes\nT-1,30\nT-2,4058\n"
    path.write_text(complete[: complete.index("4058") + 2], encoding="utf-8")  # "...T-2,40"

    (result,) = ingest_path(path, settings, source="tickets").files

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert query(settings, "select ticket_id, resolution_minutes from raw.tickets") == [
        ("T-1", "30")
    ]
    ((line, reason, raw_record),) = query(
        settings, "select row_number, reason, raw_record from raw.quarantine"
    )
    assert (line, raw_record) == (3, "T-2,40")
    assert "no line break" in reason and "cut short" in reason


def test_a_null_element_of_a_json_array_is_quarantined_not_the_whole_file(settings):
    path = settings.landing_for("tickets") / "tickets.json"
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps([{"ticket_id": "T-1"}, None, {"ticket_id": "T-3"}]), encoding="utf-8"
    )

    (result,) = ingest_path(path, settings, source="tickets").files

    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 1)
    assert query(settings, "select row_number, reason, raw_record from raw.quarantine") == [
        (2, "array element is null, not a JSON object", "null")
    ]


# --- encodings ------------------------------------------------------------------------------

WESTERN_TEXT = "Café – “naïve” façade €5"


def test_a_cp1252_export_loads_with_its_encoding_in_the_mapping(settings):
    path = settings.landing_for("tickets") / "excel.csv"
    path.parent.mkdir(parents=True)
    rows = "".join(f"T-{n},{WESTERN_TEXT} {n}\r\n" for n in range(3))
    path.write_bytes(f"ticket_id,message\r\n{rows}".encode("cp1252"))

    (failed,) = ingest_path(path, settings, source="tickets").files
    assert failed.status == "failed"
    assert "not UTF-8: likely one of cp1252" in failed.message
    assert "encoding: cp1252" in failed.message

    path.with_name("excel.mapping.yaml").write_text("encoding: windows-1252\n")
    (result,) = ingest_path(path, settings, source="tickets").files

    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 0)
    assert query(settings, "select message from raw.tickets order by ticket_id") == [
        (f"{WESTERN_TEXT} {n}",) for n in range(3)
    ]


def test_utf16_without_a_byte_order_mark_is_detected(settings):
    path = settings.landing_for("tickets") / "utf16.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(f"ticket_id,message\nT-1,{WESTERN_TEXT}\n".encode("utf-16-le"))

    (result,) = ingest_path(path, settings, source="tickets").files

    assert (result.status, result.rows_loaded) == ("loaded", 1), result.message
    assert "UTF-16 little-endian" in result.message
    assert query(settings, "select ticket_id, message from raw.tickets") == [("T-1", WESTERN_TEXT)]


# --- reloading a misread file ---------------------------------------------------------------


def test_a_misread_file_reloads_and_the_reconciliation_shows_both_loads(tmp_path, settings):
    landing = settings.landing_for("tickets")
    path = landing / "export.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "Id,Subject,Category,Created\n"
        "T-1,Printer,Hardware,2025-01-02 10:00:00\n"
        "T-2,Invoice,Billing,2025-01-03 11:00:00\n"
        "T-3,Login,Access\n",  # a field short: quarantined both times
        encoding="utf-8",
    )
    sidecar = path.with_name("export.mapping.yaml")
    # A mapping typo: the subject lands in category.
    sidecar.write_text(
        "columns: {Id: ticket_id, Subject: category, Category: null, Created: created_at}\n"
    )
    (first,) = ingest_path(path, settings).files
    assert first.rows_loaded == 2

    sidecar.write_text(
        "columns: {Id: ticket_id, Subject: null, Category: category, Created: created_at}\n"
    )
    (skipped,) = ingest_path(path, settings).files
    assert skipped.status == "skipped"
    (reloaded,) = ingest_path(path, settings, reload=True).files

    assert (reloaded.status, reloaded.rows_loaded, reloaded.rows_quarantined) == ("loaded", 2, 1)
    assert reloaded.retired == [first.load_id]
    assert query(settings, "select ticket_id, category, _load_id from raw.tickets order by 1") == [
        ("T-1", "Hardware", reloaded.load_id),
        ("T-2", "Billing", reloaded.load_id),
    ]
    assert query(settings, "select load_id from raw.quarantine") == [(reloaded.load_id,)]
    manifest = query(
        settings,
        "select load_id, status, rows_read, error from raw.load_manifest order by loaded_at",
    )
    assert [row[:3] for row in manifest] == [
        (first.load_id, "retired", 0),
        (reloaded.load_id, "loaded", 3),
    ]
    assert f"reloaded as load {reloaded.load_id}" in manifest[0][3]
    assert "had read 3 records (2 loaded, 1 quarantined)" in manifest[0][3]
    assert unreconciled_loads(settings) == []

    run_dbt(["build", "--selector", "tickets", "--target-path", str(tmp_path / "target")], settings)

    assert query(
        settings,
        "select load_id, load_status, rows_read, rows_in_tickets, is_balanced "
        "from marts.ticket_load_reconciliations order by loaded_at",
    ) == [
        (first.load_id, "retired", 0, 0, True),
        (reloaded.load_id, "loaded", 3, 2, True),
    ]


def test_the_cli_reloads_a_file_and_exits_non_zero_when_every_record_was_quarantined(settings):
    path = settings.landing_for("tickets") / "shifted.csv"
    path.parent.mkdir(parents=True)
    # The header lacks a column: every record has a field too many.
    path.write_text("ticket_id,category\nT-1,Billing,x\nT-2,Access,y\n", encoding="utf-8")
    (first,) = ingest_path(path, settings).files
    assert (first.rows_loaded, first.rows_quarantined) == (0, 2)

    result = run_cli(settings, "--reload", str(path))

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"retired load {first.load_id}" in output.replace("\n", ""), output
    assert "every record of" in output, output
    assert query(settings, "select status from raw.load_manifest order by loaded_at") == [
        ("retired",),
        ("loaded",),
    ]
