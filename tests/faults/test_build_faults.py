"""Build-side faults, each in a scratch warehouse with the real ingest and the real `dbt build`:
a `supportlake build` killed with SIGKILL halfway, non-finite numbers in an export, and a
backfill of an older export after a newer one. Every input row must end up in the marts, in
quarantine or deduplicated away, and the roll-ups must stay numbers."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from supportlake.analytics.report import ReportFilters, compute_report
from supportlake.ingest import ingest_path
from supportlake.raw_schema import ensure_raw_schema
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse

REPO = Path(__file__).resolve().parents[2]
FIXTURE_LANDING = REPO / "tests" / "fixtures" / "landing"
SUPPORTLAKE = Path(sys.executable).with_name("supportlake")
TICKET_HEADER = (
    "ticket_id,customer_id,created_at,updated_at,resolved_at,status,priority,category,"
    "satisfaction_score,reopened_count,resolution_minutes"
)


def ingest(path: Path, settings: Settings) -> None:
    summary = ingest_path(path, settings, source="tickets" if path.is_file() else None)
    failed = [
        f"{file.path.name}: {file.message}" for file in summary.files if file.status == "failed"
    ]
    assert not failed, f"the ingest failed on {failed}"


def build_tickets(settings: Settings, root: Path) -> None:
    run_dbt(["build", "--selector", "tickets", "--target-path", str(root / "target")], settings)


def query(settings: Settings, sql: str) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def unbalanced_loads(settings: Settings) -> list[tuple]:
    return query(
        settings,
        "select source_file, rows_read, rows_in_tickets, rows_quarantined_at_ingest, "
        "rows_quarantined_in_dbt, rows_deduplicated from marts.ticket_load_reconciliations "
        "where not is_balanced or rows_unaccounted != 0",
    )


def write_csv(path: Path, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join((TICKET_HEADER, *rows)) + "\n", encoding="utf-8")
    return path


# --- kill -9 during `supportlake build` ----------------------------------------------------


def cli_environment(settings: Settings, root: Path) -> dict[str, str]:
    """The environment that points a `supportlake` subprocess at `settings`: every path setting
    (warehouse, serving copy, lake, models, ...) as its SUPPORTLAKE_ variable."""
    paths = {
        f"SUPPORTLAKE_{name.upper()}": str(getattr(settings, name))
        for name in type(settings).model_fields
        if isinstance(getattr(settings, name), Path)
    }
    # dbt's own target folder too, not the checkout's dbt_project/target.
    return {**os.environ, **paths, "DBT_TARGET_PATH": str(root / "target")}


def kill_build_when_running(model_sql: str, root: Path, environment: dict[str, str]) -> None:
    """Start `supportlake build` and SIGKILL its whole process group as soon as dbt starts
    executing `model_sql` (dbt writes target/run/<path> right before it runs the statement).
    Fails if the build finished, or ten minutes passed, first."""
    started = root / "target" / "run" / "supportlake" / model_sql
    output = root / "killed_build.out"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [str(SUPPORTLAKE), "build"],
            cwd=REPO,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 600
    try:
        while process.poll() is None and time.monotonic() < deadline and not started.exists():
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it had finished: the assertion below says so
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL and started.exists(), (
        f"the build was not killed while running {model_sql} (exit {process.returncode}):\n"
        + output.read_text(errors="replace")[-3000:]
    )


def test_a_build_killed_with_sigkill_is_rebuilt_by_the_next_run(tmp_path: Path) -> None:
    settings = Settings.in_folder(tmp_path)
    environment = cli_environment(settings, tmp_path)
    ingest(FIXTURE_LANDING, settings)

    # Killed as it writes the tickets mart: the warehouse is left mid-build, mid-transaction.
    kill_build_when_running("models/marts/tickets/tickets.sql", tmp_path, environment)

    rerun = subprocess.run(
        [str(SUPPORTLAKE), "build"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert rerun.returncode == 0, rerun.stdout[-4000:] + rerun.stderr[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    # Exposures are listed too, as "no-op": they document readers, nothing runs.
    results = [result for result in results if not result["unique_id"].startswith("exposure.")]
    assert len(results) > 300
    assert {result["status"] for result in results} <= {"pass", "success", "warn"}
    assert unbalanced_loads(settings) == []
    assert query(settings, "select count(*), count(distinct ticket_id) from marts.tickets") == [
        (41, 41)
    ]
    assert query(settings, "select ticket_count from marts.agg_support_kpis") == [(41,)]
    assert query(
        settings,
        "select count(*) from marts.chat_reconciliation "
        "where ingest_records_read != records_landed + ingest_records_quarantined "
        "or records_landed != records_kept + records_quarantined + records_superseded",
    ) == [(0,)]


# --- NaN, inf and 1e309 in numeric fields -------------------------------------------------


@pytest.fixture(scope="module")
def non_finite_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """An export where every numeric field meets NaN, inf or 1e309, built end to end."""
    root = tmp_path_factory.mktemp("non_finite")
    settings = Settings.in_folder(root)
    export = write_csv(
        settings.landing_for("tickets") / "non_finite.csv",
        "NF-1,C-1,2024-05-01 10:00:00,,2024-05-01 11:00:00,Resolved,High,Billing,4,0,60",
        "NF-2,C-2,2024-05-01 10:00:00,,2024-05-01 13:00:00,Resolved,High,Billing,5,1,180",
        "NF-3,C-3,2024-05-01 10:00:00,,2024-05-01 12:00:00,Resolved,High,Billing,NaN,NaN,NaN",
        "NF-4,C-4,2024-05-01 10:00:00,,,Resolved,High,Billing,inf,inf,inf",
        "NF-5,C-5,2024-05-01 10:00:00,,,Resolved,High,Billing,1e309,1e309,1e309",
        "NF-6,C-6,2024-05-01 10:00:00,,,Resolved,High,Billing,-inf,Infinity,-1e309",
    )
    ingest(export.parent, settings)
    build_tickets(settings, root)
    return settings, root


def test_non_finite_cells_are_flagged_invalid_with_their_field(non_finite_warehouse) -> None:
    settings, _ = non_finite_warehouse
    rows = query(
        settings,
        "select ticket_id, resolution_minutes, satisfaction_score, reopened_count, "
        "has_invalid_value, invalid_fields from marts.tickets order by ticket_id",
    )
    numeric_fields = "satisfaction_score,reopened_count,resolution_minutes"
    assert rows == [
        ("NF-1", 60.0, 4, 0, False, None),
        ("NF-2", 180.0, 5, 1, False, None),
        # The unusable reported minutes give way to the timestamps, as for any bad value.
        ("NF-3", 120.0, None, None, True, numeric_fields),
        ("NF-4", None, None, None, True, numeric_fields),
        ("NF-5", None, None, None, True, numeric_fields),
        ("NF-6", None, None, None, True, numeric_fields),
    ]
    checks = query(
        settings,
        "select field, row_count from marts.ticket_data_quality_checks "
        "where is_total and check_name like 'invalid_value:%' order by field",
    )
    assert checks == [("reopened_count", 4), ("resolution_minutes", 4), ("satisfaction_score", 4)]
    assert unbalanced_loads(settings) == []


def test_kpis_stay_finite_and_count_the_resolved_tickets(non_finite_warehouse) -> None:
    settings, _ = non_finite_warehouse
    kpis = query(
        settings,
        "select ticket_count, open_ticket_count, mean_resolution_minutes, "
        "median_resolution_minutes, mean_satisfaction_score, reopen_rate "
        "from marts.agg_support_kpis",
    )
    assert kpis == [(6, 0, 120.0, 120.0, 4.5, 0.5)]
    by_category = query(
        settings,
        "select category, timed_ticket_count, mean_resolution_minutes, p90_resolution_minutes "
        "from marts.agg_resolution_time_by_category",
    )
    assert by_category == [("Billing", 3, 120.0, pytest.approx(168.0))]
    for table in ("agg_support_kpis", "agg_resolution_time_by_category", "agg_csat_by_driver"):
        with open_warehouse(settings, read_only=True) as connection:
            relation = connection.table(f"marts.{table}")
            doubles = [
                name
                for name, kind in zip(relation.columns, relation.dtypes, strict=True)
                if str(kind) == "DOUBLE"
            ]
            values = relation.select(", ".join(doubles)).fetchall()
        assert all(v is None or math.isfinite(v) for row in values for v in row), (table, values)
    # The analytics report used to read the nan mean as "No resolved tickets in this selection".
    with open_warehouse(settings, read_only=True) as connection:
        insight = compute_report(connection, ReportFilters()).insight
    assert insight.startswith("Billing tickets take the longest to resolve (2.0 h on average")


def test_the_data_test_fails_on_a_non_finite_kpi(non_finite_warehouse) -> None:
    settings, root = non_finite_warehouse
    with open_warehouse(settings) as connection:
        connection.execute(
            "update marts.agg_support_kpis set mean_resolution_minutes = 'nan', "
            "median_resolution_minutes = 'inf'"
        )
    try:
        result = run_dbt(
            ["test", "--select", "agg_support_kpis", "--target-path", str(root / "target")],
            settings,
            raise_on_failure=False,
        )
    finally:
        build_tickets(settings, root)  # the other tests of the module read the real marts
    assert not result.success
    assert [failure.split(":")[0] for failure in result.failures] == [
        "finite_measures_agg_support_kpis_"
    ]


# --- backfill: an older export loaded after a newer one ------------------------------------


def test_a_backfilled_older_export_does_not_overwrite_the_newer_state(tmp_path: Path) -> None:
    settings = Settings.in_folder(tmp_path)
    newer = write_csv(
        tmp_path / "exports" / "2024-06-10_export.csv",
        # BF-1 resolved and rated since the older export; BF-2 unchanged; BF-3 only here.
        "BF-1,C-1,2024-06-01 09:00:00,2024-06-05 17:30:00,2024-06-05 17:00:00,Resolved,High,"
        "Billing,5,0,",
        "BF-2,C-2,2024-06-02 09:00:00,2024-06-02 09:00:00,,Open,Low,Billing,,0,",
        "BF-3,C-3,2024-06-03 09:00:00,2024-06-03 10:00:00,,Pending,Low,Billing,,0,",
    )
    older = write_csv(
        tmp_path / "exports" / "2024-06-01_export.csv",
        "BF-1,C-1,2024-06-01 09:00:00,2024-06-01 09:00:00,,Open,High,Billing,,0,",
        "BF-2,C-2,2024-06-02 09:00:00,2024-06-02 09:00:00,,Open,Low,Billing,,0,",
        # Without an updated_at a copy cannot show it is newer: it loses to BF-3 above.
        "BF-3,C-3,2024-06-03 09:00:00,,,Open,Low,Billing,,0,",
    )
    ingest(newer, settings)
    ingest(older, settings)  # the backfill, loaded last
    build_tickets(settings, tmp_path)

    kept = query(
        settings,
        "select ticket_id, status, satisfaction_score, regexp_extract(_source_file, '[^/]+$'), "
        "duplicate_count from marts.tickets order by ticket_id",
    )
    assert kept == [
        ("BF-1", "Resolved", 5, "2024-06-10_export.csv", 2),
        # Equal updated_at: load order breaks the tie, the backfill's identical copy is kept.
        ("BF-2", "Open", None, "2024-06-01_export.csv", 2),
        ("BF-3", "Pending", None, "2024-06-10_export.csv", 2),
    ]
    # updated_at lands in raw like any column (it used to be dropped as "ignored").
    assert query(settings, "select count(nullif(updated_at, '')), count(*) from raw.tickets") == [
        (5, 6)
    ]
    assert query(
        settings,
        "select regexp_extract(source_file, '[^/]+$'), rows_read, rows_in_tickets, "
        "rows_deduplicated, is_balanced from marts.ticket_load_reconciliations order by 1",
    ) == [
        ("2024-06-01_export.csv", 3, 1, 2, True),
        ("2024-06-10_export.csv", 3, 2, 1, True),
    ]


def test_a_warehouse_from_before_updated_at_gains_the_column(tmp_path: Path) -> None:
    """raw.tickets created without updated_at gets it at the next ingest; old rows read null
    and deduplicate by load order as before."""
    settings = Settings.in_folder(tmp_path)
    with open_warehouse(settings) as connection:
        ensure_raw_schema(connection)
        connection.execute("alter table raw.tickets drop column updated_at")
    ingest(
        write_csv(
            tmp_path / "exports" / "export.csv",
            "UP-1,C-1,2024-06-01 09:00:00,2024-06-01 10:00:00,,Pending,High,Billing,,0,",
        ),
        settings,
    )
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        assert connection.execute("select ticket_id, updated_at from raw.tickets").fetchall() == [
            ("UP-1", "2024-06-01 10:00:00")
        ]
