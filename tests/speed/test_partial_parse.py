"""dbt's partial parse stays valid when builds alternate between warehouses."""

from __future__ import annotations

from supportlake.settings import Settings
from supportlake.transform import run_dbt

# Parsing is the same for every selection; the seeds alone keep the builds short.
SEEDS_ONLY = ["build", "--select", "resource_type:seed", "--indirect-selection", "empty"]


def _log_of_next_run(settings: Settings) -> str:
    log = settings.lake / "logs" / "dbt" / "dbt.log"
    seen = len(log.read_text(encoding="utf-8")) if log.exists() else 0
    assert run_dbt(SEEDS_ONLY, settings).success
    return log.read_text(encoding="utf-8")[seen:]


def test_a_build_after_one_on_another_warehouse_reuses_the_parsed_project(tmp_path):
    first = Settings.in_folder(tmp_path / "first")
    second = Settings.in_folder(tmp_path / "second")
    assert "Unable to do partial parsing" in _log_of_next_run(first)  # nothing saved yet
    _log_of_next_run(second)

    again = _log_of_next_run(first)

    assert "Unable to do partial parsing" not in again, again
    assert "Partial parsing enabled" in again
