"""`supportlake build` says, per load, how many rows reached the marts and why the others did
not, and warns (or, with --fail-on-quality, fails) when a load is under the thresholds."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.settings import Settings
from tests.quality.conftest import AUDIT_SELECTION, environment_for

runner = CliRunner()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, lossy_project: Settings) -> CliRunner:
    environment_for(monkeypatch, lossy_project)
    # Tests that also read marts outside the selection stay out of it (as `--selector tickets`).
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    return runner


def test_a_load_that_loses_rows_warns_in_the_build_summary(cli: CliRunner) -> None:
    result = cli.invoke(app, ["build", "-s", AUDIT_SELECTION])

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # rich wraps long lines
    assert (
        "warning: lossy_export.csv (load" in output
        and "only 11 of 40 rows (27.5%) reached marts.tickets (threshold 95.0%); "
        "top reasons: superseded by a later copy (29), invalid status (5)"
        in output
    ), output
    assert "5 of 40 rows (12.5%) have an invalid status (threshold 5.0%)" in output
    # The clean load is listed with all its rows in the marts, and never warned about.
    assert "clean_export.csv │ 20 │ 20 (100.0%) │ 0 │ - │" in output
    assert "warning: clean_export.csv" not in output
    # The per-load dbt tests warned too.
    assert "dbt test warned warn_on_load_losing_rows" in output
    assert "dbt test warned warn_on_load_with_many_invalid_values" in output


def test_dbt_node_lines_go_to_the_log_not_the_terminal(cli: CliRunner, lossy_project) -> None:
    result = cli.invoke(app, ["build", "-s", AUDIT_SELECTION])

    assert result.exit_code == 0, result.output
    assert "START sql table model" not in result.output
    assert "OK created sql table model" not in result.output
    log = lossy_project.lake / "logs" / "dbt" / "dbt.log"
    assert f"dbt's log: {log}" in " ".join(result.output.split())
    assert "START sql table model marts.ticket_load_reconciliations" in log.read_text()


def test_fail_on_quality_turns_the_warning_into_a_failed_build(cli: CliRunner) -> None:
    result = cli.invoke(app, ["build", "-s", AUDIT_SELECTION, "--fail-on-quality"])

    output = " ".join(result.output.split())
    assert result.exit_code == 1, output
    assert "failed warn_on_load_losing_rows" in output
    assert "only 11 of 40 rows (27.5%) reached marts.tickets" in output


def test_thresholds_come_from_the_settings(cli: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("SUPPORTLAKE_QUALITY_MIN_ROWS_IN_MARTS_SHARE", "0.2")
    monkeypatch.setenv("SUPPORTLAKE_QUALITY_MAX_INVALID_SHARE", "0.6")

    result = cli.invoke(app, ["build", "-s", AUDIT_SELECTION, "--fail-on-quality"])

    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output and "dbt test warned" not in result.output
    assert "data quality ok" in result.output
